/**
 * Builders shared by the demo and synthetic estates. Every builder returns an object in Azure's own
 * wire shape (see /work/shared/guide/ESTATE.md): Resource Graph rows as ARG returns them with
 * `resultFormat: objectArray`, ACR data-plane manifest items, diagnostic settings as ARM lists them,
 * Log Analytics rows with the table's column names.
 */
import { createHash } from 'node:crypto';
import { WORKLOAD_KINDS } from '../shared/domain/workloadKinds.js';

export const DAY_MS = 86_400_000;

/** The top-level keys of an estate file, and nothing else (ESTATE.md). */
export const ESTATE_KEYS = [
  'tenantId',
  'subscriptions',
  'resources',
  'securityresources',
  'resourcechanges',
  'authorizationresources',
  'diagnosticSettings',
  'registryContent',
  'logs',
  'emulator',
] as const;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Subscription {
  subscriptionId: string;
  displayName: string;
  state: 'Enabled' | 'Disabled' | 'Warned' | 'PastDue' | 'Deleted';
  [key: string]: Json;
}

/** An item of GET /acr/v1/{repository}/_manifests. */
export interface ManifestItem {
  digest: string;
  imageSize: number;
  createdTime: string;
  lastUpdateTime: string;
  architecture?: string;
  os?: string;
  mediaType: string;
  configMediaType?: string;
  tags: string[];
  changeableAttributes: ChangeableAttributes;
  /** The document GET /v2/{repository}/manifests/{digest} serves (OCI manifest or index). */
  content?: JsonObject;
  /** Its OCI 1.1 referrers (signatures, SBOMs), as GET /v2/{repository}/referrers/{digest} lists them (issue 15). */
  referrers?: Array<{ digest: string; artifactType?: string; mediaType?: string; size?: number; annotations?: Record<string, string> }>;
  /** Each tag's own changeable attributes, as GET /acr/v1/{repository}/_tags lists them (issue 15); unnamed tags: all true. */
  tagAttributes?: Record<string, Partial<ChangeableAttributes>>;
}

export interface ChangeableAttributes {
  deleteEnabled: boolean;
  writeEnabled: boolean;
  readEnabled: boolean;
  listEnabled: boolean;
}

export interface RepositoryContent {
  manifests: ManifestItem[];
  /** GET /v2/{repository}/blobs/{digest}: image config JSON, keyed by digest. */
  blobs?: Record<string, JsonObject>;
}

export interface RegistryContent {
  repositories: Record<string, RepositoryContent>;
}

export interface DiagnosticSetting {
  id: string;
  name: string;
  type?: string;
  properties: {
    workspaceId?: string | null;
    storageAccountId?: string | null;
    eventHubAuthorizationRuleId?: string | null;
    eventHubName?: string | null;
    logAnalyticsDestinationType?: string | null;
    logs: Array<{ category?: string | null; categoryGroup?: string | null; enabled: boolean; retentionPolicy?: { enabled: boolean; days: number } }>;
    metrics?: Array<{ category: string; enabled: boolean; timeGrain?: string | null; retentionPolicy?: { enabled: boolean; days: number } }>;
  };
}

export interface EmulatorSettings {
  latencyMs?: { arm?: number; resourceGraph?: number; registry?: number; logs?: number };
  forbidden?: string[];
  quotas?: {
    resourceGraph?: { requests: number; perSeconds: number };
    registryReadsPerMinute?: { Basic?: number; Standard?: number; Premium?: number };
  };
  faults?: Array<{ service: 'arm' | 'resourceGraph' | 'registry' | 'logs'; status: number; every: number }>;
}

/** An estate document (ESTATE.md). A type alias, so it is assignable to `Record<string, unknown>`. */
export type EstateDocument = {
  tenantId: string;
  subscriptions: Subscription[];
  resources: JsonObject[];
  securityresources: JsonObject[];
  resourcechanges: JsonObject[];
  authorizationresources: JsonObject[];
  diagnosticSettings: Record<string, DiagnosticSetting[]>;
  registryContent: Record<string, RegistryContent>;
  logs: Record<string, Record<string, JsonObject[]>>;
  emulator?: EmulatorSettings;
};

