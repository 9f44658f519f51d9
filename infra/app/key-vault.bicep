// Key Vault (RBAC mode) for the app's secrets: the JWT signing key, the refresh-token key (here) and the
// Notification Hubs connection string (notification-hubs.bicep). The app reads them through Key Vault
// references resolved with its identity (Key Vault Secrets User).
//
// The JWT keys must survive redeployments (a new key logs everybody out). main.parameters.json fills
// both key parameters with azd's $(secretOrRandomPassword VAULT NAME): once the vault holds the secret,
// azd reads it back and this template writes the same value again. On the first deployment there is
// no vault yet and azd hands over a 15-character random password instead, which is too short and not
// base64; it is then stretched with a fresh GUID and base64-encoded. A stored key is 44 or more base64
// characters (32+ bytes), so the length alone tells the two cases apart.

param name string
param location string
param tags object

@description('Name of the app\'s user-assigned identity (same resource group).')
param appIdentityName string

@description('Principal id of the deploying user (AZURE_PRINCIPAL_ID): Key Vault Secrets Officer, which azd needs to read the keys back. Empty grants nothing.')
param deployerPrincipalId string

@secure()
@description('The stored signing key, or a first-run random password (see above).')
param authSigningKey string

@secure()
@description('The stored refresh-token key, or a first-run random password (see above).')
param authRefreshTokenKey string

@secure()
@description('First deployment only: fresh randomness for the signing key.')
param authSigningKeySalt string = newGuid()

@secure()
@description('First deployment only: fresh randomness for the refresh-token key.')
param authRefreshTokenKeySalt string = newGuid()

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

// Base64 of 32 bytes is 44 characters: anything shorter is not a key the app accepts.
var minimumKeyLength = 44

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Short, so that `azd down --purge` and a new `azd up` with the same name are not held up.
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }

  resource signingKey 'secrets' = {
    name: 'auth-signing-key'
    properties: {
      contentType: 'base64 HS256 key'
      value: length(authSigningKey) >= minimumKeyLength ? authSigningKey : base64('${authSigningKey}${authSigningKeySalt}')
    }
  }

  resource refreshTokenKey 'secrets' = {
    name: 'auth-refresh-token-key'
    properties: {
      contentType: 'base64 HMAC key'
      value: length(authRefreshTokenKey) >= minimumKeyLength
        ? authRefreshTokenKey
        : base64('${authRefreshTokenKey}${authRefreshTokenKeySalt}')
    }
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerManagesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
  }
}

output name string = vault.name
output endpoint string = vault.properties.vaultUri
// Version-less URIs: the app always reads the latest version.
output authSigningKeyUri string = vault::signingKey.properties.secretUri
output authRefreshTokenKeyUri string = vault::refreshTokenKey.properties.secretUri
