/**
 * The ports the use cases depend on, declared in one place. Adapters implement them: Azure sources in
 * shared/inventory (tested over the wire against the loopback emulator), stores in shared/findings and
 * shared/runs (against Azurite), notifications in shared/notify. Use-case tests may use in-memory fakes.
 */
import type { FindingChange } from '../domain/finding.js';
import type {
  AdminLoginFacts,
  AdminUserChangeFacts,
  DiagnosticSettingFacts,
  ManifestSnapshot,
  ProvenanceFacts,
  RegistrySnapshot,
  WorkloadSnapshot,
} from '../domain/snapshots.js';
import type { MappingError } from '../inventory/mappers.js';

export type { FindingsStore, SaveOutcome } from '../findings/tableFindingsStore.js';

/** Resource Graph: what the identity can see (never proof that something is gone). */
export interface ResourceGraphPort {
  listSubscriptions(): Promise<Array<{ subscriptionId: string; name: string; state: string }>>;
  /** A malformed row is yielded as an error, never skipped silently. */
  listRegistries(subscriptions?: readonly string[]): AsyncIterable<{ registry: RegistrySnapshot } | { error: MappingError }>;
  listWorkloads(subscriptionId: string): AsyncIterable<{ workload: WorkloadSnapshot } | { error: MappingError }>;
  /** Workspace ARM id (lower-case) -> customer id. */
  workspaceCustomerIds(subscriptions?: readonly string[]): Promise<Map<string, string>>;
  /** Registry ARM id (lower-case) -> the latest change that turned its admin user on. */
  adminUserEnabledChanges(subscriptions?: readonly string[]): Promise<Map<string, AdminUserChangeFacts>>;
}

/** ARM: a resource's current state, and the authoritative answer to "does it still exist". */
export interface ArmPort {
  getRegistry(registryId: string): Promise<RegistrySnapshot>;
  listDiagnosticSettings(resourceId: string, subscriptionId: string): Promise<DiagnosticSettingFacts[]>;
  /** True on 200, false only on a 404 that proves it gone; anything else throws ScopeReadError. */
  resourceExists(resourceId: string): Promise<boolean>;
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
}

/** Log Analytics. */
export interface LogsPort {
  adminLogins(workspace: { armId: string; customerId: string }, loginServer: string, adminUserName: string, lookbackDays: number): Promise<AdminLoginFacts>;
}

/** Every Azure source the audits read. */
export interface AzureSources {
  graph: ResourceGraphPort;
  arm: ArmPort;
  registry: RegistryPort;
  logs: LogsPort;
}

export type NotificationOrigin = { kind: 'nightly'; runId: string } | { kind: 'event'; eventId: string };

/** Where changes go to become alerts (the outbox); optional so audits run without notifications. */
export interface NotificationSink {
  publish(changes: readonly FindingChange[], origin: NotificationOrigin): Promise<void>;
}
