/**
 * What the auditor knows about the estate at one moment: typed, validated facts mapped from Azure's
 * wire shapes by the inventory adapters. Rules see only these, never raw SDK payloads.
 */
import type { ImageReference } from './imageReference.js';
import type { SecretSignal } from './secrets.js';
import type { WorkloadKind } from './workloadKinds.js';
import type { DefenderPlanFacts, ImageVulnerabilities } from './vulnerabilities.js';

/** Derived from the workload-kind table (./workloadKinds.ts), the only list of kinds. */
export type { WorkloadKind };

export interface RegistrySnapshot {
  /** ARM id as Azure returned it (compare case-insensitively). */
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Basic | Standard | Premium */
  sku: string;
  /** Lower-case login server, e.g. contoso.azurecr.io */
  loginServer: string;
  adminUserEnabled: boolean;
  anonymousPullEnabled: boolean;
  /**
   * `Enabled` or `Disabled`, or a value of a newer API version kept as Azure sent it (e.g.
   * `SecuredByPerimeter`, Microsoft.ContainerRegistry 2024-11-01-preview and later): a fact to report,
   * which rules treat as inconclusive, never a crash and never a pass.
   */
  publicNetworkAccess: 'Enabled' | 'Disabled' | (string & {});
  /** Absent on SKUs without firewall rules (Basic, Standard). `defaultAction` may be a newer value too. */
  networkRuleSet?: { defaultAction: 'Allow' | 'Deny' | (string & {}); ipRuleCount: number };
  privateEndpointCount: number;
  tags: Record<string, string>;
  /** `AzureServices` or `None`, as ARM reports it (absent: not reported). Defender's scanner needs `AzureServices` behind a firewall. */
  networkRuleBypassOptions?: string;
  /**
   * Registry hardening facts of the ARM document (issue 13; Microsoft.ContainerRegistry 2025-04-01 /
   * 2025-11-01 `RegistryProperties`). Each is absent when the document does not carry it (an older API
   * version, a snapshot built before they existed): each rule says what absence means.
   */
  policies?: RegistryPolicyFacts;
  /** `encryption.status` (`enabled` with a customer-managed key) and whether a Key Vault key is set. */
  encryption?: { status: string; keyVaultKey: boolean; keyRotationEnabled?: boolean };
  /** `dataEndpointEnabled`: dedicated data endpoints (Premium). */
  dataEndpointEnabled?: boolean;
  /** `roleAssignmentMode`: `LegacyRegistryPermissions` or `AbacRepositoryPermissions` (or a newer value). */
  roleAssignmentMode?: string;
  /** `privateEndpointConnections` (at most MAX_PRIVATE_ENDPOINT_CONNECTIONS; `privateEndpointCount` has the real count). */
  privateEndpointConnections?: PrivateEndpointConnectionFacts[];
}

/** Registry policies (`properties.policies`): each `status` as ARM sent it (`enabled` / `disabled`, any case). */
export interface RegistryPolicyFacts {
  quarantine?: string;
  retention?: { status: string; days?: number };
  export?: string;
  /** `azureADAuthenticationAsArmPolicy.status`: whether ACR accepts Entra tokens with the ARM audience. */
  armAudienceTokens?: string;
  /** `trustPolicy.status`: Docker Content Trust, which ACR retires on 2028-03-31 (issue 15). */
  trust?: string;
  /** `softDeletePolicy` (preview API versions only, e.g. 2025-05-01-preview): status and `retentionDays` (issue 13). */
  softDelete?: SoftDeletePolicyFacts;
}

/** `policies.softDeletePolicy`: `status` as ARM sent it, `retentionDays` (1-90, ARM's default 7) when given. */
export interface SoftDeletePolicyFacts {
  status: string;
  retentionDays?: number;
}

export const MAX_PRIVATE_ENDPOINT_CONNECTIONS = 100;

/** One private endpoint connection of a registry. */
export interface PrivateEndpointConnectionFacts {
  name: string;
  /** ARM id of the private endpoint (absent: not reported). */
  privateEndpointId?: string;
  /** The private endpoint's subscription (lower-case), parsed from its id. */
  subscriptionId?: string;
  /** `privateLinkServiceConnectionState.status`: Approved, Pending, Rejected, Disconnected. */
  status: string;
}

/** One diagnostic setting on a registry, reduced to what the audit-logs rule needs. */
export interface DiagnosticSettingFacts {
  name: string;
  destinations: { workspaceId?: string; storageAccountId?: string; eventHubAuthorizationRuleId?: string };
  /** Enabled categories and category groups, as named by Azure (ContainerRegistryLoginEvents, allLogs, audit, ...). */
  enabledCategories: string[];
}

