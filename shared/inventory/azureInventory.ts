/**
 * The auditor's view of Azure, through the real SDK clients: Resource Graph (paged, batched, quota
 * aware), ARM (registries, diagnostic settings), the ACR data plane (catalog, manifests, manifest
 * content, config blobs) and Log Analytics. Every read either returns validated snapshots or throws
 * `ScopeReadError` naming the scope; the use cases turn those into gaps.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, createPipelineRequest, RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { MonitorClient } from '@azure/arm-monitor';
import { ContainerRegistryClient, ContainerRegistryContentClient } from '@azure/container-registry';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { CloudConfig } from '../config.js';
import type {
  AdminLoginFacts,
  AdminUserChangeFacts,
  DiagnosticSettingFacts,
  ManifestSnapshot,
  ProvenanceFacts,
  RegistrySnapshot,
  WorkloadSnapshot,
} from '../domain/snapshots.js';
import { sleep } from '../util/concurrency.js';
import { classifyAzureError, isConfirmedDeletion, ScopeReadError } from './errors.js';
import { MappingError, parseRegistryId, toDiagnosticSetting, toRegistrySnapshot, toWorkloadSnapshot } from './mappers.js';
import {
  REGISTRIES_QUERY,
  SUBSCRIPTIONS_QUERY,
  WORKLOADS_QUERY,
  WORKSPACES_QUERY,
  ADMIN_USER_CHANGES_QUERY,
  adminLoginsQuery,
} from './queries.js';

export interface AzureConnection {
  credential: TokenCredential;
  cloud: CloudConfig;
  /** Custom HTTPS agent (the loopback emulator routes every host through one). */
  agent?: Agent;
  /** SDK retry policy: the SDK honours Retry-After on 429 and backs off on 5xx. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Called with the service name on every response (metrics, benchmarks). */
  onCall?: (service: 'resourceGraph' | 'arm' | 'registry' | 'logs') => void;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const ARG_PAGE = 1000;
const ARG_SUBSCRIPTION_BATCH = 1000;
const MAX_CONFIG_BYTES = 1_048_576;
const MAX_INDEX_CHILDREN = 32;
/**
 * API versions used to read one resource of each workload type by id (GET), newest stable per
 * Microsoft's REST API specs: Microsoft.ContainerInstance 2023-05-01, Microsoft.App 2024-03-01,
 * Microsoft.Web 2023-12-01, Microsoft.ContainerRegistry 2025-11-01 (the SDK's own).
 */
const ARM_READ_API_VERSIONS: Record<string, string> = {
  'microsoft.containerinstance/containergroups': '2023-05-01',
  'microsoft.app/containerapps': '2024-03-01',
  'microsoft.app/jobs': '2024-03-01',
  'microsoft.web/sites': '2023-12-01',
  'microsoft.containerregistry/registries': '2025-11-01',
};

