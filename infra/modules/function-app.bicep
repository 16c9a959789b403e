// Function App on the Flex Consumption plan (FC1), Node 22, running as a user-assigned identity.
// Host storage, deployment package, Application Insights and Key Vault references all use that
// identity: no keys or connection strings with secrets are stored in app settings.

@description('Function App name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to every resource (the site also gets azd-service-name).')
param tags { *: string } = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Storage account name used as host storage (AzureWebJobsStorage).')
param storageAccountName string

@description('Blob endpoint of the storage account (ends with /).')
param blobEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (contains no secret: local auth is disabled).')
param appInsightsConnectionString string

@description('Application settings read by our code (built in main.bicep from the settings catalog).')
param auditorSettings { *: string }

@description('Client id of the Entra ID app registration that signs people in to the findings page (App Service Authentication). Empty: platform sign-in is not configured (the function still refuses every request without a valid token).')
param authClientId string = ''

@description('Tenant whose members may sign in to the findings page.')
param authTenantId string = tenant().tenantId

@description('Microsoft Entra authority host of this cloud (no trailing slash).')
param authorityHost string

@description('Maximum number of instances the plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Instance memory size in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// Settings read by the Functions host itself (not in the catalog): identity-based host storage and
// Entra-authenticated Application Insights. FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION
// are not app settings on Flex Consumption: the runtime is functionAppConfig.runtime.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'auditor'
  })
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
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
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
        name: 'node'
        version: '22'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    // AUDITOR_FINDINGS_URL defaults to this app's findings page (functions/findingsPage.ts, route
    // findings/view); a value in auditorSettings wins.
    properties: union(hostSettings, { AUDITOR_FINDINGS_URL: 'https://${site.properties.defaultHostName}/api/findings/view' }, auditorSettings)
  }
}

// App Service Authentication ("Easy Auth", authsettingsV2): only signed-in members of the tenant reach the
// app; browsers are sent to the Entra sign-in page; tokens must be issued by the tenant for this app
// registration. The token store keeps the id token that the platform forwards to the function
// (X-MS-TOKEN-AAD-ID-TOKEN), which verifies it again with the reader role or group
// (shared/auth/readerAccess.ts): a platform setting that is off or wrong cannot expose findings.
// Event Grid's webhook path keeps its own system-key authentication.
resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(authClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: [
        '/runtime/webhooks/eventgrid'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${authorityHost}/${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            authClientId
            'api://${authClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: true
      }
    }
  }
}

resource basicPublishingFtp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource basicPublishingScm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
