// Azure SignalR Service in Serverless mode: the app pushes events through the REST API and hands
// clients tokens from :generateToken. Access keys are off, so both go through the app identity.

param name string
param location string
param tags object

@description('Free_F1: 20 connections, 20,000 messages a day; Standard_S1: 1,000 connections and 1M messages a day per unit.')
@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param skuName string

@minValue(1)
param capacity int

@description('Browser origins allowed to connect.')
param corsOrigins string[]

@description('Name of the app\'s user-assigned identity (same resource group).')
param appIdentityName string

// SignalR Service Owner: REST API plus the token APIs that serverless negotiation needs
// ("SignalR REST API Owner" lacks :generateToken).

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

var signalRServiceOwner = '7e4f1700-ea5a-4f59-8f37-079cfe29dce3'

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    capacity: capacity
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: corsOrigins
    }
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

resource appOwnsSignalR 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, appIdentity.id, signalRServiceOwner)
  scope: signalR
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', signalRServiceOwner)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = signalR.name
output endpoint string = 'https://${signalR.properties.hostName}'
