// Key Vault (RBAC authorization) holding the notification secrets: the Teams webhook URL, which
// the Function App reads through a Key Vault reference resolved with its user-assigned identity
// (Key Vault Secrets User, see rbac.bicep), and the SMTP URL used by runs outside Azure. A secret
// is written only when a value is given, so a re-deployment without the value never overwrites a
// rotated secret.

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags { *: string } = {}

@description('Secret name of the Teams Workflows webhook URL.')
param teamsWebhookSecretName string

@description('Secret name of the SMTP URL (smtp(s)://user:password@host:port).')
param smtpSecretName string

@secure()
@description('Teams Workflows webhook URL; empty keeps the current secret (or none).')
param teamsWebhookUrl string = ''

@secure()
@description('SMTP URL with credentials, for runs outside Azure (the Function App does not read it); empty keeps the current secret (or none).')
param smtpUrl string = ''

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsWebhookSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource smtpSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(smtpUrl)) {
  parent: vault
  name: smtpSecretName
  properties: {
    value: smtpUrl
    contentType: 'text/uri-list'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
