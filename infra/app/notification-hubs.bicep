// Notification Hubs namespace and hub. Its data plane takes SAS tokens only, so the hub's full-access
// connection string goes straight from listKeys into Key Vault; the app reads it through a Key Vault
// reference and no deployment output or app setting ever holds it. FCM v1 / APNs credentials are
// set on the hub afterwards (portal or CLI), never here.

param namespaceName string
param hubName string
param location string
param tags object

@allowed(['Free', 'Basic', 'Standard'])
param skuName string

@description('Key Vault that receives the connection string.')
param keyVaultName string

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-09-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    namespaceType: 'NotificationHub'
  }

  resource hub 'notificationHubs' = {
    name: hubName
    location: location
    tags: tags
    properties: {}

    // The rule the portal calls DefaultFullSharedAccessSignature: the backend sends and manages installations.
    resource fullAccess 'authorizationRules' = {
      name: 'DefaultFullSharedAccessSignature'
      properties: {
        rights: ['Listen', 'Manage', 'Send']
      }
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName

  resource connectionString 'secrets' = {
    name: 'notification-hubs-connection-string'
    properties: {
      contentType: 'Notification Hubs connection string'
      value: namespace::hub::fullAccess.listKeys().primaryConnectionString
    }
  }
}

output namespaceName string = namespace.name
output hubName string = namespace::hub.name
output connectionStringUri string = vault::connectionString.properties.secretUri
