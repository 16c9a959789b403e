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
  /** Workloads that pull from this registry with its admin account (user name = registry name): count and a bounded list of ids. Undefined: not read. */
  adminCredentialWorkloads?: { count: number; workloads: string[] };
  /** Defender for Containers plan of the registry's subscription (undefined: not read in this audit). */
  defenderPlan?: DefenderPlanFacts;
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
}

/** A scope the audit could not read: it is reported, and its findings are left untouched. */
export interface Gap {
  /** ARM id, `/subscriptions/<id>`, or a login server. */
  scope: string;
  reason: string;
  /** HTTP status when the gap comes from an Azure answer. */
  status?: number;
}
