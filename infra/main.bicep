// The whole Azure deployment of the chat backend, for `azd up` (azure.yaml at the repository root).
// Subscription scope: one resource group, then one local module per service (infra/app/*.bicep).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds every resource name and tags the resources.')
param environmentName string

@minLength(1)
@description('Region of every regional resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal (AZURE_PRINCIPAL_ID): gets data roles on Storage, Cosmos DB and Key Vault. Empty grants nothing.')
param principalId string = ''

@secure()
@description('JWT signing key: $(secretOrRandomPassword ...) in main.parameters.json; see app/key-vault.bicep.')
param authSigningKey string

@secure()
@description('Refresh-token key: $(secretOrRandomPassword ...) in main.parameters.json; see app/key-vault.bicep.')
param authRefreshTokenKey string

@description('The `kid` of the signing key. Rotating the key means adding a second key in the app settings, not changing this.')
param authSigningKeyId string = 'azure-1'

@description('JWT issuer (Auth:Issuer).')
param authIssuer string = 'chat'

@description('JWT audience (Auth:Audience).')
param authAudience string = 'chat-api'

@minLength(1)
@description('SMS sender bought on the Communication Services resource after the first deployment (azd env set SMS_SENDER ...); until then (\'not-set\') the app starts but verification SMS fail.')
param smsSender string = 'not-set'

@description('Where Communication Services keeps its data at rest.')
param communicationDataLocation string = 'United States'

@description('Cosmos DB capacity: serverless (no idle cost) or autoscale.')
@allowed(['serverless', 'autoscale'])
param cosmosCapacityMode string = 'serverless'

@description('Autoscale ceiling of the Cosmos DB database in RU/s (autoscale mode only).')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('SignalR tier: Free_F1 (20 connections) for a trial, Standard_S1 for real use.')
@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param signalRSku string = 'Free_F1'

@minValue(1)
param signalRCapacity int = 1

@description('Azure Managed Redis SKU (presence and last seen): Balanced_B0 for a trial, larger Balanced or Memory Optimized sizes by user count.')
param redisSku string = 'Balanced_B0'

@description('Notification Hubs tier: Free (1M pushes, 500 devices), Basic or Standard.')
@allowed(['Free', 'Basic', 'Standard'])
param notificationHubsSku string = 'Free'

@description('Browser origins allowed to call the API, connect to SignalR and upload to / read from Blob Storage.')
param corsOrigins string[] = ['*']

@description('Region of the web client\'s Static Web App (a few regions only; served from the global edge).')
@allowed(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
param webLocation string = 'westeurope'

@description('Static Web Apps tier of the web client: Free, or Standard for an SLA.')
@allowed(['Free', 'Standard'])
param webSku string = 'Free'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var apiServiceName = 'api'
var webServiceName = 'web'
var mediaContainerName = 'media'
var deploymentContainerName = 'app-package'
var signalRHubName = 'chat'
// The queues of functions/Chat.Functions/Queues/QueueNames.cs.
var queueNames = ['realtime-groups', 'realtime-session-closes', 'media-thumbnails', 'push-notifications', 'chat-lists']

// Names known before anything runs, so role-assignment names stay deterministic (and What-If precise).
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  scope: resourceGroup
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module web 'app/static-web-app.bicep' = {
  scope: resourceGroup
  params: {
    name: '${abbrs.webStaticSites}${resourceToken}'
    location: webLocation
    tags: tags
    serviceName: webServiceName
    sku: webSku
  }
}

// The web client's origin joins the configured ones (a wildcard already covers it).
var allowedOrigins = contains(corsOrigins, '*') ? ['*'] : union(corsOrigins, [web.outputs.origin])

module monitoring 'app/monitoring.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    appIdentityName: identityName
  }
}

module storage 'app/storage.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    mediaContainerName: mediaContainerName
    queueNames: queueNames
    corsOrigins: allowedOrigins
    appIdentityName: identityName
    deployerPrincipalId: principalId
  }
}

module cosmos 'app/cosmos.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    accountName: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    databaseName: 'chat'
    location: location
    tags: tags
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    appIdentityName: identityName
    deployerPrincipalId: principalId
  }
}