/** Admin-account logins found in the registry's Log Analytics workspace. */
export interface AdminLoginFacts {
  source: 'logs';
  workspaceId: string;
  lookbackDays: number;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  callerIpAddresses: string[];
  userAgents: string[];
}

/** The admin account seen pushing an image (Event Grid ImagePushed). */
export interface AdminPushFacts {
  source: 'push';
  actor: string;
  time: string;
  sourceAddress?: string;
  userAgent?: string;
  repository: string;
  tag?: string;
  digest: string;
}

/** Who turned the admin user on, from Resource Graph resourcechanges. */
export interface AdminUserChangeFacts {
  changedBy?: string;
  timestamp: string;
  clientType?: string;
  operation?: string;
}

/**
 * Registry settings whose changes the auditor reads from Resource Graph `resourcechanges` (issue 13, "who
 * changed it"): the property paths as Resource Graph names them in `properties.changes` (dotted ARM paths,
 * e.g. `properties.adminUserEnabled`; "Get resource changes", learn.microsoft.com/azure/governance/
 * resource-graph/changes/get-resource-changes). One entry per property a registry-setting rule reads.
 */
export const REGISTRY_SETTING_PATHS = [
  'properties.adminUserEnabled',
  'properties.anonymousPullEnabled',
  'properties.publicNetworkAccess',
  'properties.networkRuleSet.defaultAction',
  'properties.networkRuleBypassOptions',
  'properties.policies.quarantinePolicy.status',
  'properties.policies.retentionPolicy.status',
  'properties.policies.retentionPolicy.days',
  'properties.policies.exportPolicy.status',
  'properties.policies.trustPolicy.status',
  'properties.policies.azureADAuthenticationAsArmPolicy.status',
  'properties.policies.softDeletePolicy.status',
  'properties.policies.softDeletePolicy.retentionDays',
  'properties.encryption.status',
  'properties.encryption.keyVaultProperties.keyIdentifier',
  'properties.dataEndpointEnabled',
  'properties.roleAssignmentMode',
] as const;

/**
 * Array-valued registry settings: a change is recorded under a key below the path (the index notation of
 * array elements is ASSUMED, Microsoft's examples show scalar paths only), so these match by prefix and
 * keep the latest change of any key under them.
 */
export const REGISTRY_SETTING_PREFIXES = ['properties.privateEndpointConnections', 'properties.networkRuleSet.ipRules'] as const;

/** The latest change of one registry setting (Resource Graph `resourcechanges`), every string bounded. */
export interface SettingChangeFacts {
  /** The changed key as Resource Graph names it (under a prefix path: the element's key). */
  property: string;
  /** `changeAttributes.timestamp`. */
  changedAt: string;
  /** `changeAttributes.changedBy`: an e-mail address, an application id, or `System`. */
  changedBy?: string;
  /** `changeAttributes.changedByType` (User, Application, ManagedIdentity, Unknown). */
  changedByType?: string;
  /** `changeAttributes.clientType` (e.g. `Azure Portal`, `ARM Template`, or a client application id). */
  clientType?: string;
  /** `changeAttributes.operation`: the permission used, e.g. `microsoft.containerregistry/registries/write`. */
  operation?: string;
  /** `propertyChangeType`: Insert, Update or Remove (absent on API shapes without it). */
  propertyChangeType?: string;
  previousValue?: string;
  newValue?: string;
}

/** A registry's `Create` record (Resource Graph records no property values for it). */
export type RegistryCreationFacts = Omit<SettingChangeFacts, 'property' | 'propertyChangeType' | 'previousValue' | 'newValue'>;

/**
 * Who changed a registry's settings in the window Resource Graph keeps (about 14 days): per watched path
 * (REGISTRY_SETTING_PATHS and REGISTRY_SETTING_PREFIXES), its latest change, and the registry's creation
 * when it falls in the window. Bounded by construction: one entry per watched path.
 */
export interface RegistrySettingChanges {
  latest: Partial<Record<string, SettingChangeFacts>>;
  created?: RegistryCreationFacts;
}

/**
 * Everything collected about one registry in one audit. An optional field that is `undefined` was
 * not collected in this audit (rules answer not_applicable and inconclusive, never pass).
 */
