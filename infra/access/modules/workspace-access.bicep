// Log Analytics Reader on ONE workspace that holds registry resource logs.

@description('Log Analytics workspace name (in this resource group).')
param workspaceName string

@description('Principal (object) id of the auditor app identity.')
param auditorPrincipalId string

var logAnalyticsReader = '73c42c96-874c-492b-b04d-ab87d138a893' // Log Analytics Reader

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

// Why: the admin-account and login rules query ContainerRegistryLoginEvents /
// ContainerRegistryRepositoryEvents in this workspace (Log Analytics query API); Log Analytics
// Reader is the built-in read-only role for workspace data. Scoped to the workspace only.
// image.pushed-by-approved-identity (issue 13) reads who pushed each image from
// ContainerRegistryRepositoryEvents in the same workspace: covered by this role, nothing added.
resource workspaceReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, auditorPrincipalId, logAnalyticsReader)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReader) // Log Analytics Reader
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}
