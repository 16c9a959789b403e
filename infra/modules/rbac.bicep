// Every role assignment on the auditor's OWN resources, one place, each with the reason it exists.
// Only data-plane roles are granted on our storage (no Contributor, no key access: shared keys are
// disabled anyway). Access to audited subscriptions, registries and workspaces is granted by the
// separate deployment in infra/access, because it usually needs someone else's rights.

@description('Storage account name (ours).')
param storageAccountName string

@description('Queue Event Grid delivers ImagePushed / ImageDeleted events to (QUEUES.imagePushed).')
param imagePushedQueueName string

@description('Blob container Event Grid dead-letters undeliverable events to.')
param deadLetterContainerName string

@description('Application Insights component name.')
param appInsightsName string

@description('Key Vault name.')
param keyVaultName string

@description('Principal (object) id of the app identity.')
param appPrincipalId string

@description('Principal (object) id of the Event Grid delivery identity.')
param deliveryPrincipalId string

@description('Optional principal (object) id of the operator who deploys and rotates secrets (azd sets AZURE_PRINCIPAL_ID). Empty: no assignment.')
param operatorPrincipalId string = ''

@description('Principal type of the operator.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

// Built-in role definitions (GUIDs are the same in every tenant and cloud).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource imagePushed 'queues' existing = {
      name: imagePushedQueueName
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

// Why: the Functions host uses the account as AzureWebJobsStorage (leases, timer schedule monitor,
// host secrets containers it creates itself) and Flex Consumption reads the deployment package
// from a blob container with this identity; the code writes reports. The host documentation asks
// for Owner (not Contributor) on blob for identity-based host storage.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner) // Storage Blob Data Owner
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the queue triggers (image-pushed, audit-shard, notifications) receive and delete messages,
// the host creates and writes the -poison queues, and the code enqueues audit shards and
// notification wake-ups. Account scope because the host creates the poison queues on demand.
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor) // Storage Queue Data Contributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the code reads and upserts findings, runs and notifications (the outbox) in Table storage.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor) // Storage Table Data Contributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: Application Insights has local (key) auth disabled; the host sends telemetry with an Entra
// token of this identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which needs this role.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher) // Monitoring Metrics Publisher
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the platform resolves the @Microsoft.KeyVault(...) app setting of the Teams webhook
// with keyVaultReferenceIdentity = this identity; reading secret values is all it needs.
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) // Key Vault Secrets User
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: Event Grid system topics deliver ImagePushed / ImageDeleted events to the image-pushed queue
// with this identity (deliveryWithResourceIdentity). Sending messages to that one queue is all
// it may do: scoped to the queue, not the account.
resource deliveryQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::imagePushed.id, deliveryPrincipalId, roles.storageQueueDataMessageSender)
  scope: storage::queueService::imagePushed
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender) // Storage Queue Data Message Sender
    principalId: deliveryPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why: events that exhaust the retry policy are dead-lettered as blobs
// (deadLetterWithResourceIdentity); writing blobs into the dead-letter container only.
resource deliveryDeadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetters.id, deliveryPrincipalId, roles.storageBlobDataContributor)
  scope: storage::blobService::deadLetters
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor) // Storage Blob Data Contributor
    principalId: deliveryPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Why (optional): lets the operator set and rotate the Teams webhook / SMTP secrets
// (az keyvault secret set). Vault is RBAC-only, so deploying it does not grant data access.
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer) // Key Vault Secrets Officer
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
