// Access of the auditor to ONE audited subscription, and onboarding of the registries in it.
// Separate from infra/main.bicep because it usually needs someone else's rights: run it once per
// audited subscription, as an Owner / User Access Administrator (or Role Based Access Control
// Administrator) of that subscription:
//
//   az deployment sub create --subscription <audited-sub> --location <region> \
//     --template-file infra/access/main.bicep --parameters infra/access/main.parameters.json
//
// Onboarding a registry is one entry in `registries`; a Log Analytics workspace holding registry
// logs is one entry in `workspaces`. Every role is a read role; see docs/deploy.md for the table.
targetScope = 'subscription'

@description('Principal (object) id of the auditor app identity (azd output AUDITOR_PRINCIPAL_ID).')
param auditorPrincipalId string

@description('Registries in this subscription: [{ name, resourceGroup, events (bool, default true), abacMode (bool, default true), systemTopicName (optional: the registry\'s existing system topic) }].')
param registries array = []

@description('Log Analytics workspaces in this subscription that hold registry resource logs: [{ name, resourceGroup }].')
param workspaces array = []

@description('Grant Reader on the whole subscription (false: grant Reader on narrower scopes yourself).')
param grantReader bool = true

@description('Grant Monitoring Reader on the whole subscription.')
param grantMonitoringReader bool = true

// Event wiring (outputs of the main deployment; only needed when a registry has events: true).
@description('Resource id of the auditor storage account (azd output AUDITOR_STORAGE_ACCOUNT_ID).')
param auditorStorageAccountId string = ''

@description('Resource id of the auditor Event Grid delivery identity (azd output AUDITOR_DELIVERY_IDENTITY_ID).')
param deliveryIdentityId string = ''

@description('Queue the events are delivered to: QUEUES.imagePushed in shared/names.ts.')
param imagePushedQueueName string = 'image-pushed'

@description('Blob container for dead-lettered events (azd output AUDITOR_DEAD_LETTER_CONTAINER).')
param deadLetterContainerName string = 'deadletters'

var roles = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05' // Monitoring Reader
}

// Why: the inventory lists registries, their settings, networks, private endpoints and the
// workloads that run images through Azure Resource Graph and ARM GET calls; Reader is the
// built-in read-only control-plane role (no data actions, no listCredentials / listKeys).
resource subscriptionReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantReader) {
  name: guid(subscription().id, auditorPrincipalId, roles.reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.reader) // Reader
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the diagnostic-settings rules read Microsoft.Insights/diagnosticSettings of each registry.
// Reader already includes */read; Monitoring Reader is the built-in role scoped to monitoring
// reads and keeps these rules working where an organisation grants Reader only on narrower scopes
// (grantReader = false).
resource subscriptionMonitoringReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantMonitoringReader) {
  name: guid(subscription().id, auditorPrincipalId, roles.monitoringReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringReader) // Monitoring Reader
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module registryAccess 'modules/registry-access.bicep' = [for r in registries: {
  name: take('auditor-acr-${r.name}', 64)
  scope: resourceGroup(r.resourceGroup)
  params: {
    registryName: r.name
    auditorPrincipalId: auditorPrincipalId
    abacMode: contains(r, 'abacMode') ? bool(r.abacMode) : true
  }
}]

module registryEvents '../modules/registry-events.bicep' = [for r in registries: if (contains(r, 'events') ? bool(r.events) : true) {
  name: take('auditor-events-${r.name}', 64)
  scope: resourceGroup(r.resourceGroup)
  params: {
    registryName: r.name
    systemTopicName: contains(r, 'systemTopicName') ? r.systemTopicName : '${r.name}-auditor'
    storageAccountId: auditorStorageAccountId
    queueName: imagePushedQueueName
    deadLetterContainerName: deadLetterContainerName
    deliveryIdentityId: deliveryIdentityId
  }
}]

module workspaceAccess 'modules/workspace-access.bicep' = [for w in workspaces: {
  name: take('auditor-law-${w.name}', 64)
  scope: resourceGroup(w.resourceGroup)
  params: {
    workspaceName: w.name
    auditorPrincipalId: auditorPrincipalId
  }
}]
