// The two user-assigned identities of the auditor. Their role assignments live in rbac.bicep
// (own resources) and in infra/access (audited scopes); nothing here grants anything.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags { *: string } = {}

@description('Name of the identity the Function App runs as (host storage, our storage, Key Vault, Azure reads).')
param appIdentityName string

@description('Name of the identity Event Grid system topics use to deliver to our queue and dead-letter to our blob container.')
param deliveryIdentityName string

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource deliveryIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: deliveryIdentityName
  location: location
  tags: tags
}

output appIdentityId string = appIdentity.id
output appIdentityName string = appIdentity.name
output appPrincipalId string = appIdentity.properties.principalId
output appClientId string = appIdentity.properties.clientId
output deliveryIdentityId string = deliveryIdentity.id
output deliveryPrincipalId string = deliveryIdentity.properties.principalId
