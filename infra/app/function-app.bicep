// The Function App on the Flex Consumption plan (Linux, scale to zero), .NET 10 isolated worker.
// Every setting the code's options classes need is here (tests/Chat.InfraTests checks it): endpoints
// for the identity-based clients, and secrets only as Key Vault references.

param planName string
param appName string
param location string
param tags object

@description('The azd service this app hosts (azure.yaml).')
param serviceName string

@description('Resource id, client id and object (principal) id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string
param identityPrincipalId string

@description('Flex Consumption: the largest number of instances the app may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Flex Consumption: memory of each instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Browser origins allowed to call the API.')
param corsOrigins string[]

param storageBlobEndpoint string
param storageQueueEndpoint string
param deploymentContainerName string
param mediaContainerName string
param mediaPublicBaseUrl string

param applicationInsightsConnectionString string

param cosmosEndpoint string
param cosmosDatabaseName string

param signalREndpoint string
param signalRHubName string
@description('Audience and issuer identity of the SignalR upstream requests\' bearer tokens (infra/app/signalr.bicep).')
param signalRUpstreamAudience string
param signalRPrincipalId string

@description('host:port of the Azure Managed Redis database.')
param redisEndpoint string

param communicationEndpoint string
@description('The SMS sender (a number bought on the Communication Services resource, or an alphanumeric sender id).')
param smsSender string

param authIssuer string
param authAudience string
param authSigningKeyId string
param authSigningKeyUri string
param authRefreshTokenKeyUri string

param notificationHubName string
param notificationHubsConnectionStringUri string

// The newest .NET the Flex Consumption plan runs for dotnet-isolated; the app targets net10.0.
// Flex names dotnet-isolated versions major.minor ('8.0', '9.0', '10.0').
var dotnetVersion = '10.0'

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      cors: {
        allowedOrigins: corsOrigins
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }

  // Flex Consumption takes no FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION: the runtime is above.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // The host's own storage and the queue triggers, through the identity (no AccountKey anywhere).
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
      AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
      // DefaultAzureCredential in the app picks the user-assigned identity by this client id.
      AZURE_CLIENT_ID: identityClientId
      // Host and worker export OpenTelemetry (host.json telemetryMode) with an Entra token of the identity.
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

      Cosmos__accountEndpoint: cosmosEndpoint
      Cosmos__DatabaseName: cosmosDatabaseName
      Cosmos__CreateIfNotExists: 'false'

      Auth__Issuer: authIssuer
      Auth__Audience: authAudience
      Auth__SigningKeys__0__Id: authSigningKeyId
      Auth__SigningKeys__0__Key: '@Microsoft.KeyVault(SecretUri=${authSigningKeyUri})'
      Auth__ActiveKeyId: authSigningKeyId
      Auth__RefreshTokenKey: '@Microsoft.KeyVault(SecretUri=${authRefreshTokenKeyUri})'

      // Entra ID token of the identity as password, its object id as user name; TLS, no access key.
      Redis__Endpoint: redisEndpoint
      Redis__PrincipalId: identityPrincipalId

      Sms__Endpoint: communicationEndpoint
      Sms__From: smsSender

      SignalR__Endpoint: signalREndpoint
      SignalR__Hub: signalRHubName
      SignalR__Upstream__Audience: signalRUpstreamAudience
      SignalR__Upstream__TenantId: tenant().tenantId
      SignalR__Upstream__PrincipalId: signalRPrincipalId

      MediaStorage__serviceUri: storageBlobEndpoint
      MediaStorage__Container: mediaContainerName
      MediaStorage__PublicBaseUrl: mediaPublicBaseUrl

      NotificationHubs__ConnectionString: '@Microsoft.KeyVault(SecretUri=${notificationHubsConnectionStringUri})'
      NotificationHubs__HubName: notificationHubName
    }
  }

  // No FTP or basic-auth SCM: azd deploys a Flex app through ARM with an Entra token.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