module signalR 'app/signalr.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    name: '${abbrs.signalRServiceSignalR}${resourceToken}'
    location: location
    tags: tags
    skuName: signalRSku
    capacity: signalRCapacity
    corsOrigins: allowedOrigins
    appIdentityName: identityName
    hubName: signalRHubName
    // The app's default host name, known before the app exists (the app module needs this module's endpoint).
    upstreamUrlTemplate: 'https://${functionAppName}.azurewebsites.net/api/realtime/upstream/{hub}/{category}/{event}'
  }
}

module redis 'app/redis.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    name: 'amr-${resourceToken}'
    location: location
    tags: tags
    skuName: redisSku
    appIdentityName: identityName
  }
}

module communication 'app/communication.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    name: '${abbrs.communicationServices}${resourceToken}'
    tags: tags
    dataLocation: communicationDataLocation
    appIdentityName: identityName
  }
}

module keyVault 'app/key-vault.bicep' = {
  scope: resourceGroup
  dependsOn: [identity]
  params: {
    name: keyVaultName
    location: location
    tags: tags
    appIdentityName: identityName
    deployerPrincipalId: principalId
    authSigningKey: authSigningKey
    authRefreshTokenKey: authRefreshTokenKey
  }
}

module notificationHubs 'app/notification-hubs.bicep' = {
  scope: resourceGroup
  dependsOn: [keyVault]
  params: {
    namespaceName: '${abbrs.notificationHubsNamespaces}${resourceToken}'
    hubName: '${abbrs.notificationHubsNamespacesNotificationHubs}chat'
    location: location
    tags: tags
    skuName: notificationHubsSku
    keyVaultName: keyVaultName
  }
}

module frontDoor 'app/front-door.bicep' = {
  scope: resourceGroup
  params: {
    profileName: '${abbrs.cdnProfiles}${resourceToken}'
    endpointName: '${abbrs.cdnProfilesEndpoints}media-${resourceToken}'
    tags: tags
    blobHostName: storage.outputs.blobHostName
    mediaContainerName: mediaContainerName
  }
}

module functionApp 'app/function-app.bicep' = {
  scope: resourceGroup
  params: {
    planName: '${abbrs.webServerFarms}${resourceToken}'
    appName: functionAppName
    location: location
    tags: tags
    serviceName: apiServiceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    corsOrigins: allowedOrigins
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    mediaContainerName: mediaContainerName
    mediaPublicBaseUrl: 'https://${frontDoor.outputs.endpointHostName}'
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    signalREndpoint: signalR.outputs.endpoint
    signalRHubName: signalRHubName
    signalRUpstreamAudience: signalR.outputs.upstreamAudience
    signalRPrincipalId: signalR.outputs.principalId
    redisEndpoint: redis.outputs.endpoint
    communicationEndpoint: communication.outputs.endpoint
    smsSender: smsSender
    authIssuer: authIssuer
    authAudience: authAudience
    authSigningKeyId: authSigningKeyId
    authSigningKeyUri: keyVault.outputs.authSigningKeyUri
    authRefreshTokenKeyUri: keyVault.outputs.authRefreshTokenKeyUri
    notificationHubName: notificationHubs.outputs.hubName
    notificationHubsConnectionStringUri: notificationHubs.outputs.connectionStringUri
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_WEB_NAME string = web.outputs.name
output WEB_URL string = web.outputs.origin
output API_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_COSMOS_DATABASE string = cosmos.outputs.databaseName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_SIGNALR_ENDPOINT string = signalR.outputs.endpoint
output AZURE_REDIS_NAME string = redis.outputs.name
output AZURE_REDIS_ENDPOINT string = redis.outputs.endpoint
output AZURE_COMMUNICATION_SERVICES_NAME string = communication.outputs.name
output AZURE_COMMUNICATION_SERVICES_ENDPOINT string = communication.outputs.endpoint
output AZURE_NOTIFICATION_HUBS_NAMESPACE string = notificationHubs.outputs.namespaceName
output AZURE_NOTIFICATION_HUB_NAME string = notificationHubs.outputs.hubName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.endpoint
output MEDIA_PUBLIC_BASE_URL string = 'https://${frontDoor.outputs.endpointHostName}'
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
