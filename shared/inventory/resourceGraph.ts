/**
 * Resource Graph adapter (@azure/arm-resourcegraph): paged with skip tokens, subscriptions in batches,
 * calls serialised per process and waiting on the user quota (x-ms-user-quota-*). Resource Graph
 * returns only what the identity may read: absence is never proof of deletion (see ArmSource).
 */
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { AdminUserChangeFacts, ManagedEnvironmentFacts, RegistrySettingChanges, RegistrySnapshot, WorkloadSnapshot } from '../domain/snapshots.js';
import { WORKLOAD_KINDS, workloadKindOfType } from '../domain/workloadKinds.js';
import type { ResourceGraphPort } from '../usecases/ports.js';
import { sleep } from '../util/concurrency.js';
import { armClientOptions, isObj, type AzureConnection, type Obj } from './connection.js';
import { classifyAzureError, ScopeReadError } from './errors.js';
import { addSettingChanges, MappingError, toRegistrySnapshot, toWorkloadSnapshot } from './mappers.js';
import { collectRegistryWriters, managementGroupOf, type RegistryWritersIndex } from './roleAssignments.js';
import { ROLE_ASSIGNMENTS_QUERY } from './queries.js';
import type { RegistryWritersOptions } from '../usecases/ports.js';
import { ADMIN_USER_CHANGES_QUERY, MANAGED_ENVIRONMENTS_QUERY, REGISTRIES_QUERY, REGISTRY_CREDENTIALS_QUERY, SUBSCRIPTIONS_QUERY, WORKLOADS_QUERY, WORKSPACES_QUERY } from './queries.js';

const ARG_PAGE = 1000;

/** Request options besides paging (QueryRequestOptions): `authorizationScopeFilter` for authorizationresources. */
export interface ArgQueryOptions {
  authorizationScopeFilter?: 'AtScopeAndBelow' | 'AtScopeAndAbove' | 'AtScopeExact' | 'AtScopeAboveAndBelow';
}
const ARG_SUBSCRIPTION_BATCH = 1000;

