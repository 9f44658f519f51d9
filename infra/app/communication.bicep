// Azure Communication Services for the verification SMS. Access keys are off: the app calls the SMS
// REST API with an Entra token of its identity. Sending needs a number (or an alphanumeric sender id)
// bought on this resource after the first deployment; Bicep cannot buy one.

param name string
param tags object

@description('Where the resource keeps its data at rest, e.g. United States, Europe.')
param dataLocation string

@description('Name of the app\'s user-assigned identity (same resource group).')
param appIdentityName string

// Contributor on this one resource: Microsoft's SMS-with-Entra-ID walkthrough grants it; ACS honours
// only built-in roles, and no narrower one is documented for SMS.

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

var contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

resource communication 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    disableLocalAuth: true
  }
}

resource appSendsSms 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appIdentity.id, contributor)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', contributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
