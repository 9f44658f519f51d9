// Azure Front Door Standard in front of the media container (classic Azure CDN is being retired).
// Read URLs are user-delegation SAS URLs whose host the app swaps for this endpoint's
// (MediaStorage:PublicBaseUrl); the SAS is checked by Blob Storage, since Front Door forwards the
// path and query string unchanged with the blob host as Host header. The query string is part of the
// cache key: one read URL per blob and 5-minute window (MediaStorage:ReadUrlWindow) is one cache entry.

param profileName string
param endpointName string
param tags object

@description('Host name of the storage account\'s blob endpoint, e.g. NAME.blob.core.windows.net.')
param blobHostName string

@description('The media container: only its paths are routed.')
param mediaContainerName string

resource profile 'Microsoft.Cdn/profiles@2025-04-15' = {
  name: profileName
  location: 'global'
  tags: tags
  sku: {
    name: 'Standard_AzureFrontDoor'
  }

  resource endpoint 'afdEndpoints' = {
    name: endpointName
    location: 'global'
    tags: tags
    properties: {
      enabledState: 'Enabled'
    }

    resource mediaRoute 'routes' = {
      name: 'media'
      dependsOn: [profile::blobStorage::blobOrigin]
      properties: {
        originGroup: {
          id: profile::blobStorage.id
        }
        supportedProtocols: ['Https']
        patternsToMatch: ['/${mediaContainerName}/*']
        forwardingProtocol: 'HttpsOnly'
        linkToDefaultDomain: 'Enabled'
        httpsRedirect: 'Disabled'
        cacheConfiguration: {
          queryStringCachingBehavior: 'UseQueryString'
          compressionSettings: {
            isCompressionEnabled: false
          }
        }
      }
    }
  }

  resource blobStorage 'originGroups' = {
    name: 'blob-storage'
    properties: {
      loadBalancingSettings: {
        sampleSize: 4
        successfulSamplesRequired: 3
        additionalLatencyInMilliseconds: 50
      }
      sessionAffinityState: 'Disabled'
    }

    resource blobOrigin 'origins' = {
      name: 'blob'
      properties: {
        hostName: blobHostName
        originHostHeader: blobHostName
        httpPort: 80
        httpsPort: 443
        priority: 1
        weight: 1000
        enabledState: 'Enabled'
        enforceCertificateNameCheck: true
      }
    }
  }
}

output endpointHostName string = profile::endpoint.properties.hostName
