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

@description('An audited registry in this subscription.')
type registryEntry = {
  @description('Registry name.')
  name: string

  @description('Resource group of the registry.')
  resourceGroup: string

  @description('Wire ImagePushed / ImageDeleted events to the auditor (default true).')
  events: bool?

  @description('true (default): the registry uses "RBAC Registry + ABAC Repository Permissions" (Catalog Lister + Repository Reader); false: RBAC-only registry (AcrPull).')
  abacMode: bool?

  @description('The registry\'s existing Event Grid system topic, if it has one (a registry can have only one); default <name>-auditor.')
  systemTopicName: string?
}

@description('A Log Analytics workspace that holds registry resource logs.')
type workspaceEntry = {
  @description('Workspace name.')
  name: string

  @description('Resource group of the workspace.')
  resourceGroup: string
}

@description('Registries in this subscription.')
param registries registryEntry[] = []

@description('Log Analytics workspaces in this subscription that hold registry resource logs.')
param workspaces workspaceEntry[] = []

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
// Reader's only action is */read ("Read resources of all types, except secrets":
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader), and
// Resource Graph returns only what the caller may read, so this one assignment also covers the
// data sources of the next rules, with no further role:
//   - Resource Graph `securityresources` (Microsoft.Security/pricings, assessments,
//     assessments/subAssessments) and `authorizationresources` (Microsoft.Authorization/
//     roleAssignments, roleDefinitions): Microsoft.Security/*/read, Microsoft.Authorization/*/read;
//   - ACR child resources over ARM GET: registries/tokens, cacheRules, scopeMaps,
//     privateEndpointConnections (.../read; token passwords need generateCredentials, an action
//     Reader does not have);
//   - App Service / Functions site configuration: GET sites/{name}/config/web needs
//     Microsoft.Web/sites/config/read (covered). Do NOT add Microsoft.Web/sites/config/list/action
//     (POST .../config/appsettings/list): it returns app settings and connection strings, i.e.
//     secrets, which the auditor must not read.
//   - registry.push-access-restricted (issue 13): role assignments and role definitions from
//     `authorizationresources` need Microsoft.Authorization/roleAssignments/read and
//     roleDefinitions/read, both in Reader's */read. Assignments inherited from management groups
//     are read with authorizationScopeFilter AtScopeAboveAndBelow; whether Reader on the
//     subscription alone makes them visible is ASSUMED (the portal shows inherited assignments to
//     readers of a subscription). Where they are not visible, grant Reader on the management group
//     yourself (this template is subscription-scoped and adds no management-group role).
// With grantReader = false, grant Reader (or a custom role with these */read actions) on the
// narrower scopes yourself, or those rules report gaps.
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
    abacMode: r.?abacMode ?? true
  }
}]

module registryEvents '../modules/registry-events.bicep' = [for (r, i) in registries: if (r.?events ?? true) {
  name: take('auditor-events-${r.name}', 64)
  scope: resourceGroup(r.resourceGroup)
  params: {
    registryName: r.name
    location: registryAccess[i].outputs.location
    systemTopicName: r.?systemTopicName ?? '${r.name}-auditor'
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
