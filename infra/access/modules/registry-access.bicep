// Data-plane metadata read on ONE audited registry for the auditor identity.
//
// The auditor lists repositories (GET /acr/v1/_catalog) and manifests with their tags and
// attributes (GET /acr/v1/{repo}/_manifests). Built-in choices:
//   - AcrPull (7f951dda-...): pull + list, but NOT honoured on registries whose role assignment
//     permissions mode is "RBAC Registry + ABAC Repository Permissions".
//   - Container Registry Repository Reader (b93aa761-...): data actions
//     repositories/metadata/read + repositories/content/read; honoured in ABAC mode; "excluding
//     catalog listing".
//   - Container Registry Repository Catalog Lister (bfdb9389-...): lists the catalog only.
// No built-in role grants metadata read without content read, so the narrowest built-in pair that
// works on ABAC-mode registries is Catalog Lister + Repository Reader, assigned without a
// condition (registry-wide). For RBAC-only registries set abacMode = false to assign AcrPull
// instead (see docs/deploy.md: whether the ABAC roles are also honoured in RBAC-only mode is not
// verified here). A custom role with only repositories/metadata/read + catalog/read would be
// narrower still; it is not built in.
//
// OCI referrers (GET /v2/{repo}/referrers/{digest}: signatures, SBOMs, attestations) need no further
// role: both Container Registry Repository Reader (ABAC mode) and AcrPull (RBAC-only mode) grant
// "View and list OCI referrer artifacts", while Catalog Lister does not
// (https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-directory-reference).

@description('Name of the audited registry (in this resource group).')
param registryName string

@description('Principal (object) id of the auditor app identity.')
param auditorPrincipalId string

@description('true: the registry uses "RBAC Registry + ABAC Repository Permissions" (or you want the ABAC-enabled roles); false: legacy RBAC-only registry, assign AcrPull.')
param abacMode bool = true

var roles = {
  repositoryCatalogLister: 'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7' // Container Registry Repository Catalog Lister
  repositoryReader: 'b93aa761-3e63-49ed-ac28-beffa264f7ac' // Container Registry Repository Reader
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d' // AcrPull
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Why: listing the repositories of the registry (_catalog); the only built-in role that grants
// catalog listing on ABAC-mode registries.
resource catalogLister 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (abacMode) {
  name: guid(registry.id, auditorPrincipalId, roles.repositoryCatalogLister)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.repositoryCatalogLister) // Container Registry Repository Catalog Lister
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: reading manifests, tags and their attributes (repositories/metadata/read); the narrowest
// built-in ABAC-honoured role that includes it (it also includes content/read: no built-in
// metadata-only role exists).
resource repositoryReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (abacMode) {
  name: guid(registry.id, auditorPrincipalId, roles.repositoryReader)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.repositoryReader) // Container Registry Repository Reader
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: on RBAC-only registries, AcrPull is the narrowest legacy built-in role that lists
// repositories and reads manifests (it cannot write or delete).
resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!abacMode) {
  name: guid(registry.id, auditorPrincipalId, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull) // AcrPull
    principalId: auditorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The registry's region, for the Event Grid system topic (infra/modules/registry-events.bicep).
output location string = registry.location
