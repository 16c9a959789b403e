/**
 * What the auditor knows about the estate at one moment: typed, validated facts mapped from Azure's
 * wire shapes by the inventory adapters. Rules see only these, never raw SDK payloads.
 */
import type { ImageReference } from './imageReference.js';
import type { WorkloadKind } from './workloadKinds.js';

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

export interface ImageFacts {
  registry: RegistrySnapshot;
  manifest: ManifestSnapshot;
  /** Present when the manifest content was read (push-time audit). */
  provenance?: ProvenanceFacts;
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
}

export interface WorkloadContainer {
  name: string;
  /** `init`, `sidecar` or `main` */
  role: 'main' | 'init' | 'sidecar';
  /** The image string as configured. */
  image: string;
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
}

/** A scope the audit could not read: it is reported, and its findings are left untouched. */
export interface Gap {
  /** ARM id, `/subscriptions/<id>`, or a login server. */
  scope: string;
  reason: string;
  /** HTTP status when the gap comes from an Azure answer. */
  status?: number;
}