/** Parses `x-ms-user-quota-resets-after` (`hh:mm:ss`) into milliseconds. */
export function parseQuotaReset(value: string | undefined): number {
  const m = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value ?? '');
  if (!m) return 0;
  return Math.ceil((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
}

export class ResourceGraphSource implements ResourceGraphPort {
  private readonly argClient: ResourceGraphClient;
  /** Resource Graph quota state from the last response: wait before the next call when exhausted. */
  private argQuota = { remaining: Number.POSITIVE_INFINITY, resetsAt: 0 };
  private argQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly conn: AzureConnection) {
    this.argClient = new ResourceGraphClient(conn.credential, armClientOptions(conn, 'resourceGraph'));
  }

  /** Serialises Resource Graph calls of this process and waits when the user quota is exhausted. */
  private async argCall(query: string, subscriptions: string[] | undefined, skipToken: string | undefined, extra: ArgQueryOptions = {}) {
    const run = async () => {
      if (this.argQuota.remaining <= 0 && this.argQuota.resetsAt > Date.now()) await sleep(this.argQuota.resetsAt - Date.now());
      return this.argClient.resources(
        { query, ...(subscriptions ? { subscriptions } : {}), options: { top: ARG_PAGE, resultFormat: 'objectArray', ...(skipToken ? { skipToken } : {}), ...extra } },
        {
          onResponse: (raw) => {
            const remaining = raw.headers.get('x-ms-user-quota-remaining');
            if (remaining !== undefined && remaining !== null && remaining !== '') {
              this.argQuota = { remaining: Number(remaining), resetsAt: Date.now() + parseQuotaReset(raw.headers.get('x-ms-user-quota-resets-after') ?? undefined) };
            }
          },
        },
      );
    };
    const p = this.argQueue.then(run, run);
    this.argQueue = p.catch(() => undefined);
    return p;
  }

  /** Every row of a Resource Graph query, following skip tokens, subscriptions in batches. */
  async *query(query: string, subscriptions?: readonly string[], extra: ArgQueryOptions = {}): AsyncIterable<Obj> {
    const batches: Array<string[] | undefined> = [];
    if (!subscriptions) batches.push(undefined);
    else for (let i = 0; i < subscriptions.length; i += ARG_SUBSCRIPTION_BATCH) batches.push(subscriptions.slice(i, i + ARG_SUBSCRIPTION_BATCH));
    for (const batch of batches) {
      if (batch && batch.length === 0) continue;
      let skipToken: string | undefined;
      do {
        let page;
        try {
          page = await this.argCall(query, batch, skipToken, extra);
        } catch (e) {
          const scope = batch?.length === 1 ? `/subscriptions/${batch[0]}` : 'Resource Graph';
          throw new ScopeReadError(scope, classifyAzureError(e), { cause: e });
        }
        const rows: unknown = page.data;
        if (!Array.isArray(rows)) throw new ScopeReadError('Resource Graph', { kind: 'other', reason: 'response data is not an object array' });
        for (const row of rows) if (isObj(row)) yield row;
        skipToken = page.skipToken || undefined;
      } while (skipToken);
    }
  }

  async listSubscriptions(): Promise<Array<{ subscriptionId: string; name: string; state: string; managementGroups?: string[] }>> {
    const out = [];
    for await (const row of this.query(SUBSCRIPTIONS_QUERY)) {
      const id = typeof row.subscriptionId === 'string' ? row.subscriptionId.toLowerCase() : undefined;
      if (!id) continue;
      const state = isObj(row.properties) && typeof row.properties.state === 'string' ? row.properties.state : 'Enabled';
      // The management groups above it (properties.managementGroupAncestorsChain[].name, as Microsoft's Resource Graph
      // samples read it), for role assignments inherited from them (issue 13). Absent: not reported.
      const chain = isObj(row.properties) && Array.isArray(row.properties.managementGroupAncestorsChain) ? row.properties.managementGroupAncestorsChain : undefined;
      const managementGroups = chain?.flatMap((g) => (isObj(g) && typeof g.name === 'string' && g.name.length <= 90 ? [g.name.toLowerCase()] : [])).slice(0, 10);
      out.push({ subscriptionId: id, name: typeof row.name === 'string' ? row.name : id, state, ...(managementGroups ? { managementGroups } : {}) });
    }
    return out;
  }

  /**
   * The write-capable role assignments at scopes that contain the given registries (issue 13): ONE paged
   * authorizationresources query for the run, assignments inherited from management groups included where visible
   * (AtScopeAboveAndBelow), folded into a bounded index (shared/inventory/roleAssignments.ts).
   */
  async registryWriters(subscriptions: readonly string[], options: RegistryWritersOptions): Promise<RegistryWritersIndex> {
    const registries = options.registryIds.map((r) => r.toLowerCase());
    const subs = new Set(subscriptions.map((s) => s.toLowerCase()));
    const containers = new Set(registries.flatMap((id) => {
      const m = /^(\/subscriptions\/[^/]+)(\/resourcegroups\/[^/]+)/.exec(id);
      return m ? [id, `${m[1]}${m[2]}`] : [id];
    }));
    const relevant = (scope: string) =>
      scope === '/' || managementGroupOf(scope) !== undefined || containers.has(scope) || (/^\/subscriptions\/[^/]+$/.test(scope) && subs.has(scope.slice('/subscriptions/'.length)));
    const seen = new Set<string>();
    const rows = this.query(ROLE_ASSIGNMENTS_QUERY, subscriptions, { authorizationScopeFilter: 'AtScopeAboveAndBelow' });
    // Subscription batches may return the same management-group row twice: each row id counts once.
    async function* once(): AsyncIterable<Obj> {
      for await (const row of rows) {
        const id = typeof row.id === 'string' ? row.id.toLowerCase() : '';
        if (id && seen.has(id)) continue;
        if (id) seen.add(id);
        yield row;
      }
    }
    return collectRegistryWriters(once(), { relevant, approved: options.approved, ancestry: options.ancestry });
  }

  /** Registries from Resource Graph; a malformed row is yielded as an error, never skipped silently. */
  async *listRegistries(subscriptions?: readonly string[]): AsyncIterable<{ registry: RegistrySnapshot } | { error: MappingError }> {
    for await (const row of this.query(REGISTRIES_QUERY, subscriptions)) {
      try {
        yield { registry: toRegistrySnapshot(row) };
      } catch (e) {
        if (e instanceof MappingError) yield { error: e };
        else throw e;
      }
    }
  }

  async *listWorkloads(subscriptionId: string): AsyncIterable<{ workload: WorkloadSnapshot } | { error: MappingError }> {
    for await (const row of this.query(WORKLOADS_QUERY, [subscriptionId])) {
      try {
        yield { workload: toWorkloadSnapshot(row) };
      } catch (e) {
        if (e instanceof MappingError) yield { error: e };
        else throw e;
      }
    }
  }

  /** Container Apps environments of one subscription, by lower-case id (Microsoft.App 2025-07-01 ManagedEnvironment). */
  async listManagedEnvironments(subscriptionId: string): Promise<Map<string, ManagedEnvironmentFacts>> {
    const map = new Map<string, ManagedEnvironmentFacts>();
    for await (const row of this.query(MANAGED_ENVIRONMENTS_QUERY, [subscriptionId])) {
      if (typeof row.id !== 'string') continue;
      const p = isObj(row.properties) ? row.properties : {};
      const vnet = isObj(p.vnetConfiguration) ? p.vnetConfiguration : {};
      const logs = isObj(p.appLogsConfiguration) ? p.appLogsConfiguration : {};
      map.set(row.id.toLowerCase(), {
        id: row.id,
        internal: vnet.internal === true,
        subnet: typeof vnet.infrastructureSubnetId === 'string' && vnet.infrastructureSubnetId.length > 0,
        logsDestination: typeof logs.destination === 'string' && logs.destination ? logs.destination : null,
      });
    }
    return map;
  }

  /**
   * Registry pulls with a user name, of every workload whose credentials are in its row (ACI, Container Apps
   * and jobs), read through the kinds' settings extractors: one query for the run (the planner's).
   */
  async workloadPasswordPulls(subscriptions?: readonly string[]): Promise<Array<{ workloadId: string; server: string; username: string }>> {
    const out: Array<{ workloadId: string; server: string; username: string }> = [];
    for await (const row of this.query(REGISTRY_CREDENTIALS_QUERY, subscriptions)) {
      const kind = typeof row.type === 'string' ? workloadKindOfType(row.type) : undefined;
      const settings = kind ? (WORKLOAD_KINDS[kind] as { settings?: (p: Obj, r: Obj) => { registryPulls: { state: string; value?: unknown } } }).settings : undefined;
      if (typeof row.id !== 'string' || !settings) continue;
      const pulls = settings(isObj(row.properties) ? row.properties : {}, row).registryPulls;
      if (pulls.state !== 'read' || !Array.isArray(pulls.value)) continue;
      for (const p of pulls.value as Array<{ method: string; server?: string; username?: string }>) {
        if (p.method === 'password' && p.server && p.username) out.push({ workloadId: row.id, server: p.server, username: p.username });
      }
    }
    return out;
  }

  /** Workspace ARM id (lower-case) -> customer id, for the Log Analytics query API. */
  async workspaceCustomerIds(subscriptions?: readonly string[]): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for await (const row of this.query(WORKSPACES_QUERY, subscriptions)) {
      const customerId = isObj(row.properties) ? row.properties.customerId : undefined;
      if (typeof row.id === 'string' && typeof customerId === 'string') map.set(row.id.toLowerCase(), customerId);
    }
    return map;
  }

  /**
   * For each registry (lower-case ARM id), the latest change of each registry setting the rules read and
   * its creation record when still kept (resourcechanges, about 14 days): one paged query for the whole run.
   */
  async registrySettingChanges(subscriptions?: readonly string[]): Promise<Map<string, RegistrySettingChanges>> {
    const latest = new Map<string, RegistrySettingChanges>();
    for await (const row of this.query(ADMIN_USER_CHANGES_QUERY, subscriptions)) addSettingChanges(latest, row);
    return latest;
  }

  /**
   * For each registry (lower-case ARM id), the latest change that turned the admin user on, from
   * resourcechanges (about 14 days are kept): one query for the whole run.
   */
  async adminUserEnabledChanges(subscriptions?: readonly string[]): Promise<Map<string, AdminUserChangeFacts>> {
    const latest = new Map<string, AdminUserChangeFacts>();
    for await (const row of this.query(ADMIN_USER_CHANGES_QUERY, subscriptions)) {
      const p = isObj(row.properties) ? row.properties : {};
      const target = typeof p.targetResourceId === 'string' ? p.targetResourceId.toLowerCase() : undefined;
      const change = isObj(p.changes) ? p.changes['properties.adminUserEnabled'] : undefined;
      const attrs = isObj(p.changeAttributes) ? p.changeAttributes : {};
      if (!target || !isObj(change) || String(change.newValue).toLowerCase() !== 'true' || typeof attrs.timestamp !== 'string') continue;
      const known = latest.get(target);
      if (known && known.timestamp >= attrs.timestamp) continue;
      latest.set(target, {
        timestamp: attrs.timestamp,
        ...(typeof attrs.changedBy === 'string' ? { changedBy: attrs.changedBy } : {}),
        ...(typeof attrs.clientType === 'string' ? { clientType: attrs.clientType } : {}),
        ...(typeof attrs.operation === 'string' ? { operation: attrs.operation } : {}),
      });
    }
    return latest;
  }
}
