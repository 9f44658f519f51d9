// Azure Managed Redis (Microsoft.Cache/redisEnterprise): presence and last seen (and later the rate
// limits and session revocation). Entra ID only (access keys off), TLS 1.2+, one database on port 10000.

param name string
param location string
param tags object

@description('Azure Managed Redis SKU, e.g. Balanced_B0 (~0.5 GB) for a trial; size by users: ~100 bytes of memory per user seen in the retention window.')
param skuName string

@description('Name of the app\'s user-assigned identity (same resource group).')
param appIdentityName string

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource cluster 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    // The proxy routes multi-key commands, so one MGET reads up to 100 users whatever their slots.
    clusteringPolicy: 'EnterpriseCluster'
    // A full memory fails writes (presence degrades) rather than evicting keys a later revocation list must keep.
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Disabled'
    // Snapshots every hour: a full restart loses at most the last hour of last-seen times, and online
    // status comes back with the next heartbeat; AOF would cost a disk write per heartbeat.
    persistence: {
      aofEnabled: false
      rdbEnabled: true
      rdbFrequency: '1h'
    }
  }
}

// The data-access policy "default" (every command on every key) for the app identity: its object id is
// the user name of its Entra tokens (Redis__PrincipalId).
resource appAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = {
  parent: database
  name: 'app${uniqueString(appIdentity.id)}'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: appIdentity.properties.principalId
    }
  }
}

output name string = cluster.name
output hostName string = cluster.properties.hostName
output endpoint string = '${cluster.properties.hostName}:${database.properties.port}'
