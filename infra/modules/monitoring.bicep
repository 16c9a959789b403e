// Log Analytics workspace + workspace-based Application Insights with local (key) authentication
// disabled: telemetry is accepted only with a Microsoft Entra token (the app identity holds
// Monitoring Metrics Publisher, see rbac.bicep; APPLICATIONINSIGHTS_AUTHENTICATION_STRING tells
// the host which identity to use).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags { *: string } = {}

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days of log retention.')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
