// The web client (web/app, a static Vite build) on Azure Static Web Apps. The app calls the Function
// App's own host cross-origin (VITE_API_BASE_URL, written by azure.yaml's prepackage hook from
// API_URL), so the Free tier is enough: no linked backend, which would put Easy Auth in front of
// the API and take its bearer tokens' place. The app's origin is added to the API's, SignalR's and
// Blob Storage's CORS lists in main.bicep.

param name string
param tags object

@description('Static Web Apps has a few regions of its own; the content is served from its global edge whichever is picked.')
@allowed(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
param location string

@description('azd deploys the service with this tag to this resource (azure.yaml: services.web).')
param serviceName string

@description('Free (2 custom domains, no SLA) or Standard (SLA, private endpoints, more bandwidth).')
@allowed(['Free', 'Standard'])
param sku string

resource site 'Microsoft.Web/staticSites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    // azd uploads the build itself: no repository is linked, so no GitHub workflow is generated.
    provider: 'None'
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostname
output origin string = 'https://${site.properties.defaultHostname}'
