/**
 * "Who changed it" (issue 13): registry-setting changes from Resource Graph `resourcechanges`, one query per
 * run. The mapper (addSettingChanges) folds rows into the latest change per watched setting, bounded; the
 * adapter (ResourceGraphSource.registrySettingChanges) is driven over HTTPS with the real SDK and the real
 * managed-identity credential against the loopback emulator, which serves change rows in Azure's shape
 * ("Get resource changes", learn.microsoft.com/azure/governance/resource-graph/changes/get-resource-changes;
 * azure-rest-api-specs Microsoft.Resources/changes 2022-05-01) and refuses rows Azure would never send.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadEstate, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { DEMO_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { addSettingChanges, SETTING_CHANGE_BOUNDS, watchedSettingPath } from '../../shared/inventory/mappers.js';
import { ADMIN_USER_CHANGES_QUERY } from '../../shared/inventory/queries.js';
import { ResourceGraphSource } from '../../shared/inventory/resourceGraph.js';
import { REGISTRY_SETTING_PATHS, type RegistrySettingChanges } from '../../shared/domain/snapshots.js';
import { registryAnonymousPullDisabled } from '../../shared/rules/registry.anonymous-pull-disabled.js';
import { registryQuarantineEnabled } from '../../shared/rules/registry.quarantine-enabled.js';
import { ruleParams } from '../../shared/rules/params.js';
import { changeEvidence } from '../../shared/rules/settingChanges.js';
import { aRegistry, anEstate, registryId, SUB_A, SUB_B, TENANT } from '../emulator/builders.js';
import { emulatorConnection } from '../emulator/connection.js';

const CONTOSO = registryId(SUB_A, 'rg-acr', 'contoso');
const FABRIKAM = registryId(SUB_A, 'rg-acr', 'fabrikam');

/** A resourcechanges row as Resource Graph serves it (ARG lower-cases the provider part of targetResourceId). */
function aChangeRow(
  n: number,
  target: string,
  o: { changeType?: 'Create' | 'Update' | 'Delete'; timestamp: string; changedBy?: string; clientType?: string; targetResourceType?: string; changes?: Record<string, { previousValue?: string | null; newValue?: string | null; propertyChangeType?: string }> },
): Record<string, unknown> {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(target)![1]!;
  const rg = /\/resourceGroups\/([^/]+)/i.exec(target)![1]!;
  const changeType = o.changeType ?? 'Update';
  return {
    id: `${target}/providers/Microsoft.Resources/changes/c${n}`, name: `c${n}`, type: 'microsoft.resources/changes', tenantId: TENANT,
    resourceGroup: rg.toLowerCase(), subscriptionId: sub,
    properties: {
      targetResourceId: target.replace('/providers/Microsoft.ContainerRegistry/', '/providers/microsoft.containerregistry/'),
      targetResourceType: o.targetResourceType ?? 'microsoft.containerregistry/registries',
      changeType,
      changeAttributes: {
        correlationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, changedByType: 'User', changesCount: Object.keys(o.changes ?? {}).length,
        ...(o.clientType ? { clientType: o.clientType } : {}), ...(o.changedBy ? { changedBy: o.changedBy } : {}),
        operation: 'microsoft.containerregistry/registries/write', timestamp: o.timestamp,
      },
      ...(changeType === 'Update' ? { changes: Object.fromEntries(Object.entries(o.changes ?? {}).map(([k, c]) => [k, { changeCategory: 'User', propertyChangeType: 'Update', ...c }])) } : {}),
    },
  };
}