// ---------------------------------------------------------------------------------------------
// Deterministic values
// ---------------------------------------------------------------------------------------------

/** `sha256:` + 64 hex characters, deterministic from the seed (looks like a real digest). */
export function digestOf(seed: string): string {
  return `sha256:${createHash('sha256').update(seed, 'utf8').digest('hex')}`;
}

/** A version-4-shaped GUID, deterministic from the seed. */
export function guidOf(seed: string): string {
  const h = createHash('sha256').update(`guid|${seed}`, 'utf8').digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** mulberry32: a small, fast, seeded PRNG answering floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ISO time `days` (fractional allowed) before `now`, millisecond precision, as Azure writes it. */
export function daysAgo(now: Date, days: number): string {
  return new Date(now.getTime() - Math.round(days * DAY_MS)).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Resource Graph rows
// ---------------------------------------------------------------------------------------------

export interface ArgRowInput {
  subscriptionId: string;
  resourceGroup: string;
  /** ARM provider type in its canonical casing, e.g. `Microsoft.ContainerRegistry/registries`. */
  armType: string;
  name: string;
  location: string;
  tenantId: string;
  kind?: string;
  sku?: JsonObject | null;
  identity?: JsonObject | null;
  tags?: Record<string, string>;
  zones?: string[] | null;
  properties: JsonObject;
}

/** The ARM id as ARM writes it: canonical provider casing, `resourceGroups` segment. */
export function armId(subscriptionId: string, resourceGroup: string, armType: string, name: string): string {
  const [namespace, ...types] = armType.split('/');
  const names = name.split('/');
  const path = types.map((t, i) => `${t}/${names[i] ?? ''}`).join('/');
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${namespace}/${path}`;
}

/**
 * One row of ARG's `resources` table as ARG answers it with `objectArray`: every column present,
 * `type` lower-case, empty `kind`/`managedBy` as empty strings, absent objects as null.
 */
export function argRow(r: ArgRowInput): JsonObject {
  return {
    id: armId(r.subscriptionId, r.resourceGroup, r.armType, r.name),
    name: r.name,
    type: r.armType.toLowerCase(),
    tenantId: r.tenantId,
    kind: r.kind ?? '',
    location: r.location,
    resourceGroup: r.resourceGroup,
    subscriptionId: r.subscriptionId,
    managedBy: '',
    sku: r.sku ?? null,
    plan: null,
    properties: r.properties,
    tags: r.tags ?? {},
    identity: r.identity ?? null,
    zones: r.zones ?? null,
    extendedLocation: null,
  };
}

export type RegistrySku = 'Basic' | 'Standard' | 'Premium';

export interface RegistryInput {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  sku: RegistrySku;
  creationDate: string;
  adminUserEnabled: boolean;
  anonymousPullEnabled?: boolean;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  /** Premium only: `Deny` with IP rules restricts the public endpoint. */
  networkRuleSet?: { defaultAction: 'Allow' | 'Deny'; ipRules?: string[] };
  /** Whether trusted Azure services (Defender's scanner among them) may bypass the firewall; default `AzureServices`. */
  networkRuleBypassOptions?: 'AzureServices' | 'None';
  /** `subscriptionId`: the private endpoint's own (default: the registry's); `status`: the connection state (default Approved). */
  privateEndpoints?: Array<{ name: string; subnetResourceGroup: string; vnet: string; subscriptionId?: string; status?: 'Approved' | 'Pending' | 'Rejected' | 'Disconnected' }>;
  tags?: Record<string, string>;
  systemIdentityPrincipalId?: string;
  policyTime: string;
  retentionDays?: number;
  zoneRedundancy?: boolean;
  /** Registry hardening (issue 13): `absent` leaves azureADAuthenticationAsArmPolicy out (older API shapes); default enabled. */
  armAudienceTokens?: 'enabled' | 'disabled' | 'absent';
  /** Default true (exportPolicy enabled, as ARM creates registries). */
  exportsEnabled?: boolean;
  quarantine?: boolean;
  /** A Key Vault key URI: customer-managed key encryption. */
  cmkKeyUri?: string;
  dataEndpointEnabled?: boolean;
  roleAssignmentMode?: 'LegacyRegistryPermissions' | 'AbacRepositoryPermissions';
  /** Docker Content Trust (`policies.trustPolicy`, Premium; retired by ACR on 2028-03-31): default disabled (issue 15). */
  contentTrust?: boolean;
}

/** A `microsoft.containerregistry/registries` row (properties as api-version 2025-xx returns them). */
export function registryRow(r: RegistryInput): JsonObject {
  const id = armId(r.subscriptionId, r.resourceGroup, 'Microsoft.ContainerRegistry/registries', r.name);
  const properties: JsonObject = {
    loginServer: `${r.name}.azurecr.io`,
    creationDate: r.creationDate,
    provisioningState: 'Succeeded',
    adminUserEnabled: r.adminUserEnabled,
    policies: {
      quarantinePolicy: { status: r.quarantine ? 'enabled' : 'disabled' },
      trustPolicy: { type: 'Notary', status: r.contentTrust ? 'enabled' : 'disabled' },
      retentionPolicy: { days: r.retentionDays ?? 7, lastUpdatedTime: r.policyTime, status: r.retentionDays ? 'enabled' : 'disabled' },
      exportPolicy: { status: r.exportsEnabled === false ? 'disabled' : 'enabled' },
      ...(r.armAudienceTokens === 'absent' ? {} : { azureADAuthenticationAsArmPolicy: { status: r.armAudienceTokens ?? 'enabled' } }),
      softDeletePolicy: { retentionDays: 7, lastUpdatedTime: r.policyTime, status: 'disabled' },
    },
    encryption: r.cmkKeyUri ? { status: 'enabled', keyVaultProperties: { keyIdentifier: r.cmkKeyUri, identity: guidOf(`${id}|cmk`), keyRotationEnabled: true } } : { status: 'disabled' },
    dataEndpointEnabled: r.dataEndpointEnabled ?? false,
    dataEndpointHostNames: r.dataEndpointEnabled ? [`${r.name}.${r.location}.data.azurecr.io`] : [],
    privateEndpointConnections: (r.privateEndpoints ?? []).map((pe) => ({
      id: `${id}/privateEndpointConnections/${pe.name}.${guidOf(id + pe.name)}`,
      name: `${pe.name}.${guidOf(id + pe.name)}`,
      type: 'Microsoft.ContainerRegistry/registries/privateEndpointConnections',
      properties: {
        privateEndpoint: { id: armId(pe.subscriptionId ?? r.subscriptionId, pe.subnetResourceGroup, 'Microsoft.Network/privateEndpoints', pe.name) },
        privateLinkServiceConnectionState: { status: pe.status ?? 'Approved', description: (pe.status ?? 'Approved') === 'Approved' ? 'Auto-Approved' : '', actionsRequired: 'None' },
        groupIds: ['registry'],
        provisioningState: 'Succeeded',
      },
    })),
    publicNetworkAccess: r.publicNetworkAccess ?? 'Enabled',
    networkRuleBypassOptions: r.networkRuleBypassOptions ?? 'AzureServices',
    networkRuleBypassAllowedForTasks: false,
    zoneRedundancy: r.zoneRedundancy ? 'Enabled' : 'Disabled',
    anonymousPullEnabled: r.anonymousPullEnabled ?? false,
    metadataSearch: 'Disabled',
    roleAssignmentMode: r.roleAssignmentMode ?? 'LegacyRegistryPermissions',
    autoGeneratedDomainNameLabelScope: 'Unsecure',
  };
  // ACR answers networkRuleSet only on SKUs that support firewall rules (Premium).
  if (r.sku === 'Premium') {
    properties.networkRuleSet = {
      defaultAction: r.networkRuleSet?.defaultAction ?? 'Allow',
      ipRules: (r.networkRuleSet?.ipRules ?? []).map((value) => ({ action: 'Allow', value })),
    };
  }
  return argRow({
    tenantId: r.tenantId,
    subscriptionId: r.subscriptionId,
    resourceGroup: r.resourceGroup,
    armType: 'Microsoft.ContainerRegistry/registries',
    name: r.name,
    location: r.location,
    sku: { name: r.sku, tier: r.sku },
    identity: r.systemIdentityPrincipalId
      ? { type: 'SystemAssigned', principalId: r.systemIdentityPrincipalId, tenantId: r.tenantId }
      : null,
    tags: r.tags ?? {},
    properties,
  });
}

export interface WorkspaceInput {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  customerId: string;
  createdDate: string;
  tags?: Record<string, string>;
}

/** A `microsoft.operationalinsights/workspaces` row; `properties.customerId` is what the query API takes. */
export function workspaceRow(w: WorkspaceInput): JsonObject {
  return argRow({
    tenantId: w.tenantId,
    subscriptionId: w.subscriptionId,
    resourceGroup: w.resourceGroup,
    armType: 'Microsoft.OperationalInsights/workspaces',
    name: w.name,
    location: w.location,
    tags: w.tags ?? {},
    properties: {
      customerId: w.customerId,
      provisioningState: 'Succeeded',
      sku: { name: 'PerGB2018', lastSkuUpdate: w.createdDate },
      retentionInDays: 30,
      features: { legacy: 0, searchVersion: 1, enableLogAccessUsingOnlyResourcePermissions: true },
      workspaceCapping: { dailyQuotaGb: -1, quotaNextResetTime: w.createdDate, dataIngestionStatus: 'RespectQuota' },
      publicNetworkAccessForIngestion: 'Enabled',
      publicNetworkAccessForQuery: 'Enabled',
      createdDate: w.createdDate,
      modifiedDate: w.createdDate,
    },
  });
}

/** ARM id of a workspace (what a diagnostic setting's `workspaceId` holds). */
export function workspaceId(subscriptionId: string, resourceGroup: string, name: string): string {
  return armId(subscriptionId, resourceGroup, 'Microsoft.OperationalInsights/workspaces', name);
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

export interface WorkloadBase {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  image: string;
}

/**
 * A `microsoft.containerinstance/containergroups` row. ACI's wire shape nests each container's
 * settings under `properties` (`containers[].properties.image`); SDKs flatten it, ARG does not.
 */
export function containerGroupRow(
  w: WorkloadBase & { containers: ContainerSpec[]; initContainers?: ContainerSpec[]; registryServers?: string[]; restartPolicy?: 'Always' | 'OnFailure' | 'Never' },
): JsonObject {
  return argRow({
    ...w,
    armType: WORKLOAD_KINDS.containerGroup.armType,
    properties: {
      sku: 'Standard',
      provisioningState: 'Succeeded',
      containers: w.containers.map((c) => ({
        name: c.name,
        properties: {
          image: c.image,
          ports: [],
          environmentVariables: [],
          resources: { requests: { memoryInGB: 1.5, cpu: 1 } },
        },
      })),
      initContainers: (w.initContainers ?? []).map((c) => ({
        name: c.name,
        properties: { image: c.image, command: [], environmentVariables: [] },
      })),
      imageRegistryCredentials: (w.registryServers ?? []).map((server) => ({
        server,
        identity: armId(w.subscriptionId, w.resourceGroup, 'Microsoft.ManagedIdentity/userAssignedIdentities', `id-${w.name}`),
      })),
      restartPolicy: w.restartPolicy ?? 'Always',
      osType: 'Linux',
      isCustomProvisioningTimeout: false,
    },
  });
}

function containerAppTemplate(containers: ContainerSpec[], initContainers: ContainerSpec[] | undefined): JsonObject {
  return {
    revisionSuffix: '',
    terminationGracePeriodSeconds: null,
    containers: containers.map((c) => ({ image: c.image, imageType: 'ContainerImage', name: c.name, resources: { cpu: 0.5, memory: '1Gi', ephemeralStorage: '2Gi' } })),
    initContainers: initContainers?.length
      ? initContainers.map((c) => ({ image: c.image, imageType: 'ContainerImage', name: c.name, resources: { cpu: 0.25, memory: '0.5Gi', ephemeralStorage: '1Gi' } }))
      : null,
    volumes: null,
    serviceBinds: null,
  };
}

/** A `microsoft.app/containerapps` row (`properties.template.containers[].image`). */
export function containerAppRow(
  w: WorkloadBase & { environment: string; containers: ContainerSpec[]; initContainers?: ContainerSpec[]; registryServers?: string[]; revision: string },
): JsonObject {
  const envId = armId(w.subscriptionId, w.resourceGroup, 'Microsoft.App/managedEnvironments', w.environment);
  return argRow({
    ...w,
    armType: WORKLOAD_KINDS.containerApp.armType,
    properties: {
      provisioningState: 'Succeeded',
      runningStatus: 'Running',
      managedEnvironmentId: envId,
      environmentId: envId,
      workloadProfileName: 'Consumption',
      latestRevisionName: `${w.name}--${w.revision}`,
      latestReadyRevisionName: `${w.name}--${w.revision}`,
      latestRevisionFqdn: `${w.name}--${w.revision}.example-1234.${w.location}.azurecontainerapps.io`,
      configuration: {
        secrets: null,
        activeRevisionsMode: 'Single',
        ingress: null,
        registries: (w.registryServers ?? []).map((server) => ({ server, username: '', passwordSecretRef: '', identity: 'system' })),
        dapr: null,
        maxInactiveRevisions: 100,
      },
      template: containerAppTemplate(w.containers, w.initContainers),
    },
  });
}

/** A `microsoft.app/jobs` row (same `properties.template` as container apps). */
export function containerAppJobRow(
  w: WorkloadBase & { environment: string; containers: ContainerSpec[]; initContainers?: ContainerSpec[]; registryServers?: string[]; cron?: string },
): JsonObject {
  const envId = armId(w.subscriptionId, w.resourceGroup, 'Microsoft.App/managedEnvironments', w.environment);
  return argRow({
    ...w,
    armType: WORKLOAD_KINDS.containerAppJob.armType,
    properties: {
      provisioningState: 'Succeeded',
      environmentId: envId,
      workloadProfileName: 'Consumption',
      configuration: {
        secrets: null,
        triggerType: w.cron ? 'Schedule' : 'Manual',
        replicaTimeout: 1800,
        replicaRetryLimit: 1,
        manualTriggerConfig: w.cron ? null : { replicaCompletionCount: 1, parallelism: 1 },
        scheduleTriggerConfig: w.cron ? { replicaCompletionCount: 1, cronExpression: w.cron, parallelism: 1 } : null,
        eventTriggerConfig: null,
        registries: (w.registryServers ?? []).map((server) => ({ server, username: '', passwordSecretRef: '', identity: 'system' })),
      },
      template: containerAppTemplate(w.containers, w.initContainers),
    },
  });
}

/**
 * A `microsoft.web/sites` row. Resource Graph stores the generic ARM GET of the site, where
 * `siteConfig` is NOT populated (its fields are null; the real config lives in the `config/web`
 * child resource). The runtime stack is exposed in `properties.siteProperties.properties` as
 * `{ name: 'LinuxFxVersion', value: 'DOCKER|<image>' }` (and `WindowsFxVersion`). Read it there.
 */
export function webSiteRow(
  w: WorkloadBase & { kind: string; linuxFxVersion?: string; windowsFxVersion?: string; serverFarm: string; acrUseManagedIdentityCreds?: boolean },
): JsonObject {
  const host = `${w.name}.azurewebsites.net`;
  const linux = w.kind.split(',').includes('linux');
  return argRow({
    ...w,
    armType: WORKLOAD_KINDS.webApp.armType,
    kind: w.kind,
    identity: { type: 'SystemAssigned', principalId: guidOf(`${w.name}|principal`), tenantId: w.tenantId },
    properties: {
      name: w.name,
      state: 'Running',
      hostNames: [host],
      webSpace: `${w.resourceGroup}-${w.location}webspace${linux ? '-Linux' : ''}`,
      selfLink: `https://waws-prod-am2-123.api.azurewebsites.windows.net:454/subscriptions/${w.subscriptionId}/webspaces/${w.resourceGroup}-${w.location}webspace/sites/${w.name}`,
      repositorySiteName: w.name,
      owner: null,
      usageState: 0,
      enabled: true,
      adminEnabled: true,
      enabledHostNames: [host, `${w.name}.scm.azurewebsites.net`],
      siteProperties: {
        metadata: null,
        properties: [
          { name: 'LinuxFxVersion', value: w.linuxFxVersion ?? '' },
          { name: 'WindowsFxVersion', value: w.windowsFxVersion ?? null },
        ],
        appSettings: null,
      },
      availabilityState: 0,
      serverFarmId: armId(w.subscriptionId, w.resourceGroup, 'Microsoft.Web/serverfarms', w.serverFarm),
      reserved: linux,
      isXenon: false,
      hyperV: false,
      // As Resource Graph shows it: present, but not filled from config/web.
      siteConfig: {
        numberOfWorkers: 1,
        linuxFxVersion: null,
        windowsFxVersion: null,
        acrUseManagedIdentityCreds: w.acrUseManagedIdentityCreds ?? false,
        acrUserManagedIdentityID: null,
        alwaysOn: false,
        http20Enabled: false,
        functionAppScaleLimit: null,
        minimumElasticInstanceCount: 0,
      },
      defaultHostName: host,
      httpsOnly: true,
      publicNetworkAccess: 'Enabled',
      sku: 'PremiumV3',
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Registry content
// ---------------------------------------------------------------------------------------------

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** ACR's default changeable attributes: one shared, frozen object (the synthetic estate has 200,000 manifests). */
export const DEFAULT_ATTRIBUTES: ChangeableAttributes = Object.freeze({ deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true });

// ---------------------------------------------------------------------------------------------
// Diagnostic settings
// ---------------------------------------------------------------------------------------------

export function diagnosticSetting(
  resourceId: string,
  name: string,
  destinations: { workspaceId?: string; storageAccountId?: string; eventHubAuthorizationRuleId?: string; eventHubName?: string },
  logs: DiagnosticSetting['properties']['logs'],
  metrics: DiagnosticSetting['properties']['metrics'] = [],
): DiagnosticSetting {
  return {
    id: `${resourceId}/providers/microsoft.insights/diagnosticSettings/${name}`,
    name,
    type: 'Microsoft.Insights/diagnosticSettings',
    properties: {
      workspaceId: destinations.workspaceId ?? null,
      storageAccountId: destinations.storageAccountId ?? null,
      eventHubAuthorizationRuleId: destinations.eventHubAuthorizationRuleId ?? null,
      eventHubName: destinations.eventHubName ?? null,
      logAnalyticsDestinationType: destinations.workspaceId ? 'Dedicated' : null,
      logs,
      metrics,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Log Analytics rows
// ---------------------------------------------------------------------------------------------

export interface LoginEventInput {
  time: string;
  tenantId: string;
  registryId: string;
  loginServer: string;
  identity: string;
  resultType: '200' | '401' | '403';
  callerIpAddress: string;
  userAgent: string;
  location: string;
  seed: string;
}

/** A ContainerRegistryLoginEvents row (columns as in the table schema). */
export function loginEventRow(e: LoginEventInput): JsonObject {
  return {
    TenantId: e.tenantId,
    TimeGenerated: e.time,
    OperationName: 'Login',
    ResultType: e.resultType,
    ResultDescription: e.resultType === '200' ? '200' : e.resultType === '401' ? 'Unauthorized' : 'Forbidden',
    CorrelationId: guidOf(`corr|${e.seed}`),
    DurationMs: 12 + (parseInt(guidOf(e.seed).slice(0, 2), 16) % 80),
    LoginServer: e.loginServer,
    Identity: e.identity,
    CallerIpAddress: e.callerIpAddress,
    UserAgent: e.userAgent,
    JwtId: guidOf(`jwt|${e.seed}`),
    Region: e.location,
    SourceSystem: 'Azure',
    Type: 'ContainerRegistryLoginEvents',
    _ResourceId: e.registryId.toLowerCase(),
  };
}

export interface RepositoryEventInput {
  time: string;
  tenantId: string;
  registryId: string;
  loginServer: string;
  operation: 'Push' | 'Pull' | 'Delete' | 'Untag';
  repository: string;
  tag?: string;
  digest: string;
  mediaType: string;
  size: number;
  identity: string;
  callerIpAddress: string;
  userAgent: string;
  location: string;
  seed: string;
}

/** A ContainerRegistryRepositoryEvents row. */
export function repositoryEventRow(e: RepositoryEventInput): JsonObject {
  return {
    TenantId: e.tenantId,
    TimeGenerated: e.time,
    OperationName: e.operation,
    ResultType: '200',
    ResultDescription: '200',
    CorrelationId: guidOf(`corr|${e.seed}`),
    DurationMs: 40 + (parseInt(guidOf(e.seed).slice(0, 2), 16) % 200),
    LoginServer: e.loginServer,
    Identity: e.identity,
    CallerIpAddress: e.callerIpAddress,
    UserAgent: e.userAgent,
    Repository: e.repository,
    Tag: e.tag ?? '',
    Digest: e.digest,
    ArtifactType: e.mediaType,
    MediaType: e.mediaType,
    Size: e.size,
    Region: e.location,
    SourceSystem: 'Azure',
    Type: 'ContainerRegistryRepositoryEvents',
    _ResourceId: e.registryId.toLowerCase(),
  };
}

// ---------------------------------------------------------------------------------------------
// Defender for Containers rows of `securityresources` (issue 12)
// ---------------------------------------------------------------------------------------------

/**
 * A `microsoft.security/pricings` row for the Containers plan, as Resource Graph returns it (properties as
 * azure-rest-api-specs Microsoft.Security 2024-01-01 examples/Pricings/ListPricings_example.json shows
 * them: `isEnabled` is the string "True"/"False"). The row's other columns follow ARG's objectArray shape
 * (assumed for this type: the example is the ARM list answer).
 */
export function containersPricingRow(p: { tenantId: string; subscriptionId: string; tier: 'Standard' | 'Free'; enablementTime?: string; registryScanning?: boolean }): JsonObject {
  return {
    id: `/subscriptions/${p.subscriptionId}/providers/Microsoft.Security/pricings/Containers`,
    name: 'Containers', type: 'microsoft.security/pricings', tenantId: p.tenantId, kind: '', location: '', resourceGroup: '',
    subscriptionId: p.subscriptionId, managedBy: '', sku: null, plan: null, tags: null, identity: null, zones: null, extendedLocation: null,
    properties: p.tier === 'Standard'
      ? { pricingTier: 'Standard', freeTrialRemainingTime: 'PT0S', enablementTime: p.enablementTime ?? '2025-01-01T00:00:00Z', enforce: 'False', resourcesCoverageStatus: 'FullyCovered',
          extensions: [{ name: 'ContainerRegistriesVulnerabilityAssessments', isEnabled: p.registryScanning === false ? 'False' : 'True' }] }
      : { pricingTier: 'Free', freeTrialRemainingTime: 'P30D', enforce: 'False', resourcesCoverageStatus: 'NotCovered' },
  };
}

export interface SubAssessmentInput {
  tenantId: string;
  registryId: string;
  subscriptionId: string;
  resourceGroup: string;
  loginServer: string;
  repository: string;
  digest: string;
  tags?: string[];
  pushedAt: string;
  cve: string;
  severity: 'Low' | 'Medium' | 'High' | 'Critical';
  packageName?: string;
  version?: string;
  fixedVersion?: string;
  fixStatus?: 'FixAvailable' | 'NoFixAvailable' | 'Unknown' | 'Scheduled' | 'WontFix';
  publishedDate: string;
  timeGenerated: string;
  cvss?: number;
  /** Exempted in Defender: status NotApplicable, cause Exempt. */
  exempt?: boolean;
}

/**
 * A registry image vulnerability sub-assessment row (grouped shape) exactly as Microsoft's example in
 * "Container vulnerability assessments REST API" (learn.microsoft.com/azure/defender-for-cloud/
 * subassessment-rest-api) shows it. `name` (the sub-assessment id) is derived from digest and CVE (assumed:
 * Microsoft's example redacts it).
 */
export function subAssessmentRow(v: SubAssessmentInput): JsonObject {
  const name = guidOf(`${v.registryId}|${v.digest}|${v.cve}`);
  return {
    id: `${v.registryId}/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subassessments/${name}`,
    name, type: 'microsoft.security/assessments/subassessments', tenantId: v.tenantId, kind: '', location: 'global',
    resourceGroup: v.resourceGroup, subscriptionId: v.subscriptionId, managedBy: '', sku: null, plan: null,
    properties: {
      id: v.cve,
      additionalData: {
        assessedResourceType: 'AzureContainerRegistryVulnerability',
        vulnerabilityDetails: {
          severity: v.severity,
          exploitabilityAssessment: { exploitStepsPublished: false, exploitStepsVerified: false, isInExploitKit: false, exploitUris: [], types: ['Remote'] },
          lastModifiedDate: v.publishedDate, publishedDate: v.publishedDate, workarounds: [],
          references: [{ title: v.cve, link: `https://nvd.nist.gov/vuln/detail/${v.cve}` }],
          weaknesses: { cwe: [] }, cveId: v.cve,
          cvss: { '2.0': null, '3.0': { cvssVectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', base: v.cvss ?? 9.8 } },
        },
        artifactDetails: {
          lastPushedToRegistryUTC: v.pushedAt, repositoryName: v.repository, registryHost: v.loginServer, artifactType: 'ContainerImage',
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: v.digest, tags: v.tags ?? [],
        },
        softwareDetails: {
          category: 'OS', language: '', fixedVersion: v.fixedVersion ?? '', version: v.version ?? '1.0.0', vendor: 'debian', packageName: v.packageName ?? 'openssl',
          osDetails: { osPlatform: 'linux', osVersion: 'debian_12' }, fixStatus: v.fixStatus ?? (v.fixedVersion ? 'FixAvailable' : 'NoFixAvailable'), evidence: [],
        },
        cvssV30Score: v.cvss ?? 9.8,
      },
      description: `This vulnerability affects ${v.packageName ?? 'openssl'}.`,
      displayName: v.cve,
      resourceDetails: { id: `/repositories/${v.repository}/images/${v.digest}`, source: 'Azure' },
      timeGenerated: v.timeGenerated,
      remediation: v.fixedVersion ? `Update ${v.packageName ?? 'openssl'} to ${v.fixedVersion}` : 'No remediation exists',
      status: v.exempt
        ? { description: 'Exempted: risk accepted', severity: v.severity, code: 'NotApplicable', cause: 'Exempt' }
        : { severity: v.severity, code: 'Unhealthy' },
    },
    tags: null, identity: null, zones: null, extendedLocation: null,
  };
}
