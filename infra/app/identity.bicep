// The one user-assigned identity the Function App runs as: every data-plane call (Storage, Cosmos DB,
// SignalR, Communication Services, Key Vault, Application Insights) authenticates with it.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
