/**
 * What users meet in real Azure, reproduced by the emulator's switches: quotas answered with 429 +
 * Retry-After, injected 5xx / resets / timeouts, survived by the real SDK clients' retries.
 */
import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerRegistryClient, KnownContainerRegistryAudience } from '@azure/container-registry';
import { EstateError, loadEstate, startEmulator, type Estate, type RunningEmulator } from '../../emulator/index.js';
import { REGISTRIES_QUERY } from '../../shared/inventory/queries.js';
import { aManifest, aRegistry, anEstate, SUB_A, TENANT } from './builders.js';

let emu: RunningEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

async function start(estate: Estate, timeoutFaultMs?: number) {
  emu = await startEmulator({ estate, ...(timeoutFaultMs ? { timeoutFaultMs } : {}) });
  process.env['IDENTITY_ENDPOINT'] = emu.identityEndpoint;
  process.env['IDENTITY_HEADER'] = emu.identityHeader;
  return { emu, credential: new ManagedIdentityCredential() };
}

const registryEstate = (emulator: Record<string, unknown>, repos = 3) => anEstate({
  resources: [aRegistry({ name: 'contoso' })],
  registryContent: { 'contoso.azurecr.io': { repositories: Object.fromEntries(Array.from({ length: repos }, (_, i) => [`repo${String(i).padStart(4, '0')}`, { manifests: [aManifest(i)] }])) } },
  emulator,
});

describe('quotas', () => {
  it('answers Resource Graph over quota with 429 + Retry-After, which the SDK honours', async () => {
    const { emu, credential } = await start(registryEstate({ quotas: { resourceGraph: { requests: 2, perSeconds: 1 } } }));
    const client = new ResourceGraphClient(credential, { agent: emu.agent });
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const r = await client.resources({ query: REGISTRIES_QUERY, subscriptions: [SUB_A], options: { resultFormat: 'objectArray' } });
      expect(r.count).toBe(1);
    }
    expect(emu.calls().resourceGraph).toBe(4); // the third query was throttled once, then retried
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('throttles registry reads per SKU with 429 + Retry-After, which the SDK honours', async () => {
    const { emu, credential } = await start(registryEstate({ quotas: { registryReadsPerMinute: { Premium: 600 } } }, 615));
    const client = new ContainerRegistryClient('https://contoso.azurecr.io', credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });
    let pages = 0;
    for await (const _ of client.listRepositoryNames().byPage({ maxPageSize: 1 })) pages++;
    expect(pages).toBe(615);
    expect(emu.calls().registry).toBeGreaterThan(616); // challenge + token + 615 pages + at least one 429
  }, 20_000);
});

describe('faults', () => {
  it('survives an injected 503 on every 2nd registry call', async () => {
    const { emu, credential } = await start(registryEstate({ faults: [{ service: 'registry', status: 503, every: 2 }] }));
    const client = new ContainerRegistryClient('https://contoso.azurecr.io', credential, { audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud, agent: emu.agent });
    const names: string[] = [];
    for await (const n of client.listRepositoryNames()) names.push(n);
    expect(names).toEqual(['repo0000', 'repo0001', 'repo0002']);
  });

  it('survives connection resets and a timeout on ARM', async () => {
    const { emu, credential } = await start(registryEstate({ faults: [{ service: 'arm', status: 'reset', every: 2 }, { service: 'arm', status: 'timeout', every: 5 }] }), 300);
    const client = new ContainerRegistryManagementClient(credential, SUB_A, { agent: emu.agent, retryOptions: { retryDelayInMs: 20 } });
    for (let i = 0; i < 4; i++) expect((await client.registries.get('rg-acr', 'contoso')).name).toBe('contoso');
    expect(emu.calls().arm).toBeGreaterThan(4);
  }, 20_000);

  it('answers an unknown host with 404', async () => {
    const { emu } = await start(registryEstate({}));
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: 'localhost', path: '/', agent: emu.agent }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    expect(status).toBe(404);
  });
});

describe('estate validation', () => {
  it('names the JSON path of a bad value', () => {
    const bad = { tenantId: TENANT, subscriptions: [], resources: [{ ...aRegistry({ name: 'x' }), properties: { loginServer: 42 } }] };
    expect(() => loadEstate(bad, 'estate.json')).toThrow(EstateError);
    expect(() => loadEstate(bad, 'estate.json')).toThrow('estate.json: resources[0].properties.loginServer: expected string');
  });

  it('rejects unknown top-level keys and keeps unknown keys inside Azure objects', () => {
    expect(() => loadEstate({ tenantId: TENANT, subscriptions: [], resourcez: [] }, 'e.json')).toThrow(/unknown key "resourcez"/);
    const e = loadEstate({ tenantId: TENANT, subscriptions: [], resources: [{ ...aRegistry({ name: 'x' }), futureField: 1 }] });
    expect(e.resources[0]).toHaveProperty('futureField', 1);
  });
});