describe('addSettingChanges (mapper)', () => {
  it('keeps per registry and watched setting only the newest change, whatever the row order, and ignores other keys', () => {
    const rows = [
      aChangeRow(1, CONTOSO, { timestamp: '2026-01-20T10:00:00.000+00:00', changedBy: 'alice@contoso.com', changes: { 'properties.publicNetworkAccess': { previousValue: 'Disabled', newValue: 'Enabled' }, 'tags.team': { newValue: 'x' } } }),
      aChangeRow(2, CONTOSO, { timestamp: '2026-01-25T10:00:00Z', changedBy: 'bob@contoso.com', changes: { 'properties.publicNetworkAccess': { previousValue: 'Enabled', newValue: 'Disabled' } } }),
      aChangeRow(3, CONTOSO, { timestamp: '2026-01-22T10:00:00Z', changedBy: 'carol@contoso.com', changes: { 'properties.publicNetworkAccess': { previousValue: 'Enabled', newValue: 'Enabled' }, 'properties.provisioningState': { newValue: 'Succeeded' } } }),
    ];
    for (const order of [rows, [...rows].reverse()]) {
      const map = new Map<string, RegistrySettingChanges>();
      for (const r of order) addSettingChanges(map, r);
      expect([...map.keys()]).toEqual([CONTOSO.toLowerCase()]);
      expect(map.get(CONTOSO.toLowerCase())).toEqual({
        latest: {
          'properties.publicNetworkAccess': {
            property: 'properties.publicNetworkAccess', changedAt: '2026-01-25T10:00:00.000Z', changedBy: 'bob@contoso.com', changedByType: 'User',
            operation: 'microsoft.containerregistry/registries/write', propertyChangeType: 'Update', previousValue: 'Enabled', newValue: 'Disabled',
          },
        },
      });
    }
  });

  it('keeps the newest Create record, reads array settings by prefix, and skips rows it cannot attribute', () => {
    const map = new Map<string, RegistrySettingChanges>();
    const pe = 'properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status';
    addSettingChanges(map, aChangeRow(1, CONTOSO, { changeType: 'Create', timestamp: '2026-01-10T00:00:00Z', changedBy: 'old@contoso.com' }));
    addSettingChanges(map, aChangeRow(2, CONTOSO, { changeType: 'Create', timestamp: '2026-01-12T00:00:00Z', changedBy: 'new@contoso.com', clientType: 'ARM Template' }));
    addSettingChanges(map, aChangeRow(3, CONTOSO, { timestamp: '2026-01-13T00:00:00Z', changes: { [pe]: { previousValue: 'Pending', newValue: 'Approved' } } }));
    // Not attributable: a deletion, no timestamp, another resource type, no properties at all.
    addSettingChanges(map, aChangeRow(4, FABRIKAM, { changeType: 'Delete', timestamp: '2026-01-13T00:00:00Z' }));
    addSettingChanges(map, aChangeRow(5, FABRIKAM, { timestamp: 'yesterday', changes: { 'properties.adminUserEnabled': { newValue: 'True' } } }));
    addSettingChanges(map, aChangeRow(6, FABRIKAM, { timestamp: '2026-01-13T00:00:00Z', targetResourceType: 'microsoft.compute/virtualmachines', changes: { 'properties.adminUserEnabled': { newValue: 'True' } } }));
    addSettingChanges(map, { id: 'x' });
    addSettingChanges(map, null);
    expect([...map.keys()]).toEqual([CONTOSO.toLowerCase()]);
    const c = map.get(CONTOSO.toLowerCase())!;
    expect(c.created).toEqual({ changedAt: '2026-01-12T00:00:00.000Z', changedBy: 'new@contoso.com', changedByType: 'User', clientType: 'ARM Template', operation: 'microsoft.containerregistry/registries/write' });
    expect(c.latest['properties.privateEndpointConnections']).toMatchObject({ property: pe, newValue: 'Approved' });
  });

  it('bounds every string it keeps from estate content, and holds at most one change per watched setting', () => {
    const long = 'x'.repeat(5_000);
    const changes = Object.fromEntries([
      ...REGISTRY_SETTING_PATHS.map((p) => [p, { previousValue: long, newValue: long }]),
      ...Array.from({ length: 500 }, (_, i) => [`properties.privateEndpointConnections[${i}].name`, { newValue: long }]),
    ]);
    const map = new Map<string, RegistrySettingChanges>();
    addSettingChanges(map, { properties: { targetResourceId: CONTOSO, changeType: 'Update', changeAttributes: { timestamp: '2026-01-13T00:00:00Z', changedBy: long, clientType: long, operation: long, changedByType: long }, changes } });
    const c = map.get(CONTOSO.toLowerCase())!;
    expect(Object.keys(c.latest)).toHaveLength(REGISTRY_SETTING_PATHS.length + 1);
    for (const change of Object.values(c.latest)) {
      expect(change!.changedBy!.length).toBeLessThanOrEqual(SETTING_CHANGE_BOUNDS.changedBy + 20);
      expect(change!.changedBy).toMatch(/…\[truncated\]$/);
      expect(change!.clientType!.length).toBeLessThanOrEqual(SETTING_CHANGE_BOUNDS.clientType + 20);
      expect(change!.operation!.length).toBeLessThanOrEqual(SETTING_CHANGE_BOUNDS.operation + 20);
      expect(change!.newValue!.length).toBeLessThanOrEqual(SETTING_CHANGE_BOUNDS.value + 20);
    }
    expect(JSON.stringify(c).length).toBeLessThan(20_000);
  });

  it('watches exactly the settings paths and the array prefixes', () => {
    expect(watchedSettingPath('properties.adminUserEnabled')).toBe('properties.adminUserEnabled');
    expect(watchedSettingPath('properties.networkRuleSet.ipRules[2].value')).toBe('properties.networkRuleSet.ipRules');
    expect(watchedSettingPath('properties.privateEndpointConnectionsX')).toBeUndefined();
    expect(watchedSettingPath('properties.provisioningState')).toBeUndefined();
    expect(watchedSettingPath('tags.adminUserEnabled')).toBeUndefined();
  });
});

