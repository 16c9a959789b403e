/**
 * ARM adapter: registries (@azure/arm-containerregistry), diagnostic settings (@azure/arm-monitor) and
 * a plain GET of any resource by id, whose 404 is the proof that something Resource Graph no longer
 * lists was deleted (a 403 is not).
 */
import { subscriptionOf } from '../domain/armIds.js';
import { createDefaultHttpClient, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { MonitorClient } from '@azure/arm-monitor';
import type { CacheRuleSnapshot, DiagnosticSettingFacts, RegistrySnapshot, SoftDeletePolicyFacts, TokenSnapshot, WorkloadContainer } from '../domain/snapshots.js';
import type { ArmPort } from '../usecases/ports.js';
import { siteContainerOf, WORKLOAD_KIND_DEFINITIONS, WORKLOAD_KINDS, WorkloadFieldError } from '../domain/workloadKinds.js';
import { armClientOptions, isObj, type AzureConnection, type Obj } from './connection.js';
import { armJsonBody, classifyAzureError, isConfirmedDeletion, ScopeReadError } from './errors.js';
import { MappingError, parseRegistryId, toDiagnosticSetting, toRegistrySnapshot } from './mappers.js';
import { RegistryChildrenReader } from './registryChildren.js';

/** Microsoft.Web API version for sitecontainers and config/web: the webApp row of the workload-kind table. */
const WEB_API_VERSION = WORKLOAD_KINDS.webApp.armReadApiVersion;

/**
 * API versions used to read one resource by id (GET): each workload kind's own (the workload-kind
 * table), and Microsoft.ContainerRegistry 2025-11-01 (the SDK's own).
 */
const ARM_READ_API_VERSIONS: Record<string, string> = {
  ...Object.fromEntries(WORKLOAD_KIND_DEFINITIONS.map((k) => [k.type, k.armReadApiVersion])),
  'microsoft.containerregistry/registries': '2025-11-01',
};

export class ArmSource implements ArmPort {
  private readonly armClients = new Map<string, ContainerRegistryManagementClient>();
  private readonly monitorClients = new Map<string, MonitorClient>();
  private readonly httpClient = createDefaultHttpClient();

  constructor(private readonly conn: AzureConnection) {}

  private arm(subscriptionId: string): ContainerRegistryManagementClient {
    let c = this.armClients.get(subscriptionId);
    if (!c) {
      c = new ContainerRegistryManagementClient(this.conn.credential, subscriptionId, armClientOptions(this.conn, 'arm'));
      this.armClients.set(subscriptionId, c);
    }
    return c;
  }

  private monitor(subscriptionId: string): MonitorClient {
    let c = this.monitorClients.get(subscriptionId);
    if (!c) {
      c = new MonitorClient(this.conn.credential, subscriptionId, armClientOptions(this.conn, 'arm'));
      this.monitorClients.set(subscriptionId, c);
    }
    return c;
  }

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

  /**
   * A GET through the ARM client's own pipeline (bearer token, retries honouring Retry-After on 429/5xx,
   * so the subscription's read quota is respected), JSON body on 200; anything else is a ScopeReadError.
   */
  private async getJson(scope: string, path: string, apiVersion: string): Promise<Obj> {
    const subscriptionId = subscriptionOf(path);
    if (!subscriptionId) throw new ScopeReadError(scope, { kind: 'invalid', reason: 'not an ARM id' });
    const url = `${this.conn.cloud.armEndpoint.replace(/\/+$/, '')}${path.split('/').map(encodeURIComponent).join('/')}?api-version=${apiVersion}`;
    let response;
    try {
      response = await this.arm(subscriptionId).pipeline.sendRequest(this.httpClient, createPipelineRequest({ url, method: 'GET', ...(this.conn.agent ? { agent: this.conn.agent } : {}) }));
    } catch (e) {
      throw new ScopeReadError(scope, classifyAzureError(e), { cause: e });
    }
    return armJsonBody(response, scope);
  }

  /**
   * App Service sitecontainers: GET {siteId}/sitecontainers (Microsoft.Web 2025-03-01, `value` + `nextLink`).
   * Resource Graph does not index `microsoft.web/sites/sitecontainers` (not in its `resources` table), so ARM is read.
   */
  async listChildContainers(workloadId: string): Promise<WorkloadContainer[]> {
    const out: WorkloadContainer[] = [];
    let path: string | undefined = `${workloadId.replace(/\/+$/, '')}/sitecontainers`;
    let apiVersion: string = WEB_API_VERSION;
    for (let page = 0; path && page < 20; page++) {
      const body = await this.getJson(workloadId, path, apiVersion);
      const items = Array.isArray(body.value) ? body.value : [];
      try {
        for (const item of items) out.push(siteContainerOf(item, out.length));
      } catch (e) {
        if (e instanceof WorkloadFieldError) throw new MappingError(workloadId, e.field, e.problem);
        throw e;
      }
      const next = typeof body.nextLink === 'string' ? new URL(body.nextLink) : undefined;
      path = next?.pathname;
      apiVersion = next?.searchParams.get('api-version') ?? apiVersion;
    }
    return out;
  }

  /**
   * Registry children Resource Graph does not index (tokens, cache rules, replications: ARM lists) and the soft
   * delete policy (a preview API version): shared/inventory/registryChildren.ts, through this ARM client's pipeline.
   */
  private childrenReader?: RegistryChildrenReader;
  private children(): RegistryChildrenReader {
    return (this.childrenReader ??= new RegistryChildrenReader(this.conn.cloud.armEndpoint, (subscriptionId, url) =>
      this.arm(subscriptionId).pipeline.sendRequest(this.httpClient, createPipelineRequest({ url, method: 'GET', ...(this.conn.agent ? { agent: this.conn.agent } : {}) })),
    ));
  }

  listRegistryTokens(registryId: string): Promise<TokenSnapshot[]> {
    return this.children().tokens(registryId);
  }

  listRegistryCacheRules(registryId: string): Promise<CacheRuleSnapshot[]> {
    return this.children().cacheRules(registryId);
  }

  listRegistryReplicationLocations(registryId: string): Promise<string[]> {
    return this.children().replicationLocations(registryId);
  }

  getRegistrySoftDeletePolicy(registryId: string): Promise<SoftDeletePolicyFacts | null> {
    return this.children().softDeletePolicy(registryId);
  }

  /** App Service site config: GET {siteId}/config/web (Microsoft.Web 2025-03-01 SiteConfigResource). */
  async getSiteConfig(siteId: string): Promise<{ acrUseManagedIdentityCreds?: boolean; acrUserManagedIdentityID?: string; linuxFxVersion?: string }> {
    const body = await this.getJson(siteId, `${siteId.replace(/\/+$/, '')}/config/web`, WEB_API_VERSION);
    const p = isObj(body.properties) ? body.properties : {};
    return {
      ...(typeof p.acrUseManagedIdentityCreds === 'boolean' ? { acrUseManagedIdentityCreds: p.acrUseManagedIdentityCreds } : {}),
      ...(typeof p.acrUserManagedIdentityID === 'string' && p.acrUserManagedIdentityID ? { acrUserManagedIdentityID: p.acrUserManagedIdentityID } : {}),
      ...(typeof p.linuxFxVersion === 'string' ? { linuxFxVersion: p.linuxFxVersion } : {}),
    };
  }

  /**
   * Whether an ARM resource exists, by a GET of its id: true on 200, false on a 404 that proves it gone
   * (ResourceNotFound, ResourceGroupNotFound); anything else (403 for a scope the identity cannot read,
   * SubscriptionNotFound, throttling) is a ScopeReadError. Used to confirm that a resource Resource
   * Graph no longer lists was deleted: Resource Graph silently omits what the caller cannot read.
   */
  async resourceExists(resourceId: string): Promise<boolean> {
    const subscriptionId = subscriptionOf(resourceId);
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
}