export interface RegistryFacts {
  registry: RegistrySnapshot;
  diagnosticSettings?: DiagnosticSettingFacts[];
  /** `null`: logs are not routed to a workspace the auditor can query. */
  adminLogins?: AdminLoginFacts | null;
  adminPush?: AdminPushFacts;
  adminUserChange?: AdminUserChangeFacts;
  /** Latest changes of the registry's settings (resourcechanges, read once per run by the planner). Undefined: not read. */
  settingChanges?: RegistrySettingChanges;
  /** Workloads that pull from this registry with its admin account (user name = registry name): count and a bounded list of ids. Undefined: not read. */
  adminCredentialWorkloads?: { count: number; workloads: string[] };
  /** Defender for Containers plan of the registry's subscription (undefined: not read in this audit). */
  defenderPlan?: DefenderPlanFacts;
  /** The subscriptions this audit covers (the nightly run's; lower-case): "in scope" for registry.private-endpoints-trusted. Undefined: not known (only the settings count). */
  auditedSubscriptions?: readonly string[];
  /** Repository-scoped tokens (ARM list of `registries/tokens`, issue 13). Undefined: not read in this audit. */
  tokens?: TokenSnapshot[];
  /** Pull-through cache rules (ARM list of `registries/cacheRules`, issue 13). Undefined: not read in this audit. */
  cacheRules?: CacheRuleSnapshot[];
  /** Soft delete (issue 13): read with a preview API version. Undefined: not read in this audit. */
  softDelete?: SoftDeleteFacts;
  /** Who can change the registry's content (role assignments, read once per run by the planner, issue 13). Undefined: not read. */
  writers?: RegistryWritersFacts;
}

/**
 * What a role assignment lets a principal do to a registry's content (issue 13, registry.push-access-restricted):
 * push / delete (legacy ACR actions, not honoured on ABAC-mode registries), repository-write / repository-delete
 * (data actions), administer (registries/write: e.g. enable the admin user), import (importImage, restore deleted),
 * admin-credentials (list or regenerate the admin passwords: matters while the admin user is enabled), tokens
 * (create tokens / scope maps or their passwords), tasks (ACR Tasks run with registry push rights), cache-rules,
 * pipelines (import pipelines), grant-access (roleAssignments/write: can grant itself any of these), and
 * unresolved-role (the role definition could not be read: it may allow any of them).
 */
export type WriteCapability =
  | 'push' | 'delete' | 'repository-write' | 'repository-delete' | 'administer' | 'import' | 'admin-credentials'
  | 'tokens' | 'tasks' | 'cache-rules' | 'pipelines' | 'grant-access' | 'unresolved-role';

/** One role assignment that lets a principal change registry content. Strings bounded where built. */
export interface WriteAssignmentFacts {
  /** Object id (lower-case): Resource Graph role assignment rows carry no display names. */
  principalId: string;
  /** `User`, `Group`, `ServicePrincipal`, `ForeignGroup`, `Device` (absent: not reported). */
  principalType?: string;
  roleName: string;
  /** The assignment's scope as Azure sent it (a registry, its resource group, subscription, a management group or `/`). */
  scope: string;
  capabilities: WriteCapability[];
  /** The assignment has an ABAC condition (typically limiting it to some repositories). */
  conditional?: true;
}

/**
 * The write-capable role assignments that apply to one registry. The planner keeps only those of principals not on
 * AUDITOR_REGISTRY_WRITERS (approved ones are counted), bounded: `truncated` counts the unapproved ones left out.
 * `uncertain`: management-group assignments whose ancestry of the registry's subscription was not read.
 */
export interface RegistryWritersFacts {
  assignments: WriteAssignmentFacts[];
  approvedLeftOut: number;
  truncated: number;
  uncertain: WriteAssignmentFacts[];
  uncertainTruncated: number;
}

/**
 * Who pushed an image (issue 13, image.pushed-by-approved-identity): at push time the Event Grid event's `actor.name`,
 * at night the `Identity` of every successful push of the digest in ContainerRegistryRepositoryEvents within the
 * look-back window. `unknown`: no push record could be read for the image (why).
 */
export type PushedByFacts =
  | {
      status: 'read';
      source: 'event' | 'logs';
      /** Each identity that pushed the digest, with its latest push (bounded: MAX_PUSHERS). */
      pushers: Array<{ identity: string; lastPush?: string; pushes?: number; tags?: string[] }>;
      /** More identities pushed than were kept. */
      partial?: boolean;
      lookbackDays?: number;
    }
  | { status: 'unknown'; reason: string };