describe('ResourceGraphSource.registrySettingChanges over HTTPS against the emulator', () => {
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  async function source(estate: unknown) {
    emu = await startEmulator({ estate: loadEstate(estate, 'test estate') });
    return new ResourceGraphSource(emulatorConnection(emu));
  }

  it('reads the latest change of every watched setting and the creations in one paged query; other changes and unreadable registries are absent', async () => {
    const hidden = registryId(SUB_A, 'rg-locked', 'locked');
    const vm = `/subscriptions/${SUB_A}/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/vm1`;
    // More than one page (1,000 rows): the adapter follows the skip token.
    const noise = Array.from({ length: 1_200 }, (_, i) => aChangeRow(1000 + i, FABRIKAM, { timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), changedBy: `bot${i}@contoso.com`, changes: { 'properties.policies.quarantinePolicy.status': { previousValue: 'enabled', newValue: i % 2 ? 'disabled' : 'enabled' } } }));
    const graph = await source(anEstate({
      resources: [aRegistry({ name: 'contoso', properties: { anonymousPullEnabled: true } }), aRegistry({ name: 'fabrikam' }), aRegistry({ name: 'locked', rg: 'rg-locked' })],
      resourcechanges: [
        aChangeRow(1, CONTOSO, { timestamp: '2026-01-20T10:00:00Z', changedBy: 'alice@contoso.com', clientType: 'Azure Portal', changes: { 'properties.anonymousPullEnabled': { previousValue: 'False', newValue: 'True' } } }),
        aChangeRow(2, CONTOSO, { timestamp: '2026-01-21T10:00:00Z', changedBy: 'bob@contoso.com', changes: { 'tags.team': { newValue: 'x' } } }),
        aChangeRow(3, CONTOSO, { timestamp: '2026-01-22T10:00:00Z', changedBy: 'carol@contoso.com', changes: { 'properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status': { previousValue: 'Pending', newValue: 'Approved' } } }),
        aChangeRow(4, FABRIKAM, { changeType: 'Create', timestamp: '2025-12-31T00:00:00Z', changedBy: 'pipeline' }),
        aChangeRow(5, hidden, { timestamp: '2026-01-22T10:00:00Z', changedBy: 'eve@contoso.com', changes: { 'properties.adminUserEnabled': { newValue: 'True' } } }),
        aChangeRow(6, vm, { timestamp: '2026-01-22T10:00:00Z', targetResourceType: 'microsoft.compute/virtualmachines', changes: { 'properties.adminUserEnabled': { newValue: 'True' } } }),
        ...noise,
      ],
      emulator: { forbidden: [`/subscriptions/${SUB_A}/resourceGroups/rg-locked`] },
    }));
    const changes = await graph.registrySettingChanges([SUB_A, SUB_B]);
    expect([...changes.keys()].sort()).toEqual([CONTOSO.toLowerCase(), FABRIKAM.toLowerCase()]);
    const contoso = changes.get(CONTOSO.toLowerCase())!;
    expect(Object.keys(contoso.latest).sort()).toEqual(['properties.anonymousPullEnabled', 'properties.privateEndpointConnections']);
    expect(contoso.latest['properties.anonymousPullEnabled']).toMatchObject({ changedBy: 'alice@contoso.com', clientType: 'Azure Portal', changedAt: '2026-01-20T10:00:00.000Z', previousValue: 'False', newValue: 'True', propertyChangeType: 'Update' });
    expect(contoso.latest['properties.privateEndpointConnections']).toMatchObject({ changedBy: 'carol@contoso.com', newValue: 'Approved' });
    const fabrikam = changes.get(FABRIKAM.toLowerCase())!;
    expect(fabrikam.created).toMatchObject({ changedBy: 'pipeline', changedAt: '2025-12-31T00:00:00.000Z' });
    // The newest of 1,200 quarantine changes over two pages.
    expect(fabrikam.latest['properties.policies.quarantinePolicy.status']).toMatchObject({ changedBy: 'bot1199@contoso.com', newValue: 'disabled' });

    // The same facts as evidence of the rule that fails on contoso.
    const registry = await first(graph.listRegistries([SUB_A]), 'contoso');
    const e = registryAnonymousPullDisabled.evaluate({ registry, settingChanges: contoso }, { now: new Date('2026-02-01T00:00:00Z'), params: ruleParams({}) });
    expect(e).toMatchObject({ status: 'fail', evidence: { anonymousPullEnabled: true, lastChange: { changeType: 'Update', changedBy: 'alice@contoso.com', changedAt: '2026-01-20T10:00:00.000Z', newValue: 'True' } } });
  });

  it('the query also answers the old question: who turned the admin user on (adminUserEnabledChanges)', async () => {
    const graph = await source(anEstate({
      resources: [aRegistry({ name: 'contoso', properties: { adminUserEnabled: true } })],
      resourcechanges: [
        aChangeRow(1, CONTOSO, { timestamp: '2026-01-20T10:00:00Z', changedBy: 'alice@contoso.com', changes: { 'properties.adminUserEnabled': { previousValue: 'False', newValue: 'True' } } }),
        aChangeRow(2, CONTOSO, { timestamp: '2026-01-25T10:00:00Z', changedBy: 'bob@contoso.com', changes: { 'properties.publicNetworkAccess': { previousValue: 'Disabled', newValue: 'Enabled' } } }),
      ],
    }));
    expect(await graph.adminUserEnabledChanges([SUB_A])).toEqual(new Map([[CONTOSO.toLowerCase(), expect.objectContaining({ changedBy: 'alice@contoso.com', timestamp: '2026-01-20T10:00:00Z' })]]));
  });

  it('the demo estate: who switched anonymous pull on for contosodev, and who created contosoedge', async () => {
    const now = new Date('2026-11-22T02:00:00Z');
    const graph = await source(demoEstate(now));
    const changes = await graph.registrySettingChanges();
    const dev = changes.get(DEMO_REGISTRIES.dev.id.toLowerCase())!;
    expect(dev.latest['properties.anonymousPullEnabled']).toMatchObject({ changedBy: 'alice.nguyen@contoso.com', clientType: 'Azure Portal', previousValue: 'False', newValue: 'True' });
    const edge = changes.get(DEMO_REGISTRIES.edge.id.toLowerCase())!;
    expect(edge.created).toMatchObject({ changedByType: 'Application', clientType: 'ARM Template' });
    expect(edge.latest).toEqual({});
    const platform = changes.get(DEMO_REGISTRIES.platform.id.toLowerCase())!;
    expect(platform.latest['properties.adminUserEnabled']).toMatchObject({ changedBy: 'j.doe@contoso.com', newValue: 'True' });
    // contosoedge's failing quarantine setting was left as its creator made it.
    const edgeRegistry = await first(graph.listRegistries(), DEMO_REGISTRIES.edge.name);
    const q = registryQuarantineEnabled.evaluate({ registry: edgeRegistry, settingChanges: edge }, { now, params: ruleParams({}) });
    expect(q).toMatchObject({ status: 'fail', evidence: { lastChange: { changeType: 'Create', changedByType: 'Application' } } });
    // contosoprod went private 10 days ago (a compliant change): kept too, and it leads to the current value.
    expect(changeEvidence({ settingChanges: changes.get(DEMO_REGISTRIES.prod.id.toLowerCase())! }, { 'properties.publicNetworkAccess': 'Disabled' })).toMatchObject({ previousValue: 'Enabled' });
  });
});

