/**
 * The ports the use cases depend on, declared in one place. Adapters implement them: Azure sources in
 * shared/inventory (tested over the wire against the loopback emulator), stores in shared/findings and
 * shared/runs (against Azurite), notifications in shared/notify. Use-case tests may use in-memory fakes.
 */
import type { FindingChange } from '../domain/finding.js';
import type {
  AdminLoginFacts,
  AdminUserChangeFacts,
  CacheRuleSnapshot,
  DiagnosticSettingFacts,
  ManagedEnvironmentFacts,
  ManifestSnapshot,
  ProvenanceFacts,
  ReferrerFacts,
  RegistrySettingChanges,
  RegistrySnapshot,
  SoftDeletePolicyFacts,
  TokenSnapshot,
  WorkloadContainer,
  WorkloadSnapshot,
} from '../domain/snapshots.js';
import type { MappingError } from '../inventory/mappers.js';
import type { TagAttributeFacts } from '../domain/snapshots.js';
import type { RegistryWritersIndex } from '../inventory/roleAssignments.js';
import type { DefenderPlanFacts, ImageVulnerabilities, VulnerabilityPolicy } from '../domain/vulnerabilities.js';

export type { FindingsStore, SaveOutcome } from '../findings/tableFindingsStore.js';

/** Resource Graph: what the identity can see (never proof that something is gone). */
export interface ResourceGraphPort {
  /** `managementGroups`: the management groups above the subscription (lower-case names), where Resource Graph reports them. */
  listSubscriptions(): Promise<Array<{ subscriptionId: string; name: string; state: string; managementGroups?: string[] }>>;
  /** A malformed row is yielded as an error, never skipped silently. */
  listRegistries(subscriptions?: readonly string[]): AsyncIterable<{ registry: RegistrySnapshot } | { error: MappingError }>;
  listWorkloads(subscriptionId: string): AsyncIterable<{ workload: WorkloadSnapshot } | { error: MappingError }>;
  /** Container Apps environments of a subscription (Resource Graph indexes `microsoft.app/managedenvironments`), by lower-case id. */
  listManagedEnvironments(subscriptionId: string): Promise<Map<string, ManagedEnvironmentFacts>>;
  /** Workspace ARM id (lower-case) -> customer id. */
  workspaceCustomerIds(subscriptions?: readonly string[]): Promise<Map<string, string>>;
  /** Registry ARM id (lower-case) -> the latest change that turned its admin user on. */
  adminUserEnabledChanges(subscriptions?: readonly string[]): Promise<Map<string, AdminUserChangeFacts>>;
  /** Registry ARM id (lower-case) -> the latest change of each registry setting, and its creation (resourcechanges). Optional: fakes may omit it. */
  registrySettingChanges?(subscriptions?: readonly string[]): Promise<Map<string, RegistrySettingChanges>>;
  /** Registry pulls with a user name of the workloads whose credentials are in their row (ACI, Container Apps, jobs). Optional: fakes may omit it. */
  workloadPasswordPulls?(subscriptions?: readonly string[]): Promise<Array<{ workloadId: string; server: string; username: string }>>;
  /**
   * The write-capable role assignments at scopes containing the given registries (authorizationresources, one query
   * for the run, issue 13). Throws ScopeReadError. Optional: without it registry.push-access-restricted is inconclusive.
   */
  registryWriters?(subscriptions: readonly string[], options: RegistryWritersOptions): Promise<RegistryWritersIndex>;
}

export interface RegistryWritersOptions {
  /** ARM ids of the registries audited in this run. */
  registryIds: readonly string[];
  /** Whether a principal (lower-case object id) is on AUDITOR_REGISTRY_WRITERS: approved assignments are only counted. */
  approved: (principalId: string) => boolean;
  /** Lower-case subscription id -> the management groups above it, where read. */
  ancestry: ReadonlyMap<string, readonly string[]>;
}

/** ARM: a resource's current state, and the authoritative answer to "does it still exist". */
export interface ArmPort {
  getRegistry(registryId: string): Promise<RegistrySnapshot>;
  listDiagnosticSettings(resourceId: string, subscriptionId: string): Promise<DiagnosticSettingFacts[]>;
  /** True on 200, false only on a 404 that proves it gone; anything else throws ScopeReadError. */
  resourceExists(resourceId: string): Promise<boolean>;
  /**
   * The containers of a workload that keeps them in child resources Resource Graph does not index: App Service
   * `Microsoft.Web/sites/sitecontainers` (ARM list). Throws ScopeReadError (a gap), MappingError for a malformed item.
   */
  listChildContainers(workloadId: string): Promise<WorkloadContainer[]>;
  /** App Service site config (`config/web`, ARM): what the row does not fill. Throws ScopeReadError. */
  getSiteConfig(siteId: string): Promise<{ acrUseManagedIdentityCreds?: boolean; acrUserManagedIdentityID?: string; linuxFxVersion?: string }>;
  /**
   * Registry children Resource Graph does not index (issue 13; ARM lists, every page, bounded): repository-scoped
   * tokens, pull-through cache rules, replication locations. Throw ScopeReadError (a gap), MappingError for a
   * malformed item. Optional: a port without them leaves the rules that need them inconclusive.
   */
  listRegistryTokens?(registryId: string): Promise<TokenSnapshot[]>;
  listRegistryCacheRules?(registryId: string): Promise<CacheRuleSnapshot[]>;
  listRegistryReplicationLocations?(registryId: string): Promise<string[]>;
  /** The registry's `policies.softDeletePolicy` (a preview API version); null when its document carries none. */
  getRegistrySoftDeletePolicy?(registryId: string): Promise<SoftDeletePolicyFacts | null>;
}

