// Azure SignalR Service in Serverless mode: the app pushes events through the REST API and hands
// clients tokens from :generateToken. Access keys are off, so both go through the app identity.
// The service reports each new and each closed connection to the app (upstream, category connections, events
// connected and disconnected), with a token of its own identity for the app's identity as audience: the app puts
// the connection in its login session's group, so revoking one session closes that session's connections only,
// and lists it under its user, so a group send of that user's typing signal skips their own connections.

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

@description('Where the service posts connection events: the app\'s route, with the service\'s {hub}, {category} and {event}.')
param upstreamUrlTemplate string

@description('The hub whose connections are reported (the app\'s only hub).')
param hubName string

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
  // Its own identity, only to obtain the upstream requests' bearer token (the app checks its object id).
  identity: {
    type: 'SystemAssigned'
  }
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
    upstream: {
      templates: [
        {
          // One upstream request per new connection and one per closed connection.
          hubPattern: hubName
          categoryPattern: 'connections'
          eventPattern: 'connected,disconnected'
          urlTemplate: upstreamUrlTemplate
          auth: {
            type: 'ManagedIdentity'
            managedIdentity: {
              resource: appIdentity.properties.clientId
            }
          }
        }
      ]
    }
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
@description('Object id of the service\'s own identity: the only principal whose upstream tokens the app accepts.')
output principalId string = signalR.identity.principalId
@description('Audience of the upstream tokens (the resource the service asks Entra for).')
output upstreamAudience string = appIdentity.properties.clientId
