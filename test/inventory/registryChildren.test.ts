/**
 * Registry child resources over the wire (issue 13): the real ArmSource adapter (through the ARM client's
 * pipeline) against the loopback emulator, which serves the ARM lists as Azure does (azure-rest-api-specs
 * Microsoft.ContainerRegistry 2025-11-01 TokenList.json, CacheRuleList.json, ReplicationList.json, paged with
 * `nextLink`; 403 at the list's scope; 404 ResourceNotFound for an unknown registry), and `softDeletePolicy` only
 * to a preview API version. Resource Graph never returns the children. Then the nightly audit end to end
 * (emulator + Azurite): one finding per token and cache rule, a forbidden list as a gap that keeps findings,
 * a deleted token's findings resolved as gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { RunningEmulator } from '../../emulator/index.js';
import { loadConfig } from '../../shared/config.js';
import { ArmSource } from '../../shared/inventory/arm.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { MappingError } from '../../shared/inventory/mappers.js';
import { toTokenSnapshot } from '../../shared/inventory/registryChildren.js';
import { findingId } from '../../shared/findings/keys.js';
import { registryChildSubject } from '../../shared/rules/subjects.js';
import { runNightly, startHarness, storedFindings, type Harness } from '../support/harness.js';
import { aRegistry, anEstate, registryId, SUB_A } from '../emulator/builders.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');
const day = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const PREMIUM = registryId(SUB_A, 'rg-acr', 'contoso');
const BASIC = registryId(SUB_A, 'rg-acr', 'contosobasic');
const LONELY = registryId(SUB_A, 'rg-acr', 'contosolonely');

/** A token as TokenList.json lists it; a password `value` in the document is never kept by the adapter. */
const token = (name: string, status: 'enabled' | 'disabled', passwords: Array<Record<string, unknown>> = []) => ({
  name,
  properties: { creationDate: day(100), scopeMapId: `${PREMIUM}/scopeMaps/_repositories_pull`, provisioningState: 'Succeeded', status, credentials: { passwords } },
});
const TOKENS = [
  token('partner-pull', 'enabled', [{ name: 'password1', creationTime: day(100), value: 'never-kept' }]),
  ...Array.from({ length: 119 }, (_, i) => token(`reader-${String(i).padStart(3, '0')}`, 'disabled')),
];

function estate() {
  return anEstate({
    resources: [
      aRegistry({ name: 'contoso', properties: { policies: { softDeletePolicy: { status: 'enabled', retentionDays: 14, lastUpdatedTime: day(3) } } } }),
      aRegistry({ name: 'contosobasic', sku: 'Basic' }),
      aRegistry({ name: 'contosolonely' }),
    ],
    registryChildren: {
      [PREMIUM]: {
        tokens: TOKENS,
        cacheRules: [
          { name: 'hub', properties: { sourceRepository: 'docker.io/library/ubuntu', targetRepository: 'mirror/ubuntu', credentialSetResourceId: `${PREMIUM}/credentialSets/hub-creds`, creationDate: day(5), provisioningState: 'Succeeded' } },
          { name: 'mcr', properties: { sourceRepository: 'mcr.microsoft.com/azurelinux/*', targetRepository: 'base/*', creationDate: day(5), provisioningState: 'Succeeded' } },
        ],
        replications: [
          { name: 'westeurope', location: 'westeurope', properties: { provisioningState: 'Succeeded' } },
          { name: 'eastus', location: 'East US', properties: { provisioningState: 'Succeeded' } },
        ],
      },
    },
  });
}

// One emulator for the file (the managed-identity endpoint is process-wide): the harness's, with Azurite.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ estate: estate(), now: NOW, settings: { AUDITOR_APPROVED_REGISTRIES: 'contoso*.azurecr.io,mcr.microsoft.com', AUDITOR_PROFILE: 'strict' } });
}, 60_000);
afterAll(async () => h?.close());