export const MAX_PUSHERS = 20;

/**
 * One repository-scoped token (`Microsoft.ContainerRegistry/registries/tokens`, 2025-11-01 `TokenProperties`):
 * names and dates only. Password values are never kept (a list never returns them anyway).
 */
export interface TokenSnapshot {
  name: string;
  /** `status`: `enabled` / `disabled` as ARM sent it (absent: not reported). */
  status?: string;
  /** The scope map's name (last segment of `scopeMapId`). */
  scopeMap?: string;
  creationDate?: string;
  /** `credentials.passwords` (ARM keeps at most two: password1, password2). */
  passwords: TokenPasswordSnapshot[];
}

export interface TokenPasswordSnapshot {
  name: string;
  creationTime?: string;
  /** Absent: the password never expires. */
  expiry?: string;
}

/** One pull-through cache rule (`Microsoft.ContainerRegistry/registries/cacheRules`, 2025-11-01 `CacheRuleProperties`). */
export interface CacheRuleSnapshot {
  name: string;
  /** The upstream, e.g. `docker.io/library/ubuntu` or `mcr.microsoft.com/*` (absent: not reported). */
  sourceRepository?: string;
  targetRepository?: string;
  /** The credential set's name (last segment of `credentialSetResourceId`): upstream credentials in Key Vault. */
  credentialSet?: string;
  creationDate?: string;
}

/**
 * Soft delete of a registry: `policy` from a read of the registry with a preview API version (`null`: read,
 * the document carries no softDeletePolicy), and on Premium the locations of its replications (geo-replicated
 * registries do not support soft delete; undefined: not read).
 */
export interface SoftDeleteFacts {
  policy: SoftDeletePolicyFacts | null;
  replicationLocations?: string[];
}

/** The subject of the token rules: one token of a registry. */
export interface RegistryTokenFacts {
  registry: RegistrySnapshot;
  token: TokenSnapshot;
}

/** The subject of the cache-rule rules: one cache rule of a registry. */
export interface CacheRuleFacts {
  registry: RegistrySnapshot;
  cacheRule: CacheRuleSnapshot;
}

/**
 * Dangling manifests of one repository (registry.untagged-manifests-pruned), tallied from its manifest listing, read in
 * full: untagged manifests last updated more than `olderThanDays` ago. Manifests that look untagged but are not dangling
 * are counted apart (`notCounted`): untagged platform manifests in a repository holding a tagged multi-arch index (the
 * listing cannot tell them from other untagged platform manifests), OCI artifacts such as signatures and SBOMs
 * (referrers), and manifests locked against deletion (older than the cut-off too).
 */
export interface RepositoryUntaggedFacts {
  olderThanDays: number;
  count: number;
  /** The dangling manifest last updated longest ago (undefined when `count` is 0). */
  oldest?: { digest: string; lastUpdateTime: string };
  notCounted: { possibleIndexChildren: number; artifacts: number; locked: number };
}

/** The subject of the repository rules (issue 15): one repository of a registry whose manifest listing completed. */
export interface RepositoryFacts {
  registry: RegistrySnapshot;
  repository: string;
  untagged: RepositoryUntaggedFacts;
}

/**
 * What Defender says about one image digest (vulnerability rules). `scanning` says whether the registry
 * is scanned at all; `vulnerabilities` is the digest's summary, `null` when Defender listed nothing at
 * or above the threshold for it.
 */
export interface ImageVulnerabilityFacts {
  scanning: { effective: boolean; why: string };
  vulnerabilities: ImageVulnerabilities | null;
  /** When the manifest was pushed (decides whether "nothing listed" can mean "not scanned yet / any more"). */
  lastUpdateTime?: string;
}

/** A subscription in scope (subscription rules). */
export interface SubscriptionFacts {
  subscriptionId: string;
  /** Undefined: the plan could not be read (inconclusive). */
  defenderPlan?: DefenderPlanFacts;
}

/** A manifest as the ACR data plane lists it. */
export interface ManifestSnapshot {
  repository: string;
  digest: string;
  tags: string[];
  createdTime: string;
  lastUpdateTime: string;
  mediaType?: string;
  architecture?: string;
  os?: string;
  imageSize?: number;
  /** `configMediaType` of the listing (issue 15): an image config, or an artifact's (signature, SBOM) type. */
  configMediaType?: string;
  /** The manifest's own `changeableAttributes.deleteEnabled` (a manifest locked against deletion is kept on purpose). */
  deleteEnabled?: boolean;
}

