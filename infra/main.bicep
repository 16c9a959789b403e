// acr-auditor: the auditor's own resources, deployed with `azd up` (subscription scope: creates the
// resource group). Access to the AUDITED scopes (Reader, Monitoring Reader, registry data-plane
// read, Log Analytics Reader) and the per-registry Event Grid wiring are the separate deployment
// in infra/access, because they usually need someone else's rights. See docs/deploy.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of every resource (must offer Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline running azd (AZURE_PRINCIPAL_ID): gets Key Vault Secrets Officer to set and rotate the notification secrets. Empty: none.')
param principalId string = ''

@description('Principal type of principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

// ---- Audit policy (AUDITOR_* settings; see shared/config.ts for meaning and validation) ----

@minLength(1)
@description('AUDITOR_APPROVED_REGISTRIES (required): comma-separated approved login servers, e.g. contoso*.azurecr.io,mcr.microsoft.com.')
param approvedRegistries string

@description('AUDITOR_APPROVED_BASE_IMAGES: comma-separated approved base images; empty: the rule is not applicable.')
param approvedBaseImages string = ''

@minValue(1)
@maxValue(3650)
@description('AUDITOR_STALE_AFTER_DAYS.')
param staleAfterDays int = 90

@description('AUDITOR_STALE_OVERRIDES: repositoryPattern=days, comma-separated.')
param staleOverrides string = ''

@minValue(1)
@maxValue(730)
@description('AUDITOR_ADMIN_LOOKBACK_DAYS.')
param adminLookbackDays int = 30

@allowed([
  'low'
  'medium'
  'high'
  'critical'
])
@description('AUDITOR_VULN_MIN_SEVERITY: lowest CVE severity that fails the vulnerability rules.')
param vulnMinSeverity string = 'high'

@description('AUDITOR_VULN_GRACE_DAYS: severity=days per severity, comma-separated.')
param vulnGraceDays string = 'critical=7,high=30'

@description('AUDITOR_VULN_INCLUDE_UNFIXED: count CVEs without an available fix too.')
param vulnIncludeUnfixed bool = false

@description('AUDITOR_ALLOWED_CAPABILITIES: comma-separated Linux capabilities an ACI container may add; empty: none.')
param allowedCapabilities string = ''

@description('AUDITOR_SIGNATURE_REQUIRED: comma-separated repository patterns whose tagged images must be signed (Notation); empty: none.')
param signatureRequired string = ''

@minValue(0)
@maxValue(10080)
@description('AUDITOR_SIGNATURE_GRACE_MINUTES: minutes after a push before a missing signature fails.')
param signatureGraceMinutes int = 30

@description('AUDITOR_APPROVED_SIGNERS: comma-separated SHA-256 thumbprints of approved signing certificates.')
param approvedSigners string = ''

@description('AUDITOR_LOCKED_TAG_PATTERNS: comma-separated patterns of tags that must be locked (write and delete disabled); none: no tag.')
param lockedTagPatterns string = 'v?\\d+\\.\\d+\\.\\d+'

@minValue(1)
@maxValue(3650)
@description('AUDITOR_UNTAGGED_MAX_DAYS: age in days after which an untagged manifest is dangling, unless retention purges it.')
param untaggedMaxDays int = 30

@allowed([
  'tag'
  'digest'
])
@description('AUDITOR_PIN_POLICY: how workload.image-pinned wants images pinned.')
param pinPolicy string = 'tag'

@allowed([
  'baseline'
  'strict'
])
@description('AUDITOR_PROFILE: rule profile; strict adds the rules that are opinions (no public endpoint, private link, integrity and recovery).')
param ruleProfile string = 'baseline'

@description('AUDITOR_RULES_ENABLED: comma-separated rule ids or globs to run whatever their profile.')
param rulesEnabled string = ''

@description('AUDITOR_RULES_DISABLED: comma-separated rule ids or globs not to run (their open findings are kept as suppressed).')
param rulesDisabled string = ''

@minValue(0)
@maxValue(365)
@description('AUDITOR_RETENTION_MAX_DAYS: longest untagged-manifest retention accepted by registry.retention-enabled.')
param retentionMaxDays int = 30

@minValue(1)
@maxValue(3650)
@description('AUDITOR_TOKEN_MAX_DAYS: longest validity (days from creation) of a repository-scoped token password accepted by registry.token-passwords-expire.')
param tokenMaxDays int = 90

@description('AUDITOR_TRUSTED_SUBSCRIPTIONS: comma-separated subscriptions whose private endpoints may connect to registries (besides the audited ones).')
param trustedSubscriptionIds string = ''

@description('AUDITOR_REGISTRY_WRITERS: comma-separated object ids (or patterns) of the principals allowed to push, delete or administer registry content; empty: registry.push-access-restricted is not applicable.')
param registryWriters string = ''

@description('AUDITOR_APPROVED_PUSHERS: comma-separated identities (or patterns) allowed to push images, as ACR records them; empty: image.pushed-by-approved-identity is not applicable.')
param approvedPushers string = ''

@description('AUDITOR_SUBSCRIPTION_IDS: comma-separated subscriptions to audit; empty: every subscription the identity can read.')
param auditedSubscriptionIds string = ''

@description('AUDITOR_NIGHTLY_SCHEDULE: NCRONTAB with seconds, UTC. Must be set: the timer binding reads %AUDITOR_NIGHTLY_SCHEDULE%.')
param nightlySchedule string = '0 0 2 * * *'

@minValue(0)
@maxValue(3600)
@description('AUDITOR_REGISTRY_CACHE_SECONDS.')
param registryCacheSeconds int = 60

@minValue(1)
@maxValue(64)
@description('AUDITOR_CONCURRENCY.')
param concurrency int = 8

@description('AUDITOR_WAIVERS: JSON array of waivers.')
param waivers string = '[]'

// ---- Cloud endpoints (ARM, authority and portal come from environment(); these three do not) ----

@description('AUDITOR_ACR_AUDIENCE: ACR data-plane token audience of this cloud.')
param acrAudience string = 'https://containerregistry.azure.net'

@description('AUDITOR_LOGS_ENDPOINT: Log Analytics query endpoint of this cloud (ends in /v1).')
param logsEndpoint string = 'https://api.loganalytics.io/v1'

@description('AUDITOR_LOGS_SCOPE: token scope for Log Analytics queries in this cloud.')
param logsScope string = 'https://api.loganalytics.io/.default'

// ---- Notifications (shared/notify/config.ts). Empty values are not written (the code default applies). ----

@secure()
@description('Teams Workflows webhook URL, stored in Key Vault. Empty: keep the stored secret (if any).')
param teamsWebhookUrl string = ''

@secure()
@description('SMTP URL with credentials (smtps://user:password@host:465), stored in Key Vault and referenced by AUDITOR_SMTP_URL when notifySmtp is true (for tenants without Azure Communication Services). Empty: keep the stored secret (if any).')
param smtpUrl string = ''

@description('Write the AUDITOR_TEAMS_WEBHOOK_URL Key Vault reference (the secret must exist: set teamsWebhookUrl once or az keyvault secret set).')
param notifyTeams bool = false

@description('Write the AUDITOR_SMTP_URL Key Vault reference (the smtp-url secret must exist). ACS (acsEndpoint) takes precedence when both are set.')
param notifySmtp bool = false

@description('AUDITOR_ACS_ENDPOINT: Azure Communication Services endpoint for email.')
param acsEndpoint string = ''

@description('AUDITOR_EMAIL_FROM.')
param emailFrom string = ''

@description('AUDITOR_EMAIL_TO: comma-separated recipients.')
param emailTo string = ''

@description('AUDITOR_ALERT_MIN_SEVERITY: lowest severity in digests (informational, low, medium, high, critical).')
param alertMinSeverity string = ''

@description('AUDITOR_IMMEDIATE_MIN_SEVERITY: push-time findings at or above it alert immediately.')
param immediateMinSeverity string = ''

@description('AUDITOR_ROUTES: notification routing rules.')
param routes string = ''

@description('AUDITOR_DIGEST_MAX_ITEMS.')
param digestMaxItems string = ''

@description('AUDITOR_FINDINGS_URL: link to the findings view used in alerts.')
param findingsUrl string = ''

@description('AUDITOR_NOTIFY_RESOLUTIONS: also notify when findings are resolved (true/false).')
param notifyResolutions string = ''

@description('AUDITOR_NOTIFY_MAX_ATTEMPTS.')
param notifyMaxAttempts string = ''

@description('AUDITOR_AUTH_CLIENT_ID: client id of the Entra ID app registration that protects the findings page and API (App Service Authentication and the function\'s own token check). Empty: the page refuses every request. See docs/deploy.md.')
param findingsAuthClientId string = ''

@description('AUDITOR_FINDINGS_READERS: comma-separated app role values (e.g. Findings.Read) or group object ids allowed to read the findings page and API. Empty: nobody.')
param findingsReaders string = ''

@description('AUDITOR_EVENTGRID_TOPIC_ENDPOINT: Event Grid custom topic receiving finding events (the app identity needs EventGrid Data Sender on it; see docs/deploy.md).')
param eventGridTopicEndpoint string = ''

// ---- Scale ----

@minValue(1)
@maxValue(1000)
@description('Flex Consumption maximum instance count.')
param maximumInstanceCount int = 40

// Names shared with the code: must equal QUEUES / TABLES in shared/names.ts (test/infra checks).
var names = {
  queues: {
    imagePushed: 'image-pushed'
    auditShard: 'audit-shard'
    notifications: 'notifications'
  }
  tables: {
    findings: 'findings'
    runs: 'runs'
    notifications: 'notifications'
  }
  containers: {
    deployment: 'app-package'
    deadLetters: 'deadletters'
    reports: 'reports'
  }
  secrets: {
    teamsWebhook: 'teams-webhook-url'
    smtp: 'smtp-url'
  }
}

var tags = {
  'azd-env-name': environmentName
  app: 'acr-auditor'
}
var token = toLower(uniqueString(subscription().id, environmentName, location))
var rgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName

// The cloud's endpoints without their trailing slash (the code appends paths and /.default).
var armRaw = environment().resourceManager
var armEndpoint = endsWith(armRaw, '/') ? take(armRaw, length(armRaw) - 1) : armRaw
var authorityRaw = environment().authentication.loginEndpoint
var authorityHost = endsWith(authorityRaw, '/') ? take(authorityRaw, length(authorityRaw) - 1) : authorityRaw

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: rgName
  location: location
  tags: tags
}

