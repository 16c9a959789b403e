/**
 * "Who changed it" (issue 13), end to end: the nightly planner reads registry-setting changes once per run
 * (Resource Graph `resourcechanges` on the loopback emulator, real SDK), hands each registry shard its own
 * through the run context (Azurite), and failing registry-setting findings carry who made the setting what
 * it is and when. The evidence is stable: an unchanged estate rewrites nothing; a newer change updates the
 * finding without reopening it; an unreadable change log never stops the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { findingId } from '../../shared/findings/keys.js';
import type { NightlyDeps } from '../../shared/usecases/nightly.js';
import { aRegistry, anEstate, registryId, SUB_A, TENANT } from '../emulator/builders.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-02-01T02:00:00Z');
const CONTOSO = registryId(SUB_A, 'rg-acr', 'contoso');
const ANONYMOUS = findingId('registry.anonymous-pull-disabled', CONTOSO, CONTOSO);
const PUBLIC = findingId('registry.public-network-restricted', CONTOSO, CONTOSO);
const ADMIN = findingId('registry.admin-user-disabled', CONTOSO, CONTOSO);

function change(n: number, timestamp: string, changedBy: string, changes: Record<string, { previousValue: string; newValue: string }>) {
  const target = CONTOSO.replace('/providers/Microsoft.ContainerRegistry/', '/providers/microsoft.containerregistry/');
  return {
    id: `${target}/providers/Microsoft.Resources/changes/c${n}`, name: `c${n}`, type: 'microsoft.resources/changes', tenantId: TENANT, resourceGroup: 'rg-acr', subscriptionId: SUB_A,
    properties: {
      targetResourceId: target, targetResourceType: 'microsoft.containerregistry/registries', changeType: 'Update',
      changeAttributes: { changedBy, changedByType: 'User', clientType: 'Azure Portal', operation: 'microsoft.containerregistry/registries/write', timestamp, changesCount: Object.keys(changes).length },
      changes: Object.fromEntries(Object.entries(changes).map(([k, c]) => [k, { ...c, changeCategory: 'User', propertyChangeType: 'Update' }])),
    },
  };
}

describe('nightly: failing registry-setting findings name who changed the setting', () => {
  let h: Harness;
  const findings = async () => {
    const out = new Map<string, StoredFinding>();
    for await (const f of h.host.services.findings.listFindings()) out.set(f.id, f);
    return out;
  };
  const nightly = (runId: string, deps: NightlyDeps = h.host.services.deps) =>
    runNightlyLocally(deps, { queue: h.host.services.shardQueue, poison: h.host.services.shardPoisonQueue }, { runId, workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });

  beforeAll(async () => {
    h = await startHarness({
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: 'contoso.azurecr.io' },
      estate: anEstate({
        resources: [aRegistry({ name: 'contoso', sku: 'Standard', properties: { adminUserEnabled: true, anonymousPullEnabled: true, publicNetworkAccess: 'Enabled' } })],
        registryContent: { 'contoso.azurecr.io': { repositories: {} } },
        resourcechanges: [
          change(1, '2026-01-25T09:00:00Z', 'alice@contoso.com', { 'properties.anonymousPullEnabled': { previousValue: 'False', newValue: 'True' } }),
          change(2, '2026-01-27T09:00:00Z', 'bob@contoso.com', { 'properties.publicNetworkAccess': { previousValue: 'Disabled', newValue: 'Enabled' } }),
          change(5, '2026-01-28T09:00:00Z', 'dave@contoso.com', { 'properties.adminUserEnabled': { previousValue: 'False', newValue: 'True' } }),
        ],
      }),
    });
  });
  afterAll(async () => h?.close());

  it('the first run opens the findings with who and when', async () => {
    const r = await nightly('run-1');
    expect(r.run.status).toBe('complete');
    const f = await findings();
    expect(f.get(ANONYMOUS)).toMatchObject({ status: 'open', evidence: { anonymousPullEnabled: true, lastChange: { changeType: 'Update', changedBy: 'alice@contoso.com', changedAt: '2026-01-25T09:00:00.000Z', clientType: 'Azure Portal', property: 'properties.anonymousPullEnabled', previousValue: 'False', newValue: 'True' } } });
    expect(f.get(PUBLIC)).toMatchObject({ status: 'open', evidence: { lastChange: { changedBy: 'bob@contoso.com', property: 'properties.publicNetworkAccess', newValue: 'Enabled' } } });
    // The admin-user rule keeps its own evidence, now derived from the same query.
    expect(f.get(ADMIN)!.evidence).toMatchObject({ adminUserEnabled: true, enabledBy: 'dave@contoso.com', enabledAt: '2026-01-28T09:00:00.000Z', clientType: 'Azure Portal' });
    expect(f.get(ADMIN)!.evidence).not.toHaveProperty('lastChange');
  });

  it('an unchanged estate rewrites nothing: the evidence is stable from night to night', async () => {
    const before = await findings();
    const r = await nightly('run-2');
    expect(r.run.status).toBe('complete');
    const after = await findings();
    // (Nightly-only rules; registry.admin-user-disabled runs at push time too, so the nightly always records its observation.)
    for (const id of [ANONYMOUS, PUBLIC]) expect(after.get(id)!.etag).toBe(before.get(id)!.etag);
  });

  it('a newer change names its author on the open finding, without reopening it', async () => {
    const estate = h.emulator.estate as unknown as { resourcechanges: unknown[] };
    h.emulator.estate = {
      ...h.emulator.estate,
      resourcechanges: [
        ...estate.resourcechanges,
        change(3, '2026-01-30T09:00:00Z', 'carol@contoso.com', { 'properties.anonymousPullEnabled': { previousValue: 'False', newValue: 'True' } }),
      ],
    } as never;
    const first = (await findings()).get(ANONYMOUS)!;
    const r = await nightly('run-3');
    expect(r.run.counts).toMatchObject({ opened: 0, resolved: 0 });
    const f = (await findings()).get(ANONYMOUS)!;
    expect(f).toMatchObject({ status: 'open', firstSeen: first.firstSeen, evidence: { lastChange: { changedBy: 'carol@contoso.com', changedAt: '2026-01-30T09:00:00.000Z' } } });
    expect((f.history ?? []).map((e) => e.kind)).toEqual((first.history ?? []).map((e) => e.kind));
  });

  it('an unreadable change log: the run completes and the findings stay open, without who', async () => {
    const s = h.host.services;
    const graph = s.deps.azure.graph;
    const failing: NightlyDeps = {
      ...s.deps,
      azure: { ...s.deps.azure, graph: Object.assign(Object.create(graph) as typeof graph, { registrySettingChanges: () => Promise.reject(new Error('resourcechanges: 403')) }) },
    };
    const r = await nightly('run-4', failing);
    expect(r.run.status).toBe('complete');
    expect(r.run.counts).toMatchObject({ resolved: 0 });
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes('who changed registry settings'))).toBe(true);
    const f = (await findings()).get(ANONYMOUS)!;
    expect(f.status).toBe('open');
    expect(f.evidence).not.toHaveProperty('lastChange');
  });
});