describe('registry children over ARM (ArmSource + emulator)', () => {
  let emu: RunningEmulator;
  let arm: ArmSource;
  let credential: ManagedIdentityCredential;
  beforeAll(() => {
    emu = h.emulator;
    credential = new ManagedIdentityCredential();
    arm = new ArmSource({ credential, cloud: loadConfig({}).cloud, agent: emu.agent, retry: { maxRetries: 0 } });
  });

  it('lists every token, following nextLink past the first page, with names and dates only', async () => {
    const before = emu.calls().arm;
    const tokens = await arm.listRegistryTokens(PREMIUM);
    expect(tokens).toHaveLength(120);
    expect(emu.calls().arm - before).toBe(2);
    expect(tokens[0]).toEqual({ name: 'partner-pull', status: 'enabled', scopeMap: '_repositories_pull', creationDate: day(100), passwords: [{ name: 'password1', creationTime: day(100) }] });
    expect(JSON.stringify(tokens)).not.toContain('never-kept');
  });

  it('lists cache rules and replication locations; an empty list where the estate has none', async () => {
    expect(await arm.listRegistryCacheRules(PREMIUM)).toEqual([
      { name: 'hub', sourceRepository: 'docker.io/library/ubuntu', targetRepository: 'mirror/ubuntu', credentialSet: 'hub-creds', creationDate: day(5) },
      { name: 'mcr', sourceRepository: 'mcr.microsoft.com/azurelinux/*', targetRepository: 'base/*', creationDate: day(5) },
    ]);
    expect(await arm.listRegistryReplicationLocations(PREMIUM)).toEqual(['eastus', 'westeurope']);
    expect(await arm.listRegistryTokens(BASIC)).toEqual([]);
    expect(await arm.listRegistryCacheRules(BASIC)).toEqual([]);
    // A Premium registry without replicas: its home region only.
    expect(await arm.listRegistryReplicationLocations(LONELY)).toEqual(['westeurope']);
  });

  it('reads softDeletePolicy with a preview API version only: the stable registry read never carries it', async () => {
    expect(await arm.getRegistrySoftDeletePolicy(PREMIUM)).toEqual({ status: 'enabled', retentionDays: 14 });
    expect((await arm.getRegistry(PREMIUM)).policies?.softDelete).toBeUndefined();
    expect(await arm.getRegistrySoftDeletePolicy(BASIC)).toBeNull();
  });

  it('answers 404 ResourceNotFound for an unknown registry and 403 for a forbidden list, as a ScopeReadError naming the list', async () => {
    const unknown = registryId(SUB_A, 'rg-acr', 'nosuch');
    await expect(arm.listRegistryTokens(unknown)).rejects.toMatchObject({ scope: `${unknown}/tokens`, classified: { kind: 'not_found', status: 404, code: 'ResourceNotFound' } });
    emu.estate.emulator.forbidden = [`${PREMIUM}/tokens`];
    try {
      const e = await arm.listRegistryTokens(PREMIUM).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ScopeReadError);
      expect(e).toMatchObject({ scope: `${PREMIUM}/tokens`, classified: { kind: 'forbidden', status: 403, code: 'AuthorizationFailed' } });
      // The registry and its other children stay readable.
      expect(await arm.listRegistryCacheRules(PREMIUM)).toHaveLength(2);
    } finally {
      emu.estate.emulator.forbidden = [];
    }
  });

  it('Resource Graph does not return tokens or cache rules', async () => {
    const client = new ResourceGraphClient(credential, { agent: emu.agent });
    const page = await client.resources({ query: "resources | where type contains 'containerregistry/registries/'", subscriptions: [SUB_A], options: { resultFormat: 'objectArray' } });
    expect(page.data).toEqual([]);
  });

  it('refuses malformed or unbounded items instead of reading them as compliant', () => {
    expect(() => toTokenSnapshot({ name: '../x', properties: {} }, PREMIUM)).toThrow(MappingError);
    expect(() => toTokenSnapshot({ name: 't', properties: { credentials: { passwords: [{ name: 'password1', expiry: 42 }] } } }, PREMIUM)).toThrow(/expected a date string/);
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `p${i}` }));
    expect(() => toTokenSnapshot({ name: 't', properties: { credentials: { passwords: many } } }, PREMIUM)).toThrow(/more than 10 passwords/);
  });
});

