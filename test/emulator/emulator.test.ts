/**
 * The loopback emulator driven by the REAL Azure SDK clients and the REAL ManagedIdentityCredential
 * over HTTPS on 127.0.0.1 (no mocks; nothing leaves loopback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { MonitorClient } from '@azure/arm-monitor';
import { ContainerRegistryClient, ContainerRegistryContentClient, KnownContainerRegistryAudience } from '@azure/container-registry';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { isRestError } from '@azure/core-rest-pipeline';
import { startEmulator, digestOf, type RunningEmulator } from '../../emulator/index.js';
import { REGISTRIES_QUERY, SUBSCRIPTIONS_QUERY, WORKLOADS_QUERY, adminLoginsQuery, ADMIN_USER_CHANGES_QUERY } from '../../shared/inventory/queries.js';
import { aManifest, aRegistry, anEstate, aWorkload, fakeDigest, registryId, SUB_A, SUB_B, WORKSPACE } from './builders.js';

const NOW = new Date('2026-02-01T12:00:00Z');
const configBlob = { architecture: 'amd64', os: 'linux', config: { Labels: { team: 'api' } } };
const content = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(configBlob), size: 10 }, layers: [], annotations: { 'org.opencontainers.image.source': 'https://example.invalid/repo' } };

function estate() {
  const registries = [aRegistry({ name: 'contoso', properties: { adminUserEnabled: true } }), aRegistry({ name: 'fabrikam', sku: 'Basic' }), aRegistry({ name: 'hidden', sub: SUB_B })];
  for (let i = 0; i < 150; i++) registries.push(aRegistry({ name: `bulk${String(i).padStart(3, '0')}`, rg: 'rg-bulk' }));
  const workloads = Array.from({ length: 2500 }, (_, i) => aWorkload(i));
  const manifests = Array.from({ length: 7 }, (_, i) => aManifest(i));
  manifests.push(aManifest(100, { digest: digestOf(content), tags: ['latest'], content }));
  return anEstate({
    resources: [...registries, ...workloads,
      { id: `/subscriptions/${SUB_A}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs`, name: 'logs', type: 'microsoft.operationalinsights/workspaces', subscriptionId: SUB_A, resourceGroup: 'rg-logs', properties: { customerId: WORKSPACE } }],
    resourcechanges: [
      { id: 'c1', type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: registryId(SUB_A, 'rg-acr', 'contoso'), targetResourceType: 'microsoft.containerregistry/registries', changeType: 'Update', changeAttributes: { timestamp: '2026-01-20T10:00:00Z', changedBy: 'alice@contoso.com' }, changes: { 'properties.adminUserEnabled': { previousValue: 'false', newValue: 'true' } } } },
      { id: 'c2', type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: registryId(SUB_A, 'rg-acr', 'contoso'), targetResourceType: 'microsoft.containerregistry/registries', changeType: 'Update', changeAttributes: { timestamp: '2026-01-25T10:00:00Z', changedBy: 'bob@contoso.com' }, changes: { 'properties.adminUserEnabled': { previousValue: 'true', newValue: 'false' } } } },
      { id: 'c3', type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: registryId(SUB_A, 'rg-acr', 'contoso'), targetResourceType: 'microsoft.containerregistry/registries', changeType: 'Update', changeAttributes: { timestamp: '2026-01-26T10:00:00Z' }, changes: { 'tags.team': { newValue: 'x' } } } },
      { id: 'c4', type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: `/subscriptions/${SUB_A}/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/vm1`, targetResourceType: 'microsoft.compute/virtualmachines', changeType: 'Update', changeAttributes: { timestamp: '2026-01-27T10:00:00Z' }, changes: { 'properties.adminUserEnabled': { newValue: 'true' } } } },
    ],
    diagnosticSettings: {
      [registryId(SUB_A, 'rg-acr', 'contoso').toLowerCase()]: [{ name: 'to-law', properties: { workspaceId: '/subscriptions/x/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs', logs: [{ category: 'ContainerRegistryLoginEvents', enabled: true }] } }],
    },
    registryContent: {
      'contoso.azurecr.io': { repositories: { 'team/api': { manifests, blobs: { [digestOf(configBlob)]: configBlob } }, 'team/web': { manifests: [aManifest(50)] }, base: { manifests: [aManifest(60)] }, zeta: { manifests: [] } } },
      'fabrikam.azurecr.io': { repositories: { app: { manifests: [aManifest(1)] } } },
      'hidden.azurecr.io': { repositories: { app: { manifests: [aManifest(1)] } } },
    },
    logs: {
      [WORKSPACE]: {
        ContainerRegistryLoginEvents: [
          { TimeGenerated: '2026-01-30T10:00:00Z', Identity: 'contoso', LoginServer: 'contoso.azurecr.io', ResultType: '200', CallerIpAddress: '10.0.0.1', UserAgent: 'docker/24' },
          { TimeGenerated: '2026-01-31T10:00:00Z', Identity: 'CONTOSO', LoginServer: 'Contoso.azurecr.io', ResultType: '200', CallerIpAddress: '10.0.0.2', UserAgent: 'docker/24' },
          { TimeGenerated: '2026-01-31T11:00:00Z', Identity: 'contoso', LoginServer: 'contoso.azurecr.io', ResultType: '401', CallerIpAddress: '10.0.0.3', UserAgent: 'curl' },
          { TimeGenerated: '2025-10-01T10:00:00Z', Identity: 'contoso', LoginServer: 'contoso.azurecr.io', ResultType: '200', CallerIpAddress: '10.0.0.4', UserAgent: 'old' },
          { TimeGenerated: '2026-01-31T12:00:00Z', Identity: 'alice', LoginServer: 'contoso.azurecr.io', ResultType: '200', CallerIpAddress: '10.0.0.5', UserAgent: 'az' },
        ],
      },
    },
    emulator: { forbidden: [`/subscriptions/${SUB_B}`] },
  });
}

let emu: RunningEmulator;
let credential: ManagedIdentityCredential;

beforeAll(async () => {
  emu = await startEmulator({ estate: estate(), now: () => NOW });
  process.env['IDENTITY_ENDPOINT'] = emu.identityEndpoint;
  process.env['IDENTITY_HEADER'] = emu.identityHeader;
  credential = new ManagedIdentityCredential();
});
afterAll(async () => { await emu?.close(); });

const arg = () => new ResourceGraphClient(credential, { agent: emu.agent });
const acr = (host = 'contoso.azurecr.io') => new ContainerRegistryClient(`https://${host}`, credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });

async function argAll(query: string, subscriptions: string[]) {
  const client = arg();
  const rows: Record<string, unknown>[] = [];
  let skipToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.resources({ query, subscriptions, options: { resultFormat: 'objectArray', ...(skipToken ? { skipToken } : {}) } });
    rows.push(...(page.data as Record<string, unknown>[]));
    skipToken = page.skipToken;
    pages++;
  } while (skipToken);
  return { rows, pages };
}

describe('managed identity', () => {
  it('issues JWT-shaped tokens through the real ManagedIdentityCredential', async () => {
    const t = await credential.getToken('https://management.azure.com/.default');
    const claims = JSON.parse(Buffer.from(t.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims['aud']).toBe('https://management.azure.com');
    expect(claims['tid']).toBe(anEstate().tenantId);
    expect(t.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('rejects a wrong x-identity-header', async () => {
    const r = await fetch(`${emu.identityEndpoint}?api-version=2019-08-01&resource=https://management.azure.com`, { headers: { 'x-identity-header': 'wrong' } });
    expect(r.status).toBe(401);
  });
});

describe('Resource Graph', () => {
  it('answers the auditor queries with the real client', async () => {
    const subs = await argAll(SUBSCRIPTIONS_QUERY, [SUB_A]);
    expect(subs.rows).toEqual([{ subscriptionId: SUB_A, name: 'prod', properties: { state: 'Enabled' } }]);
    const regs = await argAll(REGISTRIES_QUERY, [SUB_A]);
    expect(regs.rows).toHaveLength(152);
    expect(regs.rows[0]).toMatchObject({ name: 'contoso', type: 'microsoft.containerregistry/registries', sku: { name: 'Premium' } });
    expect(Object.keys(regs.rows[0]!)).toEqual(['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'sku', 'tags', 'properties']);
  });

  it('pages more than 1,000 rows with $skipToken', async () => {
    const { rows, pages } = await argAll(WORKLOADS_QUERY, [SUB_A]);
    expect(pages).toBe(3);
    expect(rows).toHaveLength(2500);
    expect(rows.map((r) => r['id'])).toEqual([...rows.map((r) => r['id'] as string)].sort());
  });

  it('answers the resourcechanges query newest first, registries only', async () => {
    const { rows } = await argAll(ADMIN_USER_CHANGES_QUERY, [SUB_A]);
    expect(rows.map((r) => r['id'])).toEqual(['c2', 'c1']);
  });

  it('answers unsupported KQL with 400 naming the unsupported part', async () => {
    const err = await arg().resources({ query: 'resources | extend x = 1', subscriptions: [SUB_A] }).catch((e: unknown) => e);
    expect(isRestError(err) && err.statusCode).toBe(400);
    expect(JSON.stringify((err as { details?: unknown }).details ?? (err as Error).message)).toContain("unsupported operator 'extend'");
  });

  it('answers 400 NoValidSubscriptionsInQueryRequest when the only subscription is forbidden, and leaves it out silently otherwise', async () => {
    const err = await arg().resources({ query: REGISTRIES_QUERY, subscriptions: [SUB_B] }).catch((e: unknown) => e);
    expect(isRestError(err) && err.statusCode).toBe(400);
    expect(JSON.stringify((err as { details?: unknown }).details)).toContain('NoValidSubscriptionsInQueryRequest');
    const { rows } = await argAll(REGISTRIES_QUERY, [SUB_A, SUB_B]);
    expect(rows.some((r) => r['name'] === 'hidden')).toBe(false);
  });
});

describe('ARM', () => {
  const mgmt = () => new ContainerRegistryManagementClient(credential, SUB_A, { agent: emu.agent });

  it('gets, lists (with nextLink paging) and lists credentials of registries', async () => {
    const r = await mgmt().registries.get('rg-acr', 'contoso');
    expect(r).toMatchObject({ name: 'contoso', loginServer: 'contoso.azurecr.io', adminUserEnabled: true, sku: { name: 'Premium' } });
    emu.resetCalls();
    const all = [];
    for await (const x of mgmt().registries.list()) all.push(x);
    expect(all).toHaveLength(152);
    expect(emu.calls().arm).toBe(2);
    const creds = await mgmt().registries.listCredentials('rg-acr', 'contoso');
    expect(creds.username).toBe('contoso');
    expect(creds.passwords).toHaveLength(2);
  });

  it('answers 404 for an unknown registry and 403 for a forbidden scope', async () => {
    const nf = await mgmt().registries.get('rg-acr', 'nope').catch((e: unknown) => e);
    expect(isRestError(nf) && nf.statusCode).toBe(404);
    const fb = await new ContainerRegistryManagementClient(credential, SUB_B, { agent: emu.agent }).registries.get('rg-acr', 'hidden').catch((e: unknown) => e);
    expect(isRestError(fb) && fb.statusCode).toBe(403);
    expect(isRestError(fb) && fb.code).toBe('AuthorizationFailed');
  });

  it('lists diagnostic settings with the real MonitorClient', async () => {
    const monitor = new MonitorClient(credential, SUB_A, { agent: emu.agent });
    const settings = [];
    // The resource id without its leading slash, as Microsoft's examples pass it: the SDK's path template
    // already starts with `/`, and the emulator refuses the `//` an ARM id as is would make.
    for await (const s of monitor.diagnosticSettings.list(registryId(SUB_A, 'rg-acr', 'contoso').slice(1))) settings.push(s);
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({ name: 'to-law', logs: [{ category: 'ContainerRegistryLoginEvents', enabled: true }] });
    const none = [];
    for await (const s of monitor.diagnosticSettings.list(registryId(SUB_A, 'rg-acr', 'fabrikam').slice(1))) none.push(s);
    // Passed as is, the id makes `//subscriptions/...`: refused.
    await expect((async () => { for await (const s of monitor.diagnosticSettings.list(registryId(SUB_A, 'rg-acr', 'contoso'))) none.push(s); })()).rejects.toMatchObject({ statusCode: 400 });
    expect(none).toEqual([]);
  });
});

describe('ACR data plane', () => {
  it('pages the catalog with Link headers', async () => {
    const pages: string[][] = [];
    for await (const page of acr().listRepositoryNames().byPage({ maxPageSize: 2 })) pages.push([...page]);
    expect(pages).toEqual([['base', 'team/api'], ['team/web', 'zeta']]);
  });

  it('pages manifests newest first and sees manifests added to the live estate', async () => {
    const repo = acr().getRepository('team/api');
    const digests: string[] = [];
    for await (const page of repo.listManifestProperties({ order: 'LastUpdatedOnDescending' }).byPage({ maxPageSize: 3 })) digests.push(...page.map((m) => m.digest));
    expect(digests).toHaveLength(8);
    expect(digests[0]).toBe(digestOf(content));
    emu.estate.registryContent['contoso.azurecr.io']!.repositories['team/api']!.manifests.push(aManifest(500) as never);
    const first = await repo.listManifestProperties({ order: 'LastUpdatedOnDescending' }).next();
    expect(first.value?.digest).toBe(fakeDigest('m500'));
    emu.estate.registryContent['contoso.azurecr.io']!.repositories['team/api']!.manifests.pop();
  });

  it('serves manifest content and blobs over /v2', async () => {
    const client = new ContainerRegistryContentClient('https://contoso.azurecr.io', 'team/api', credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });
    const m = await client.getManifest('latest');
    expect(m.digest).toBe(digestOf(content));
    expect(m.manifest).toMatchObject({ annotations: { 'org.opencontainers.image.source': 'https://example.invalid/repo' } });
    const blob = await client.downloadBlob(digestOf(configBlob));
    const chunks: Buffer[] = [];
    for await (const c of blob.content) chunks.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual(configBlob);
  });

  it('challenges a forbidden registry again with 401 (its token grants nothing)', async () => {
    const err = await acr('hidden.azurecr.io').listRepositoryNames().next().catch((e: unknown) => e);
    expect(isRestError(err) && err.statusCode).toBe(401);
  });
});

describe('Log Analytics', () => {
  it('answers the admin logins query', async () => {
    const logs = new LogsQueryClient(credential, { agent: emu.agent });
    const r = await logs.queryWorkspace(WORKSPACE, adminLoginsQuery('contoso.azurecr.io', 'contoso', 30), { duration: 'P30D' });
    expect(r.status).toBe(LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return;
    const row = r.tables[0]!.rows[0]!;
    expect(row[0]).toBe(2);
    expect(row[1]).toEqual(new Date('2026-01-30T10:00:00Z'));
    expect(row[2]).toEqual(new Date('2026-01-31T10:00:00Z'));
    expect(row[3]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(row[4]).toEqual(['docker/24']);
  });

  it('answers unsupported KQL with 400 and an unknown workspace with 404', async () => {
    const logs = new LogsQueryClient(credential, { agent: emu.agent });
    const bad = await logs.queryWorkspace(WORKSPACE, 'ContainerRegistryLoginEvents | take 5', { duration: 'P1D' }).catch((e: unknown) => e);
    expect(isRestError(bad) && bad.statusCode).toBe(400);
    const nf = await logs.queryWorkspace('00000000-0000-4000-8000-000000000000', 'ContainerRegistryLoginEvents', { duration: 'P1D' }).catch((e: unknown) => e);
    expect(isRestError(nf) && nf.statusCode).toBe(404);
  });
});
