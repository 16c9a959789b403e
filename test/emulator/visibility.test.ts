/**
 * What the caller may not read, as Azure shows it (docs/estate.md "Switches"): Resource Graph leaves
 * the rows out silently (400 NoValidSubscriptionsInQueryRequest only when no requested subscription
 * is readable), ARM answers 403 AuthorizationFailed for a forbidden scope whether or not the resource
 * exists and 404 SubscriptionNotFound / ResourceGroupNotFound / ResourceNotFound otherwise, ACR
 * grants a token without actions and challenges the call again with 401. Also: strict ARM paths,
 * and newer API values served as given. Real SDK clients over HTTPS on loopback.
 */
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { MonitorClient } from '@azure/arm-monitor';
import { ContainerRegistryClient, ContainerRegistryContentClient, KnownContainerRegistryAudience } from '@azure/container-registry';
import { isRestError } from '@azure/core-rest-pipeline';
import { loadEstateFile, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { ArmSource } from '../../shared/inventory/arm.js';
import { loadConfig } from '../../shared/config.js';
import { REGISTRIES_QUERY, SUBSCRIPTIONS_QUERY } from '../../shared/inventory/queries.js';
import { aManifest, aRegistry, anEstate, aWorkload, registryId, SUB_A, SUB_B } from './builders.js';

const SUB_UNKNOWN = '33333333-3333-4333-8333-333333333333';
const LOCKED_RG = `/subscriptions/${SUB_A}/resourceGroups/rg-locked`;
const DIAG = { name: 'to-law', properties: { workspaceId: `/subscriptions/${SUB_A}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs`, logs: [{ categoryGroup: 'allLogs', enabled: true }] } };

function estate() {
  return anEstate({
    resources: [
      aRegistry({ name: 'contoso', properties: { adminUserEnabled: true } }),
      aRegistry({ name: 'lockedreg', rg: 'rg-locked' }),
      aRegistry({ name: 'secretreg' }),
      aRegistry({ name: 'devreg', sub: SUB_B }),
      aWorkload(1),
    ],
    securityresources: [
      { id: `${registryId(SUB_A, 'rg-acr', 'contoso')}/providers/Microsoft.Security/assessments/a1`, type: 'microsoft.security/assessments', subscriptionId: SUB_A, resourceGroup: 'rg-acr', properties: {} },
      { id: `${registryId(SUB_A, 'rg-locked', 'lockedreg')}/providers/Microsoft.Security/assessments/a2`, type: 'microsoft.security/assessments', subscriptionId: SUB_A, resourceGroup: 'rg-locked', properties: {} },
    ],
    authorizationresources: [
      { id: `/subscriptions/${SUB_A}/resourceGroups/rg-acr/providers/Microsoft.Authorization/roleAssignments/r1`, type: 'microsoft.authorization/roleassignments', subscriptionId: SUB_A, resourceGroup: 'rg-acr', properties: {} },
      { id: `${LOCKED_RG}/providers/Microsoft.Authorization/roleAssignments/r2`, type: 'microsoft.authorization/roleassignments', subscriptionId: SUB_A, resourceGroup: 'rg-locked', properties: {} },
    ],
    resourcechanges: [
      { id: `${registryId(SUB_A, 'rg-acr', 'contoso')}/providers/Microsoft.Resources/changes/c1`, type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: registryId(SUB_A, 'rg-acr', 'contoso'), changeType: 'Update' } },
      { id: 'c2', type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: registryId(SUB_A, 'rg-locked', 'lockedreg'), changeType: 'Update' } },
    ],
    diagnosticSettings: {
      [registryId(SUB_A, 'rg-acr', 'contoso')]: [DIAG],
      [registryId(SUB_A, 'rg-acr', 'secretreg')]: [DIAG],
    },
    registryContent: {
      'contoso.azurecr.io': { repositories: { app: { manifests: [aManifest(1)] }, 'team/secret': { manifests: [aManifest(2)] } } },
      'secretreg.azurecr.io': { repositories: { app: { manifests: [aManifest(3)] } } },
    },
    emulator: { forbidden: [`/subscriptions/${SUB_B}`, LOCKED_RG, registryId(SUB_A, 'rg-acr', 'secretreg'), 'contoso.azurecr.io/team/secret'] },
  });
}

let emu: RunningEmulator;
let credential: ManagedIdentityCredential;