/** One tag as `GET /acr/v1/{repository}/_tags` lists it (issue 15): the digest it points at and its own changeable attributes. */
export interface TagAttributeFacts {
  name: string;
  digest: string;
  /** `changeableAttributes.writeEnabled`: false = the tag cannot be re-pointed (absent: not reported). */
  writeEnabled?: boolean;
  /** `changeableAttributes.deleteEnabled`: false = the tag cannot be deleted (absent: not reported). */
  deleteEnabled?: boolean;
}

/**
 * The attributes of the manifest's tags that match AUDITOR_LOCKED_TAG_PATTERNS (image.release-tags-locked),
 * from the repository's tag listing (read once per repository per audit).
 */
export interface ReleaseTagFacts {
  /**
   * The locked-pattern tags of the manifest found in the listing pointing at it. A tag missing here (re-pointed since
   * the manifest listing, or past the tag listing's bound) is unknown.
   */
  tags: TagAttributeFacts[];
  /**
   * The repository's own attributes (a locked repository locks every tag in it), read only when a tag is writable;
   * `unread` when that read failed; absent when not needed.
   */
  repository?: { writeEnabled?: boolean; deleteEnabled?: boolean } | 'unread';
}

/** OCI annotations of a manifest (or index) and labels of its image config, for one platform. */
export interface ProvenanceFacts {
  /** `index` for a multi-arch index, else `manifest`. */
  kind: 'index' | 'manifest';
  digest: string;
  platform?: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  children: ProvenanceFacts[];
}

/**
 * One referrer of a manifest, as the OCI 1.1 referrers API lists it (an OCI image index whose descriptors
 * carry the referrer's `artifactType` and `annotations`: OCI distribution spec, "Listing Referrers"). A Notary
 * Project signature has artifact type `application/vnd.cncf.notary.signature` (shared/rules/supplyChain.ts).
 */
export interface ReferrerFacts {
  digest: string;
  mediaType: string;
  artifactType?: string;
  annotations: Record<string, string>;
}

export interface ImageFacts {
  registry: RegistrySnapshot;
  manifest: ManifestSnapshot;
  /**
   * The manifest's referrers (signatures, SBOMs, attestations), read only where a signing rule applies and
   * only for tagged manifests (issue 15). Undefined: not read in this audit (the signing rules are inconclusive).
   */
  referrers?: ReferrerFacts[];
  /** Present when the manifest content was read (push-time audit). */
  provenance?: ProvenanceFacts;
  /** Present when Defender's results were read (nightly audit). */
  vulnerabilities?: ImageVulnerabilityFacts;
  /** Attributes of the manifest's locked-pattern tags (issue 15); undefined: not read (none matches, or the read failed). */
  releaseTags?: ReleaseTagFacts;
  /** Who pushed the image (Event Grid actor at push time, repository logs at night). Undefined: not read in this audit. */
  pushedBy?: PushedByFacts;
}

export interface WorkloadSnapshot {
  id: string;
  name: string;
  kind: WorkloadKind;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  containers: WorkloadContainer[];
  /**
   * Workload-level settings (issue 14), from the kind's extractors in the workload-kind table. Absent on
   * snapshots built before they existed (tests): every setting then counts as not read.
   */
  settings?: WorkloadSettings;
  /**
   * Set when the containers live in child resources Resource Graph does not index (App Service
   * `Microsoft.Web/sites/sitecontainers`): `containers` is then incomplete until the shard reads them.
   */
  childContainers?: 'sitecontainers';
}

export interface WorkloadContainer {
  name: string;
  /** `init`, `sidecar` or `main` */
  role: 'main' | 'init' | 'sidecar';
  /** The image string as configured. */
  image: string;
  /** Environment variables: names and how each is set. Values are never kept (see domain/secrets.ts). */
  env?: EnvVarFacts[];
  /** ACI `securityContext` (Microsoft.ContainerInstance 2025-09-01 SecurityContextDefinition). */
  securityContext?: { privileged?: boolean; allowPrivilegeEscalation?: boolean; addedCapabilities: string[] };
  /** How this container's image is pulled, where the kind sets it per container (App Service sitecontainers). */
  pull?: RegistryPullFacts;
}

export interface EnvVarFacts {
  name: string;
  /** `value`: plain text; `secure`: ACI secureValue (never returned by ARM); `secretRef`: a Container Apps secret; `reference`: an app setting name (App Service sitecontainers). */
  source: 'value' | 'secure' | 'secretRef' | 'reference';
  /** Set when a plain value looks like a credential: why (the value itself is never kept). */
  looksSecret?: SecretSignal;
}