module identities 'modules/identity.bicep' = {
  name: 'identities'
  scope: rg
  params: {
    location: location
    tags: tags
    appIdentityName: 'id-auditor-${token}'
    deliveryIdentityName: 'id-egdelivery-${token}'
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    queueNames: names.queues
    tableNames: names.tables
    containerNames: names.containers
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: 'log-${token}'
    appInsightsName: 'appi-${token}'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    teamsWebhookSecretName: names.secrets.teamsWebhook
    smtpSecretName: names.secrets.smtp
    teamsWebhookUrl: teamsWebhookUrl
    smtpUrl: smtpUrl
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    imagePushedQueueName: names.queues.imagePushed
    deadLetterContainerName: names.containers.deadLetters
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
    appPrincipalId: identities.outputs.appPrincipalId
    deliveryPrincipalId: identities.outputs.deliveryPrincipalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

// App settings our code reads: exactly the non-localOnly entries of SETTINGS (shared/config.ts)
// and NOTIFY_SETTINGS (shared/notify/config.ts). test/infra/settings.test.ts keeps them in step.
var auditorSettings = {
  AUDITOR_APPROVED_REGISTRIES: approvedRegistries
  AUDITOR_APPROVED_BASE_IMAGES: approvedBaseImages
  AUDITOR_STALE_AFTER_DAYS: string(staleAfterDays)
  AUDITOR_STALE_OVERRIDES: staleOverrides
  AUDITOR_ADMIN_LOOKBACK_DAYS: string(adminLookbackDays)
  AUDITOR_VULN_MIN_SEVERITY: vulnMinSeverity
  AUDITOR_VULN_GRACE_DAYS: vulnGraceDays
  AUDITOR_VULN_INCLUDE_UNFIXED: vulnIncludeUnfixed ? 'true' : 'false'
  AUDITOR_ALLOWED_CAPABILITIES: allowedCapabilities
  AUDITOR_PIN_POLICY: pinPolicy
  AUDITOR_SIGNATURE_REQUIRED: signatureRequired
  AUDITOR_SIGNATURE_GRACE_MINUTES: string(signatureGraceMinutes)
  AUDITOR_APPROVED_SIGNERS: approvedSigners
  AUDITOR_LOCKED_TAG_PATTERNS: lockedTagPatterns
  AUDITOR_UNTAGGED_MAX_DAYS: string(untaggedMaxDays)
  AUDITOR_PROFILE: ruleProfile
  AUDITOR_RULES_ENABLED: rulesEnabled
  AUDITOR_RULES_DISABLED: rulesDisabled
  AUDITOR_RETENTION_MAX_DAYS: string(retentionMaxDays)
  AUDITOR_TOKEN_MAX_DAYS: string(tokenMaxDays)
  AUDITOR_TRUSTED_SUBSCRIPTIONS: trustedSubscriptionIds
  AUDITOR_REGISTRY_WRITERS: registryWriters
  AUDITOR_APPROVED_PUSHERS: approvedPushers
  AUDITOR_SUBSCRIPTION_IDS: auditedSubscriptionIds
  AUDITOR_STORAGE__tableServiceUri: storage.outputs.tableEndpoint
  AUDITOR_STORAGE__queueServiceUri: storage.outputs.queueEndpoint
  AUDITOR_STORAGE__credential: 'managedidentity'
  AUDITOR_STORAGE__clientId: identities.outputs.appClientId
  AUDITOR_FINDINGS_TABLE: names.tables.findings
  AUDITOR_NIGHTLY_SCHEDULE: nightlySchedule
  AUDITOR_REGISTRY_CACHE_SECONDS: string(registryCacheSeconds)
  AUDITOR_CONCURRENCY: string(concurrency)
  AUDITOR_WAIVERS: waivers
  AZURE_CLIENT_ID: identities.outputs.appClientId
  AUDITOR_ARM_ENDPOINT: armEndpoint
  AUDITOR_ARM_SCOPE: '${armEndpoint}/.default'
  AUDITOR_AUTHORITY_HOST: authorityHost
  AUDITOR_ACR_AUDIENCE: acrAudience
  AUDITOR_LOGS_ENDPOINT: logsEndpoint
  AUDITOR_LOGS_SCOPE: logsScope
  AUDITOR_PORTAL_URL: environment().portal
  AUDITOR_AUTH_TENANT_ID: tenant().tenantId
  AUDITOR_AUTH_CLIENT_ID: findingsAuthClientId
  AUDITOR_FINDINGS_READERS: findingsReaders
}

// Optional notification settings: only non-empty values are written.
var notifyCandidateSettings = {
  AUDITOR_ACS_ENDPOINT: acsEndpoint
  AUDITOR_EMAIL_FROM: emailFrom
  AUDITOR_EMAIL_TO: emailTo
  AUDITOR_ALERT_MIN_SEVERITY: alertMinSeverity
  AUDITOR_IMMEDIATE_MIN_SEVERITY: immediateMinSeverity
  AUDITOR_ROUTES: routes
  AUDITOR_DIGEST_MAX_ITEMS: digestMaxItems
  AUDITOR_FINDINGS_URL: findingsUrl
  AUDITOR_NOTIFY_RESOLUTIONS: notifyResolutions
  AUDITOR_NOTIFY_MAX_ATTEMPTS: notifyMaxAttempts
  AUDITOR_EVENTGRID_TOPIC_ENDPOINT: eventGridTopicEndpoint
}
var notifySettings = toObject(filter(items(notifyCandidateSettings), s => !empty(s.value)), s => s.key, s => s.value)

// Secrets: only ever Key Vault references, resolved with the app identity (keyVaultReferenceIdentity).
var teamsSecretSettings = notifyTeams ? {
  AUDITOR_TEAMS_WEBHOOK_URL: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${names.secrets.teamsWebhook})'
} : {}
var smtpSecretSettings = notifySmtp ? {
  AUDITOR_SMTP_URL: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${names.secrets.smtp})'
} : {}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-auditor-${token}'
    planName: 'plan-${token}'
    location: location
    tags: tags
    identityId: identities.outputs.appIdentityId
    identityClientId: identities.outputs.appClientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: names.containers.deployment
    appInsightsConnectionString: monitoring.outputs.connectionString
    auditorSettings: union(auditorSettings, notifySettings, teamsSecretSettings, smtpSecretSettings)
    maximumInstanceCount: maximumInstanceCount
    authClientId: findingsAuthClientId
    authTenantId: tenant().tenantId
    authorityHost: authorityHost
  }
  // Host storage, deployment package and Key Vault references need the roles before the app starts.
  dependsOn: [
    rbac
  ]
}

// Outputs: azd stores them in the environment; infra/access needs the AUDITOR_* ones.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AUDITOR_PRINCIPAL_ID string = identities.outputs.appPrincipalId
output AUDITOR_CLIENT_ID string = identities.outputs.appClientId
output AUDITOR_STORAGE_ACCOUNT_ID string = storage.outputs.id
output AUDITOR_DELIVERY_IDENTITY_ID string = identities.outputs.deliveryIdentityId
output AUDITOR_IMAGE_PUSHED_QUEUE string = names.queues.imagePushed
output AUDITOR_DEAD_LETTER_CONTAINER string = names.containers.deadLetters
output AUDITOR_KEY_VAULT_NAME string = keyVault.outputs.name
output AUDITOR_APP_INSIGHTS_ID string = monitoring.outputs.appInsightsId