beforeAll(async () => {
  emu = await startEmulator({ estate: estate() });
  process.env['IDENTITY_ENDPOINT'] = emu.identityEndpoint;
  process.env['IDENTITY_HEADER'] = emu.identityHeader;
  credential = new ManagedIdentityCredential();
});
afterAll(async () => { await emu?.close(); });

const arg = () => new ResourceGraphClient(credential, { agent: emu.agent });
const mgmt = (sub = SUB_A) => new ContainerRegistryManagementClient(credential, sub, { agent: emu.agent, retryOptions: { maxRetries: 0 } });
const rows = async (query: string, subscriptions: string[]) => (await arg().resources({ query, subscriptions, options: { resultFormat: 'objectArray' } })).data as Record<string, unknown>[];
type Failure = { statusCode?: number; code?: string; message: string; details?: unknown; response?: { bodyAsText?: string | null } };
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Failure);
/** The error body as the service sent it (paging helpers and the ACR client do not always copy the code onto the RestError). */
const body = (e: Failure) => JSON.parse(e.response?.bodyAsText ?? '{}') as { error?: { code?: string; message?: string }; errors?: { code?: string }[] };

/** A raw ARM GET with a managed-identity token (the path exactly as given). */
const raw = (path: string) => new Promise<{ status: number; body: Record<string, unknown> & { error?: { code?: string; message?: string } } }>((resolve, reject) => {
  void credential.getToken('https://management.azure.com/.default').then((t) => {
    https.get({ host: 'management.azure.com', path, agent: emu.agent, headers: { authorization: `Bearer ${t!.token}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> & { error?: { code?: string; message?: string } } }));
    }).on('error', reject);
  }, reject);
});

describe('Resource Graph leaves out what the caller cannot read', () => {
  it('drops a forbidden subscription silently; resourcecontainers has no row for it', async () => {
    expect((await rows(REGISTRIES_QUERY, [SUB_A, SUB_B])).map((r) => r['name'])).toEqual(['contoso']);
    expect((await rows(SUBSCRIPTIONS_QUERY, [SUB_A, SUB_B, SUB_UNKNOWN])).map((r) => r['subscriptionId'])).toEqual([SUB_A]);
  });

  it('drops rows under a forbidden resource group or resource, in every table', async () => {
    const ids = async (table: string) => (await rows(`${table} | project id`, [SUB_A])).map((r) => String(r['id']).toLowerCase());
    for (const table of ['resources', 'securityresources', 'authorizationresources', 'resourcechanges', 'resourcecontainers']) {
      const got = await ids(table);
      expect(got.some((id) => id.includes('rg-locked') || id.includes('secretreg') || id === 'c2'), table).toBe(false);
    }
    expect((await ids('resourcecontainers')).sort()).toEqual([`/subscriptions/${SUB_A}`, `/subscriptions/${SUB_A}/resourcegroups/rg-acr`, `/subscriptions/${SUB_A}/resourcegroups/rg-apps`]);
    expect(await ids('resourcechanges')).toEqual([`${registryId(SUB_A, 'rg-acr', 'contoso')}/providers/microsoft.resources/changes/c1`.toLowerCase()]);
  });

  it('answers 400 NoValidSubscriptionsInQueryRequest when no requested subscription is readable or known', async () => {
    for (const subs of [[SUB_B], [SUB_UNKNOWN], [SUB_B, SUB_UNKNOWN]]) {
      const err = await fail(arg().resources({ query: REGISTRIES_QUERY, subscriptions: subs }));
      expect(isRestError(err) && err.statusCode).toBe(400);
      expect(JSON.stringify(err.details)).toContain('NoValidSubscriptionsInQueryRequest');
      expect(JSON.stringify(err.details)).toContain(`Given: '${subs.join(',')}'`);
    }
  });
});

describe('ARM: 403 for a forbidden scope whatever exists, 404 otherwise', () => {
  it('answers 403 AuthorizationFailed under a forbidden scope, existing resource or not', async () => {
    for (const [sub, rg, name] of [[SUB_A, 'rg-locked', 'lockedreg'], [SUB_A, 'rg-locked', 'nosuchreg'], [SUB_A, 'rg-acr', 'secretreg'], [SUB_B, 'rg-acr', 'devreg'], [SUB_B, 'rg-none', 'nosuchreg']] as const) {
      const err = await fail(mgmt(sub).registries.get(rg, name));
      expect(isRestError(err) && err.statusCode, `${rg}/${name}`).toBe(403);
      expect(err.code).toBe('AuthorizationFailed');
      expect(err.message).toMatch(new RegExp(`^The client '[^']+' with object id '[^']+' does not have authorization to perform action 'Microsoft\\.ContainerRegistry/registries/read' over scope '/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft\\.ContainerRegistry/registries/${name}' or the scope is invalid\\. If access was recently granted, please refresh your credentials\\.$`));
    }
    expect((await fail(mgmt().registries.listCredentials('rg-locked', 'lockedreg'))).statusCode).toBe(403);
  });

  it('answers 404 SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound outside forbidden scopes', async () => {
    const sub = await fail(mgmt(SUB_UNKNOWN).registries.get('rg-acr', 'contoso'));
    expect([sub.statusCode, sub.code, sub.message]).toEqual([404, 'SubscriptionNotFound', `The subscription '${SUB_UNKNOWN}' could not be found.`]);
    const rg = await fail(mgmt().registries.get('rg-nope', 'contoso'));
    expect([rg.statusCode, rg.code, rg.message]).toEqual([404, 'ResourceGroupNotFound', "Resource group 'rg-nope' could not be found."]);
    const res = await fail(mgmt().registries.get('rg-acr', 'nosuchreg'));
    expect([res.statusCode, res.code]).toEqual([404, 'ResourceNotFound']);
    expect(res.message).toContain("The Resource 'Microsoft.ContainerRegistry/registries/nosuchreg' under resource group 'rg-acr' was not found.");
  });

  it('answers lists: 403 for a forbidden resource group or subscription, readable registries only otherwise', async () => {
    const all = [];
    for await (const r of mgmt().registries.list()) all.push(r.name);
    expect(all.sort()).toEqual(['contoso']);
    expect((await fail(mgmt().registries.listByResourceGroup('rg-locked').next())).statusCode).toBe(403);
    expect((await fail(mgmt(SUB_B).registries.list().next())).statusCode).toBe(403);
    expect((await fail(mgmt(SUB_UNKNOWN).registries.list().next())).code).toBe('SubscriptionNotFound');
    expect((await fail(mgmt().registries.listByResourceGroup('rg-nope').next())).code).toBe('ResourceGroupNotFound');
  });

  it('answers diagnostic settings the same way', async () => {
    const monitor = new MonitorClient(credential, SUB_A, { agent: emu.agent, retryOptions: { maxRetries: 0 } });
    const list = (id: string) => monitor.diagnosticSettings.list(id.slice(1)).next();
    // The SDK's pager keeps only the status: read the bodies with a raw GET of the same path.
    const get = (id: string) => raw(`${id}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview`);
    expect((await fail(list(registryId(SUB_A, 'rg-acr', 'secretreg')))).statusCode).toBe(403);
    const forbidden = await get(registryId(SUB_A, 'rg-acr', 'secretreg'));
    expect([forbidden.status, forbidden.body.error?.code]).toEqual([403, 'AuthorizationFailed']);
    expect(forbidden.body.error?.message).toContain(`perform action 'Microsoft.Insights/diagnosticSettings/read' over scope '${registryId(SUB_A, 'rg-acr', 'secretreg')}'`);
    expect((await fail(list(registryId(SUB_A, 'rg-locked', 'nosuchreg')))).statusCode).toBe(403);
    expect((await get(registryId(SUB_A, 'rg-locked', 'nosuchreg'))).status).toBe(403);
    expect((await fail(list(registryId(SUB_A, 'rg-acr', 'nosuchreg')))).statusCode).toBe(404);
    expect((await get(registryId(SUB_A, 'rg-acr', 'nosuchreg'))).body.error?.code).toBe('ResourceNotFound');
    expect((await get(registryId(SUB_A, 'rg-nope', 'contoso'))).body.error?.code).toBe('ResourceGroupNotFound');
  });
});

describe('ARM GET of any other resource by id', () => {
  const app = (rg: string, name: string) => `/subscriptions/${SUB_A}/resourceGroups/${rg}/providers/Microsoft.App/containerApps/${name}?api-version=2025-01-01`;

  it('serves the row in ARM shape, 403 under a forbidden scope, 404 ResourceNotFound when missing', async () => {
    const ok = await raw(app('rg-apps', 'app-00001'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'app-00001', type: 'Microsoft.App/containerApps', properties: { template: { containers: [{ image: 'contoso.azurecr.io/team/api:1' }] } } });
    const locked = await raw(app('rg-locked', 'app-00001'));
    expect([locked.status, locked.body.error?.code]).toEqual([403, 'AuthorizationFailed']);
    expect(locked.body.error?.message).toContain("perform action 'Microsoft.App/containerApps/read'");
    const gone = await raw(app('rg-apps', 'app-99999'));
    expect([gone.status, gone.body.error?.code]).toEqual([404, 'ResourceNotFound']);
    expect(gone.body.error?.message).toContain("The Resource 'Microsoft.App/containerApps/app-99999' under resource group 'rg-apps' was not found.");
  });
});

describe('ARM paths', () => {
  const id = registryId(SUB_A, 'rg-acr', 'contoso');

  it('refuses every empty path segment, a leading `//` included (stricter than ARM on purpose: a client mistake surfaces)', async () => {
    expect((await raw(`${id}?api-version=2025-11-01`)).status).toBe(200);
    for (const bad of [`/${id}`, `//${id}`, id.replace('/resourceGroups', '//resourceGroups'), `${id}//`, `/subscriptions//resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contoso`]) {
      const r = await raw(`${bad}?api-version=2025-11-01`);
      expect([r.status, r.body.error?.code], bad).toEqual([400, 'InvalidRequestUri']);
    }
  });

  it('the product reads diagnostic settings without sending `//` (any `//` request here fails with 400)', async () => {
    emu.estate.emulator.faults = [{ service: 'arm', status: 400, firstPerRequest: 10, path: '^//' }];
    try {
      const inventory = new ArmSource({ credential, cloud: loadConfig({}).cloud, agent: emu.agent, retry: { maxRetries: 0 } });
      const settings = await inventory.listDiagnosticSettings(id, SUB_A);
      expect(settings).toHaveLength(1);
      expect(settings[0]).toMatchObject({ name: 'to-law' });
      expect(emu.faultsInjected().arm).toBe(0);
    } finally {
      emu.estate.emulator.faults = [];
    }
  });
});

describe('ACR data plane', () => {
  const client = (host: string) => new ContainerRegistryClient(`https://${host}`, credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });

  it('challenges a forbidden registry again with 401 (its token grants nothing)', async () => {
    const err = await fail(client('secretreg.azurecr.io').listRepositoryNames().next());
    expect(isRestError(err) && err.statusCode).toBe(401);
    expect(body(err).errors?.[0]?.code).toBe('UNAUTHORIZED');
  });

  it('challenges a forbidden repository with 401 and serves the others', async () => {
    const c = client('contoso.azurecr.io');
    expect((await c.getRepository('app').getProperties()).name).toBe('app');
    expect((await fail(c.getRepository('team/secret').getProperties())).statusCode).toBe(401);
  });

  it('answers 404 NAME_UNKNOWN for a missing repository and MANIFEST_UNKNOWN for a missing manifest', async () => {
    const c = client('contoso.azurecr.io');
    const name = await fail(c.getRepository('nope').getProperties());
    expect([name.statusCode, body(name).errors?.[0]?.code]).toEqual([404, 'NAME_UNKNOWN']);
    const content = new ContainerRegistryContentClient('https://contoso.azurecr.io', 'app', credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });
    const manifest = await fail(content.getManifest('sha256:' + '0'.repeat(64)));
    expect([manifest.statusCode, body(manifest).errors?.[0]?.code]).toEqual([404, 'MANIFEST_UNKNOWN']);
  });
});

describe('newer API values', () => {
  it('are served as given by ARM and Resource Graph (test/emulator/fixtures/newer-api-values.estate.json)', async () => {
    const other = await startEmulator({ estate: await loadEstateFile(fileURLToPath(new URL('./fixtures/newer-api-values.estate.json', import.meta.url))) });
    try {
      const expected = { publicNetworkAccess: 'SecuredByPerimeter', roleAssignmentMode: 'AbacRepositoryPermissions', metadataSearch: 'Enabled', autoGeneratedDomainNameLabelScope: 'TenantReuse', someFieldFromTheFuture: { enabled: true } };
      const r = await new ContainerRegistryManagementClient(credential, SUB_A, { agent: other.agent }).registries.get('rg-acr', 'perimeter');
      expect(r).toMatchObject({ publicNetworkAccess: 'SecuredByPerimeter', roleAssignmentMode: 'AbacRepositoryPermissions', loginServer: 'perimeter-f3b2a1c4d5e6f7a8.azurecr.io' });
      const [row] = (await new ResourceGraphClient(credential, { agent: other.agent }).resources({ query: REGISTRIES_QUERY, subscriptions: [SUB_A], options: { resultFormat: 'objectArray' } })).data as { properties: Record<string, unknown> }[];
      expect(row!.properties).toMatchObject(expected);
    } finally {
      await other.close();
    }
  });
});