describe('nightly audit of registry children (emulator + Azurite)', () => {
  const partner = (rule: string) => findingId(rule, PREMIUM, registryChildSubject(PREMIUM, 'tokens', 'partner-pull'));
  const hub = findingId('registry.cache-rules-approved', PREMIUM, registryChildSubject(PREMIUM, 'cacheRules', 'hub'));


  it('opens one finding per failing token and cache rule, and soft delete answers per registry', async () => {
    const r1 = await runNightly(h, 'rc-1', { workers: 2 });
    expect(r1.run.status, JSON.stringify((await h.host.services.runs.listShards('rc-1')).flatMap((s) => s.gaps))).toBe('complete');
    const open = (await storedFindings(h)).filter((f) => f.status === 'open');
    const ids = new Set(open.map((f) => f.id));
    expect(ids.has(partner('registry.scoped-tokens-disabled'))).toBe(true);
    expect(ids.has(partner('registry.token-passwords-expire'))).toBe(true);
    expect(ids.has(hub)).toBe(true);
    expect(open.filter((f) => f.ruleId === 'registry.scoped-tokens-disabled')).toHaveLength(1);
    expect(open.filter((f) => f.ruleId === 'registry.cache-rules-approved')).toHaveLength(1);
    expect(open.find((f) => f.id === hub)!.evidence).toMatchObject({ sourceRepository: 'docker.io/library/ubuntu', upstream: 'docker.io', credentialSet: 'hub-creds' });
    // Soft delete: on for contoso; off for contosobasic and contosolonely (home replica only).
    const softDelete = open.filter((f) => f.ruleId === 'registry.soft-delete-enabled').map((f) => f.resourceId).sort();
    expect(softDelete).toEqual([BASIC, LONELY].sort());
  }, 90_000);

  it('a forbidden token list is a gap: the run is partial and the token findings stay open', async () => {
    h.emulator.estate = { ...h.emulator.estate, emulator: { ...(h.emulator.estate.emulator ?? {}), forbidden: [`${PREMIUM}/tokens`] } } as never;
    try {
      expect((await runNightly(h, 'rc-2', { workers: 2 })).run.status).toBe('partial');
      const after = await storedFindings(h);
      expect(after.find((f) => f.id === partner('registry.scoped-tokens-disabled'))).toMatchObject({ status: 'open' });
      expect(after.find((f) => f.ruleId === 'audit.scope-readable' && f.subject === `${PREMIUM}/tokens` && f.status === 'open')).toBeDefined();
    } finally {
      h.emulator.estate = { ...h.emulator.estate, emulator: { ...(h.emulator.estate.emulator ?? {}), forbidden: [] } } as never;
    }
  }, 90_000);

  it('a token deleted from the registry: its findings resolve as gone on the next complete list', async () => {
    const children = h.emulator.estate.registryChildren[PREMIUM]!;
    children.tokens = children.tokens!.filter((t) => t.name !== 'partner-pull');
    expect((await runNightly(h, 'rc-3', { workers: 2 })).run.status).toBe('complete');
    const after = await storedFindings(h);
    for (const rule of ['registry.scoped-tokens-disabled', 'registry.token-passwords-expire']) {
      expect(after.find((f) => f.id === partner(rule)), rule).toMatchObject({ status: 'resolved', resolution: 'gone' });
    }
    expect(after.find((f) => f.id === hub)).toMatchObject({ status: 'open' });
  }, 90_000);
});