/** The ACR data plane of one or more registries. */
export interface RegistryPort {
  listRepositories(loginServer: string): AsyncIterable<string>;
  listManifests(loginServer: string, repository: string): AsyncIterable<ManifestSnapshot>;
  /** Undefined when the tag or digest does not exist (the data plane's 404). */
  getManifest(loginServer: string, repository: string, tagOrDigest: string): Promise<ManifestSnapshot | undefined>;
  /** Undefined when the manifest does not exist. */
  getProvenance(loginServer: string, repository: string, digest: string): Promise<ProvenanceFacts | undefined>;
  /** False only on the data plane's 404 for the repository. */
  repositoryExists(loginServer: string, repository: string): Promise<boolean>;
  /**
   * The OCI 1.1 referrers of a manifest (`GET /v2/<repository>/referrers/<digest>`, every page), optionally
   * filtered by artifact type. Undefined when the registry answers 404 (unknown manifest). Throws ScopeReadError.
   */
  listReferrers(loginServer: string, repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrerFacts[] | undefined>;
  /**
   * Every tag of a repository with its own changeable attributes (`GET /acr/v1/<repository>/_tags`, every page; issue 15).
   * Throws ScopeReadError (a 404 included: the repository vanished mid-audit). Optional: fakes may omit it (not read).
   */
  listTags?(loginServer: string, repository: string): AsyncIterable<TagAttributeFacts>;
  /** A repository's own changeable attributes (`GET /acr/v1/<repository>`); undefined on 404. Optional: fakes may omit it. */
  getRepositoryAttributes?(loginServer: string, repository: string): Promise<{ writeEnabled?: boolean; deleteEnabled?: boolean } | undefined>;
}

export interface ListReferrersOptions {
  artifactType?: string;
  /**
   * The audit run the read belongs to: a listing made earlier in the same run for the same digest may be reused (a digest's
   * referrers only grow; issue 15 cost). Absent (the push path): always read.
   */
  runId?: string;
}

/** Log Analytics. */
export interface LogsPort {
  adminLogins(workspace: { armId: string; customerId: string }, loginServer: string, adminUserName: string, lookbackDays: number): Promise<AdminLoginFacts>;
  /**
   * Successful pushes to one registry in the look-back window (ContainerRegistryRepositoryEvents, one query), by
   * `repository@digest`. Throws ScopeReadError. Optional: without it image.pushed-by-approved-identity is inconclusive at night.
   */
  imagePushes?(workspace: { armId: string; customerId: string }, loginServer: string, lookbackDays: number): Promise<Map<string, ImagePushRecord[]>>;
}

/** The pushes of one digest by one identity (bounded strings). */
export interface ImagePushRecord {
  identity: string;
  pushes: number;
  lastPush?: string;
  tags: string[];
}

/**
 * Defender for Containers (Resource Graph `securityresources`): plans and registry image vulnerability
 * sub-assessments, as compact per-digest summaries filtered to the policy's threshold. Never one call per image.
 */
export interface SecurityPort {
  /** Subscription id (lower-case) -> its Containers plan; every requested subscription is in the map (no pricing row: tier absent). */
  defenderPlans(subscriptions?: readonly string[]): Promise<Map<string, DefenderPlanFacts>>;
  /** Digest -> summary, for one registry (paged; only digests with CVEs at or above the threshold). */
  registryVulnerabilities(registryHost: string, subscriptionId: string, policy: VulnerabilityPolicy, now: Date): Promise<Map<string, ImageVulnerabilities>>;
  /** `registryHost@digest` -> summary, for a set of digests (batched lists; all readable subscriptions when none given). */
  digestVulnerabilities(digests: readonly string[], subscriptions: readonly string[] | undefined, policy: VulnerabilityPolicy, now: Date): Promise<Map<string, ImageVulnerabilities>>;
}

/** Every Azure source the audits read. */
export interface AzureSources {
  graph: ResourceGraphPort;
  arm: ArmPort;
  registry: RegistryPort;
  logs: LogsPort;
  /** Absent: vulnerability rules answer inconclusive (their data was not read). */
  security?: SecurityPort;
}

export type NotificationOrigin = { kind: 'nightly'; runId: string } | { kind: 'event'; eventId: string };

/** Where changes go to become alerts (the outbox); optional so audits run without notifications. */
export interface NotificationSink {
  publish(changes: readonly FindingChange[], origin: NotificationOrigin): Promise<void>;
}