describe('the emulator serves change rows only in the shape Azure sends them', () => {
  const estateWith = (properties: Record<string, unknown>) => ({
    tenantId: TENANT,
    subscriptions: [{ subscriptionId: SUB_A, displayName: 'prod' }],
    resourcechanges: [{ id: `${CONTOSO}/providers/Microsoft.Resources/changes/c1`, type: 'microsoft.resources/changes', subscriptionId: SUB_A, properties: { targetResourceId: CONTOSO, ...properties } }],
  });

  it.each([
    ['a JSON boolean as a value (Azure renders True/False as strings)', { changeType: 'Update', changes: { 'properties.adminUserEnabled': { newValue: true } } }, /newValue/],
    ['a changes dictionary on a Create record', { changeType: 'Create', changes: { 'properties.adminUserEnabled': { newValue: 'True' } } }, /only Update records carry changes/],
    ['an unknown change type', { changeType: 'Modify' }, /changeType/],
    ['an unknown propertyChangeType', { changeType: 'Update', changes: { 'properties.adminUserEnabled': { newValue: 'True', propertyChangeType: 'Replace' } } }, /propertyChangeType/],
  ])('refuses %s', (_what, properties, message) => {
    expect(() => loadEstate(estateWith(properties), 'estate')).toThrow(message);
  });

  it('accepts any property path, with or without the newer fields', () => {
    expect(() => loadEstate(estateWith({ changeType: 'Update', changes: { 'properties.some.future.setting': { previousValue: null, newValue: 'x' } } }), 'estate')).not.toThrow();
    expect(() => loadEstate(estateWith({ changeType: 'Delete', changeAttributes: { timestamp: '2026-01-01T00:00:00Z' } }), 'estate')).not.toThrow();
  });

  it('the run-level query is the one the adapter sends', () => {
    expect(ADMIN_USER_CHANGES_QUERY).toContain("tostring(properties.changes) contains 'properties.privateEndpointConnections'");
    for (const p of REGISTRY_SETTING_PATHS) expect(ADMIN_USER_CHANGES_QUERY).toContain(`isnotnull(properties.changes['${p}'])`);
  });
});

async function first<T extends { name: string }>(items: AsyncIterable<{ registry: T } | { error: unknown }>, name: string): Promise<T> {
  for await (const item of items) if ('registry' in item && item.registry.name === name) return item.registry;
  throw new Error(`registry ${name} not listed`);
}
