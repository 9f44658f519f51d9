// Cosmos DB for NoSQL: the account, the database and the three containers exactly as
// CosmosDatabase.EnsureCreatedAsync makes them locally (partition keys, TTL, default indexing).
// Keys are off (disableLocalAuth): the app reaches it with its identity and the built-in data role.

param accountName string
param databaseName string
param location string
param tags object

@description('serverless: pay per RU, no idle cost; autoscale: provisioned throughput shared by the containers.')
@allowed(['serverless', 'autoscale'])
param capacityMode string

@description('Autoscale ceiling of the database (RU/s), used in autoscale mode; it bills at least 10% of it.')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Name of the app\'s user-assigned identity (same resource group).')
param appIdentityName string

@description('Principal id of the deploying user (AZURE_PRINCIPAL_ID); empty grants nothing.')
param deployerPrincipalId string

// Cosmos DB Built-in Data Contributor (a Cosmos SQL role, not an Azure RBAC role).

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

// The default indexing policy, spelled out: the SDK's ContainerProperties(id, path) gets the same.
var defaultIndexing = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [
    {
      path: '/*'
    }
  ]
  excludedPaths: [
    {
      path: '/"_etag"/?'
    }
  ]
}

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: capacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }

  resource database 'sqlDatabases' = {
    name: databaseName
    properties: {
      resource: {
        id: databaseName
      }
      options: capacityMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
    }

    resource chats 'containers' = {
      name: 'chats'
      properties: {
        resource: {
          id: 'chats'
          partitionKey: {
            paths: ['/chatId']
            kind: 'Hash'
            version: 2
          }
          indexingPolicy: defaultIndexing
          // TTL on with no default: only the items of disappearing messages (which carry a ttl) expire.
          defaultTtl: -1
        }
      }
    }

    resource users 'containers' = {
      name: 'users'
      properties: {
        resource: {
          id: 'users'
          partitionKey: {
            paths: ['/userId']
            kind: 'Hash'
            version: 2
          }
          indexingPolicy: defaultIndexing
        }
      }
    }

    // TTL on with no default: only items that carry a ttl (pending registrations) expire.
    resource directory 'containers' = {
      name: 'directory'
      properties: {
        resource: {
          id: 'directory'
          partitionKey: {
            paths: ['/id']
            kind: 'Hash'
            version: 2
          }
          indexingPolicy: defaultIndexing
          defaultTtl: -1
        }
      }
    }
  }

  resource appDataContributor 'sqlRoleAssignments' = {
    name: guid(account.id, appIdentity.id, dataContributorRoleId)
    properties: {
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
      principalId: appIdentity.properties.principalId
      scope: account.id
    }
  }

  // Cosmos DB takes one role-assignment write per account at a time, hence the order.
  resource deployerDataContributor 'sqlRoleAssignments' = if (!empty(deployerPrincipalId)) {
    name: guid(account.id, deployerPrincipalId, dataContributorRoleId)
    dependsOn: [appDataContributor]
    properties: {
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
      principalId: deployerPrincipalId
      scope: account.id
    }
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = account::database.name