/** How a workload authenticates to one registry. `password`: a user name with a password (or a secret reference to one). */
export interface RegistryPullFacts {
  server?: string;
  method: 'managed-identity' | 'password' | 'anonymous';
  username?: string;
  /** The identity: `system` or a user-assigned identity's ARM id / client id. */
  identity?: string;
}

/**
 * A setting of a workload as read: its value, `absent` (the kind has no such setting: the rule is not
 * applicable, conclusively) or `unread` (it exists but was not read in this audit: inconclusive, never a pass).
 */
export type WorkloadSetting<T> = { state: 'read'; value: T } | { state: 'absent'; reason: string } | { state: 'unread'; reason: string };

export interface WorkloadNetworkFacts {
  /** ACI `ipAddress.type` (`Public`, `Private`, or none). */
  ipAddressType?: string;
  /** ACI `subnetIds` count. */
  subnetCount?: number;
  /** Container Apps ingress: absent when the app has no ingress. */
  ingress?: { external: boolean; allowRules: number; denyRules: number };
  /** The Container Apps environment (ARM id), for its `vnetConfiguration`. */
  environmentId?: string;
  /** The environment's network, when read (Resource Graph `microsoft.app/managedenvironments`). */
  environment?: { internal: boolean; subnet: boolean } | 'unread';
}

export interface WorkloadLogFacts {
  /** ACI `diagnostics.logAnalytics` present (with a workspace id). */
  logAnalytics?: boolean;
  /** The Container Apps environment. */
  environmentId?: string;
  /** The environment's `appLogsConfiguration.destination` (`log-analytics`, `azure-monitor`, null), when read. */
  environmentDestination?: string | null | 'unread';
  /** Diagnostic settings of the workload (App Service, ACI) or its environment, when read. */
  diagnosticSettings?: DiagnosticSettingFacts[] | 'unread';
}

export interface WorkloadSettings {
  registryPulls: WorkloadSetting<RegistryPullFacts[]>;
  /** Container Apps `configuration.secrets[]`: name and whether it is a Key Vault reference. */
  secretStore: WorkloadSetting<Array<{ name: string; keyVault: boolean }>>;
  /** Whether the kind has a container security context at all (ACI). */
  securityContext: WorkloadSetting<true>;
  /** Whether env vars were read for this kind (App Service: app settings need a list action the auditor does not hold). */
  environmentVariables: WorkloadSetting<true>;
  network: WorkloadSetting<WorkloadNetworkFacts>;
  httpsOnly: WorkloadSetting<boolean>;
  logs: WorkloadSetting<WorkloadLogFacts>;
  identity: WorkloadSetting<{ type: string }>;
}

/** A Container Apps environment (Microsoft.App 2025-07-01 ManagedEnvironment): network and log destination. */
export interface ManagedEnvironmentFacts {
  id: string;
  /** `vnetConfiguration.internal`. */
  internal: boolean;
  /** `vnetConfiguration.infrastructureSubnetId` is set. */
  subnet: boolean;
  /** `appLogsConfiguration.destination`: `log-analytics`, `azure-monitor`, or null (none). */
  logsDestination: string | null;
}

/** The subject of workload-level rules: one workload with its settings. */
export interface WorkloadFacts {
  workload: WorkloadSnapshot;
}

/** What the audit learnt about the image a container runs. */
export type ResolvedImage =
  | { status: 'found'; digest: string; lastUpdateTime: string; tags: string[] }
  | { status: 'not_found'; detail: string }
  | { status: 'not_audited'; detail: string }
  | { status: 'error'; detail: string };

export interface WorkloadImageFacts {
  workload: WorkloadSnapshot;
  container: WorkloadContainer;
  /** `undefined` when the image string does not parse. */
  reference?: ImageReference;
  referenceError?: string;
  resolved?: ResolvedImage;
  /** Defender's results for the resolved digest (undefined: not read in this audit). */
  vulnerabilities?: ImageVulnerabilityFacts;
  /** The OCI referrers of the resolved digest, read where signatures are required (issue 15). Undefined: not read. */
  referrers?: ReferrerFacts[];
}

/** A scope the audit could not read: it is reported, and its findings are left untouched. */
export interface Gap {
  /** ARM id, `/subscriptions/<id>`, or a login server. */
  scope: string;
  reason: string;
  /** HTTP status when the gap comes from an Azure answer. */
  status?: number;
}