/** Repository clients kept (each holds its repository-scoped ACR token); evicting one costs a new token exchange. */
const CONTENT_CLIENT_CACHE = 4096;

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Parses `x-ms-user-quota-resets-after` (`hh:mm:ss`) into milliseconds. */
export function parseQuotaReset(value: string | undefined): number {
  const m = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value ?? '');
  if (!m) return 0;
  return Math.ceil((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
}

export class AzureInventory {
  private readonly argClient: ResourceGraphClient;
  private readonly logsClient: LogsQueryClient;
  private readonly armClients = new Map<string, ContainerRegistryManagementClient>();
  private readonly monitorClients = new Map<string, MonitorClient>();
  private readonly registryClients = new Map<string, ContainerRegistryClient>();
  private readonly contentClients = new Map<string, ContainerRegistryContentClient>();
  /** Resource Graph quota state from the last response: wait before the next call when exhausted. */
  private argQuota = { remaining: Number.POSITIVE_INFINITY, resetsAt: 0 };
  private argQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly conn: AzureConnection) {
    this.argClient = new ResourceGraphClient(conn.credential, this.armOptions('resourceGraph'));
    this.logsClient = new LogsQueryClient(conn.credential, {
      ...this.common('logs'),
      endpoint: conn.cloud.logsEndpoint,
      credentials: { scopes: [conn.cloud.logsScope] },
    });
  }

  private readonly httpClient = createDefaultHttpClient();

  private common(service: 'resourceGraph' | 'arm' | 'registry' | 'logs') {
    const onCall = this.conn.onCall;
    return {
      ...(this.conn.agent ? { agent: this.conn.agent } : {}),
      retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 30_000, ...this.conn.retry },
      userAgentOptions: { userAgentPrefix: 'acr-auditor/0.1' },
      additionalPolicies: onCall ? [{ position: 'perRetry' as const, policy: callCounter(service, onCall) }] : [],
    };
  }

  private armOptions(service: 'resourceGraph' | 'arm') {
    return { ...this.common(service), endpoint: this.conn.cloud.armEndpoint, credentials: { scopes: [this.conn.cloud.armScope] } };
  }

  private arm(subscriptionId: string): ContainerRegistryManagementClient {
    let c = this.armClients.get(subscriptionId);
    if (!c) {
      c = new ContainerRegistryManagementClient(this.conn.credential, subscriptionId, this.armOptions('arm'));
      this.armClients.set(subscriptionId, c);
    }
    return c;
  }

  private monitor(subscriptionId: string): MonitorClient {
    let c = this.monitorClients.get(subscriptionId);
    if (!c) {
      c = new MonitorClient(this.conn.credential, subscriptionId, this.armOptions('arm'));
      this.monitorClients.set(subscriptionId, c);
    }
    return c;
  }

  private registry(loginServer: string): ContainerRegistryClient {
    let c = this.registryClients.get(loginServer);
    if (!c) {
      c = new ContainerRegistryClient(`https://${loginServer}`, this.conn.credential, { ...this.common('registry'), audience: this.conn.cloud.acrAudience });
      this.registryClients.set(loginServer, c);
    }
    return c;
  }

  private content(loginServer: string, repository: string): ContainerRegistryContentClient {
    const key = `${loginServer}/${repository}`;
    let c = this.contentClients.get(key);
    if (c) {
      // LRU: move to the end.
      this.contentClients.delete(key);
    } else {
      c = new ContainerRegistryContentClient(`https://${loginServer}`, repository, this.conn.credential, {
        ...this.common('registry'),
        audience: this.conn.cloud.acrAudience,
      });
      if (this.contentClients.size >= CONTENT_CLIENT_CACHE) this.contentClients.delete(this.contentClients.keys().next().value!);
    }
    this.contentClients.set(key, c);
    return c;
  }

  // ---------------------------------------------------------------- Resource Graph

  /** Serialises Resource Graph calls of this process and waits when the user quota is exhausted. */
  private async argCall(query: string, subscriptions: string[] | undefined, skipToken: string | undefined) {
    const run = async () => {
      if (this.argQuota.remaining <= 0 && this.argQuota.resetsAt > Date.now()) await sleep(this.argQuota.resetsAt - Date.now());
      return this.argClient.resources(
        { query, ...(subscriptions ? { subscriptions } : {}), options: { top: ARG_PAGE, resultFormat: 'objectArray', ...(skipToken ? { skipToken } : {}) } },
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
  async *query(query: string, subscriptions?: readonly string[]): AsyncIterable<Obj> {
    const batches: Array<string[] | undefined> = [];
    if (!subscriptions) batches.push(undefined);
    else for (let i = 0; i < subscriptions.length; i += ARG_SUBSCRIPTION_BATCH) batches.push(subscriptions.slice(i, i + ARG_SUBSCRIPTION_BATCH));
    for (const batch of batches) {
      if (batch && batch.length === 0) continue;
      let skipToken: string | undefined;
      do {
        let page;
        try {
          page = await this.argCall(query, batch, skipToken);
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

  async listSubscriptions(): Promise<Array<{ subscriptionId: string; name: string; state: string }>> {
    const out = [];
    for await (const row of this.query(SUBSCRIPTIONS_QUERY)) {
      const id = typeof row.subscriptionId === 'string' ? row.subscriptionId.toLowerCase() : undefined;
      if (!id) continue;
      const state = isObj(row.properties) && typeof row.properties.state === 'string' ? row.properties.state : 'Enabled';
      out.push({ subscriptionId: id, name: typeof row.name === 'string' ? row.name : id, state });
    }
    return out;
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

  // ---------------------------------------------------------------- ARM

  /** The registry's current state from ARM (the event is a hint: always re-read). */
  async getRegistry(registryId: string): Promise<RegistrySnapshot> {
    const parts = parseRegistryId(registryId);
    if (!parts) throw new ScopeReadError(registryId, { kind: 'invalid', reason: 'not a registry resource id' });
    let raw;
    try {
      raw = await this.arm(parts.subscriptionId).registries.get(parts.resourceGroup, parts.name);
    } catch (e) {
      throw new ScopeReadError(registryId, classifyAzureError(e), { cause: e });
    }
    return toRegistrySnapshot(raw);
  }

  async listDiagnosticSettings(resourceId: string, subscriptionId: string): Promise<DiagnosticSettingFacts[]> {
    const out: DiagnosticSettingFacts[] = [];
    try {
      for await (const s of this.monitor(subscriptionId).diagnosticSettings.list(resourceId.replace(/^\/+/, ''))) out.push(toDiagnosticSetting(s));
    } catch (e) {
      if (e instanceof MappingError) throw e;
      throw new ScopeReadError(`${resourceId}/providers/Microsoft.Insights/diagnosticSettings`, classifyAzureError(e), { cause: e });
    }
    return out;
  }

  // ---------------------------------------------------------------- Log Analytics

  async adminLogins(workspace: { armId: string; customerId: string }, loginServer: string, adminUserName: string, lookbackDays: number): Promise<AdminLoginFacts> {
    const kql = adminLoginsQuery(loginServer, adminUserName, lookbackDays);
    let result;
    try {
      result = await this.logsClient.queryWorkspace(workspace.customerId, kql, { duration: `P${lookbackDays}D` });
    } catch (e) {
      throw new ScopeReadError(workspace.armId, classifyAzureError(e), { cause: e });
    }
    if (result.status !== LogsQueryResultStatus.Success) {
      throw new ScopeReadError(workspace.armId, { kind: 'other', reason: `partial Log Analytics result: ${result.partialError?.message ?? 'unknown error'}` });
    }
    const table = result.tables[0];
    const row = table?.rows[0];
    const col = (name: string) => {
      const i = table?.columnDescriptors.findIndex((c) => c.name === name) ?? -1;
      return i >= 0 && row ? row[i] : undefined;
    };
    const asList = (v: unknown): string[] => {
      const arr = typeof v === 'string' ? safeJson(v) : v;
      return Array.isArray(arr) ? arr.filter((x): x is string => typeof x === 'string') : [];
    };
    const asTime = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v ? v : undefined);
    const count = Number(col('Count') ?? 0);
    const firstSeen = asTime(col('FirstSeen'));
    const lastSeen = asTime(col('LastSeen'));
    return {
      source: 'logs',
      workspaceId: workspace.armId,
      lookbackDays,
      count: Number.isFinite(count) ? count : 0,
      ...(count > 0 && firstSeen ? { firstSeen } : {}),
      ...(count > 0 && lastSeen ? { lastSeen } : {}),
      callerIpAddresses: asList(col('CallerIpAddresses')),
      userAgents: asList(col('UserAgents')),
    };
  }

  // ---------------------------------------------------------------- ACR data plane

  async *listRepositories(loginServer: string): AsyncIterable<string> {
    try {
      for await (const name of this.registry(loginServer).listRepositoryNames()) yield name;
    } catch (e) {
      throw new ScopeReadError(loginServer, classifyAzureError(e), { cause: e });
    }
  }

  /** Manifests of one repository, newest first, streamed page by page. */
  async *listManifests(loginServer: string, repository: string): AsyncIterable<ManifestSnapshot> {
    try {
      const pages = this.registry(loginServer).getRepository(repository).listManifestProperties({ order: 'LastUpdatedOnDescending' }).byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        for (const m of page) {
          yield {
            repository,
            digest: m.digest,
            tags: m.tags ?? [],
            createdTime: m.createdOn.toISOString(),
            lastUpdateTime: m.lastUpdatedOn.toISOString(),
            ...(m.architecture ? { architecture: m.architecture } : {}),
            ...(m.operatingSystem ? { os: m.operatingSystem } : {}),
            ...(m.sizeInBytes !== undefined ? { imageSize: m.sizeInBytes } : {}),
          };
        }
      }
    } catch (e) {
      throw new ScopeReadError(`${loginServer}/${repository}`, classifyAzureError(e), { cause: e });
    }
  }

  /** Manifest properties of a tag or digest; `undefined` when it does not exist. */
  async getManifest(loginServer: string, repository: string, tagOrDigest: string): Promise<ManifestSnapshot | undefined> {
    try {
      const m = await this.registry(loginServer).getArtifact(repository, tagOrDigest).getManifestProperties();
      return {
        repository,
        digest: m.digest,
        tags: m.tags ?? [],
        createdTime: m.createdOn.toISOString(),
        lastUpdateTime: m.lastUpdatedOn.toISOString(),
      };
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'not_found') return undefined;
      throw new ScopeReadError(`${loginServer}/${repository}`, c, { cause: e });
    }
  }

  /**
   * Whether a repository exists, from the data plane: false only on its 404 (NAME_UNKNOWN), the
   * authoritative proof that a repository missing from the catalog was deleted.
   */
  async repositoryExists(loginServer: string, repository: string): Promise<boolean> {
    try {
      await this.registry(loginServer).getRepository(repository).getProperties();
      return true;
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'not_found') return false;
      throw new ScopeReadError(`${loginServer}/${repository}`, c, { cause: e });
    }
  }

  /**
   * Whether an ARM resource exists, by a GET of its id: true on 200, false on a 404 that proves it gone
   * (ResourceNotFound, ResourceGroupNotFound); anything else (403 for a scope the identity cannot read,
   * SubscriptionNotFound, throttling) is a ScopeReadError. Used to confirm that a resource Resource
   * Graph no longer lists was deleted: Resource Graph silently omits what the caller cannot read.
   */
  async resourceExists(resourceId: string): Promise<boolean> {
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1];
    const type = /\/providers\/([^/]+\/[^/]+)\/[^/]+$/i.exec(resourceId)?.[1]?.toLowerCase();
    const apiVersion = type ? ARM_READ_API_VERSIONS[type] : undefined;
    if (!subscriptionId || !apiVersion) throw new ScopeReadError(resourceId, { kind: 'invalid', reason: `no known read API version for ${type ?? 'this id'}` });
    const client = this.arm(subscriptionId);
    const url = `${this.conn.cloud.armEndpoint.replace(/\/+$/, '')}${resourceId.split('/').map(encodeURIComponent).join('/')}?api-version=${apiVersion}`;
    let response;
    try {
      // The ARM client's own pipeline (bearer token for the ARM scope, retries, the call counter).
      response = await client.pipeline.sendRequest(this.httpClient, createPipelineRequest({ url, method: 'GET', ...(this.conn.agent ? { agent: this.conn.agent } : {}) }));
    } catch (e) {
      throw new ScopeReadError(resourceId, classifyAzureError(e), { cause: e });
    }
    if (response.status === 200) return true;
    const body = (() => {
      try {
        return JSON.parse(response.bodyAsText ?? '') as { error?: { code?: string; message?: string } };
      } catch {
        return {};
      }
    })();
    const code = body.error?.code;
    const classified = classifyAzureError(new RestError(String(body.error?.message ?? `ARM answered ${response.status}`).slice(0, 300), { statusCode: response.status, ...(code ? { code } : {}) }));
    if (isConfirmedDeletion(classified)) return false;
    throw new ScopeReadError(resourceId, classified);
  }

  /**
   * OCI annotations and config labels of a manifest; for an index, of each platform child too
   * (attestation manifests skipped). The config blob is read only when the annotations do not already
   * carry every provenance key. `undefined` when the manifest does not exist (deleted since).
   */
  async getProvenance(loginServer: string, repository: string, digest: string): Promise<ProvenanceFacts | undefined> {
    const client = this.content(loginServer, repository);
    const read = async (ref: string, depth: number): Promise<ProvenanceFacts | undefined> => {
      let m;
      try {
        m = await client.getManifest(ref);
      } catch (e) {
        const c = classifyAzureError(e);
        if (c.kind === 'not_found') return undefined;
        throw new ScopeReadError(`${loginServer}/${repository}@${ref}`, c, { cause: e });
      }
      const manifest = m.manifest;
      const annotations = stringMap(manifest.annotations);
      if (INDEX_TYPES.has(m.mediaType) || Array.isArray(manifest.manifests)) {
        const children: ProvenanceFacts[] = [];
        if (depth === 0) {
          const entries = (Array.isArray(manifest.manifests) ? manifest.manifests : []).filter(isObj)
            .filter((d) => !stringMap(d.annotations)['vnd.docker.reference.type'])
            .slice(0, MAX_INDEX_CHILDREN);
          for (const d of entries) {
            if (typeof d.digest !== 'string') continue;
            const child = await read(d.digest, depth + 1);
            if (child) {
              const pl = isObj(d.platform) ? [d.platform.os, d.platform.architecture, d.platform.variant].filter((x) => typeof x === 'string').join('/') : undefined;
              children.push({ ...child, ...(pl ? { platform: pl } : {}) });
            }
          }
        }
        return { kind: 'index', digest: m.digest, annotations, labels: {}, children };
      }
      let labels: Record<string, string> = {};
      const needed = ['org.opencontainers.image.source', 'org.opencontainers.image.revision', 'org.opencontainers.image.base.name'];
      const configDigest = isObj(manifest.config) && typeof manifest.config.digest === 'string' ? manifest.config.digest : undefined;
      if (configDigest && !needed.every((k) => annotations[k])) {
        try {
          const blob = await client.downloadBlob(configDigest);
          const config = safeJson((await readLimited(blob.content, MAX_CONFIG_BYTES)).toString('utf8'));
          labels = isObj(config) && isObj(config.config) ? stringMap(config.config.Labels) : {};
        } catch (e) {
          if (e instanceof ScopeReadError) throw e;
          const c = classifyAzureError(e);
          if (c.kind !== 'not_found') throw new ScopeReadError(`${loginServer}/${repository}@${configDigest}`, c, { cause: e });
        }
      }
      return { kind: 'manifest', digest: m.digest, annotations, labels, children: [] };
    };
    return read(digest, 0);
  }
}

/** Counts every HTTP round trip (retries included) per service. */
function callCounter(service: 'resourceGraph' | 'arm' | 'registry' | 'logs', onCall: (s: typeof service) => void): PipelinePolicy {
  return {
    name: 'acrAuditorCallCounter',
    async sendRequest(req, next) {
      try {
        return await next(req);
      } finally {
        onCall(service);
      }
    },
  };
}

function stringMap(x: unknown): Record<string, string> {
  if (!isObj(x)) return {};
  return Object.fromEntries(Object.entries(x).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

async function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) throw new Error(`config blob larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
