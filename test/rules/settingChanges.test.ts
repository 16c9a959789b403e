/**
 * "Who changed it" (issue 13): the kit helper that turns a registry's latest setting changes (Resource Graph
 * `resourcechanges`) into finding evidence, and every registry-setting rule that uses it: a failing result
 * names who made the setting what it is and when, a passing one never does, and without the changes the
 * evidence is exactly what it was.
 */
import { describe, expect, it } from 'vitest';
import type { RegistrySettingChanges, SettingChangeFacts } from '../../shared/domain/snapshots.js';
import type { Rule } from '../../shared/rules/kit.js';
import { changeEvidence, withChangeEvidence } from '../../shared/rules/settingChanges.js';
import { registryAbacPermissionsEnabled } from '../../shared/rules/registry.abac-permissions-enabled.js';
import { registryAdminUserDisabled } from '../../shared/rules/registry.admin-user-disabled.js';
import { registryAnonymousPullDisabled } from '../../shared/rules/registry.anonymous-pull-disabled.js';
import { registryArmAudienceTokensDisabled } from '../../shared/rules/registry.arm-audience-tokens-disabled.js';
import { registryCmkEncrypted } from '../../shared/rules/registry.cmk-encrypted.js';
import { registryContentTrustMigrated } from '../../shared/rules/registry.content-trust-migrated.js';
import { registryDedicatedDataEndpoints } from '../../shared/rules/registry.dedicated-data-endpoints.js';
import { registryExportsDisabled } from '../../shared/rules/registry.exports-disabled.js';
import { registryPrivateEndpointsTrusted } from '../../shared/rules/registry.private-endpoints-trusted.js';
import { registryPrivateLinkUsed } from '../../shared/rules/registry.private-link-used.js';
import { registryPublicNetworkDisabled } from '../../shared/rules/registry.public-network-disabled.js';
import { registryPublicNetworkRestricted } from '../../shared/rules/registry.public-network-restricted.js';
import { registryQuarantineEnabled } from '../../shared/rules/registry.quarantine-enabled.js';
import { registryRetentionEnabled } from '../../shared/rules/registry.retention-enabled.js';
import { registrySoftDeleteEnabled } from '../../shared/rules/registry.soft-delete-enabled.js';
import { registryVulnerabilityScanningEffective } from '../../shared/rules/registry.vulnerability-scanning-effective.js';
import { ctx, registryFacts } from './builders.js';

const WHO = { changedBy: 'mallory@contoso.com', changedByType: 'User', clientType: 'Azure Portal', operation: 'microsoft.containerregistry/registries/write' };

function aChange(property: string, newValue: string | undefined, changedAt = '2025-06-10T08:00:00.000Z', extra: Partial<SettingChangeFacts> = {}): SettingChangeFacts {
  return { property, changedAt, ...WHO, propertyChangeType: 'Update', previousValue: 'before', ...(newValue !== undefined ? { newValue } : {}), ...extra };
}

function changes(...list: Array<[path: string, change: SettingChangeFacts]>): RegistrySettingChanges {
  return { latest: Object.fromEntries(list) };
}

describe('changeEvidence', () => {
  it('is undefined when the changes were not read, or nothing is recorded for the setting', () => {
    expect(changeEvidence({}, { 'properties.publicNetworkAccess': 'Enabled' })).toBeUndefined();
    expect(changeEvidence({ settingChanges: { latest: {} } }, { 'properties.publicNetworkAccess': 'Enabled' })).toBeUndefined();
    const other = changes(['properties.adminUserEnabled', aChange('properties.adminUserEnabled', 'True')]);
    expect(changeEvidence({ settingChanges: other }, { 'properties.publicNetworkAccess': 'Enabled' })).toBeUndefined();
  });

  it('names who made the setting what it is now: who, when, client, operation, previous and new value, in a fixed key order', () => {
    const settingChanges = changes(['properties.publicNetworkAccess', aChange('properties.publicNetworkAccess', 'Enabled', '2025-06-10T08:00:00.000Z', { previousValue: 'Disabled' })]);
    const e = changeEvidence({ settingChanges }, { 'properties.publicNetworkAccess': 'Enabled' });
    expect(e).toEqual({
      changeType: 'Update',
      changedAt: '2025-06-10T08:00:00.000Z',
      changedBy: 'mallory@contoso.com',
      changedByType: 'User',
      clientType: 'Azure Portal',
      operation: 'microsoft.containerregistry/registries/write',
      property: 'properties.publicNetworkAccess',
      propertyChangeType: 'Update',
      previousValue: 'Disabled',
      newValue: 'Enabled',
    });
    // The same facts give byte-identical evidence night after night (no rewrite of an unchanged finding).
    expect(JSON.stringify(changeEvidence({ settingChanges }, { 'properties.publicNetworkAccess': 'Enabled' }))).toBe(JSON.stringify(e));
  });

  it('keeps the evidence small when Resource Graph names no author', () => {
    const settingChanges = changes(['properties.anonymousPullEnabled', { property: 'properties.anonymousPullEnabled', changedAt: '2025-06-10T08:00:00.000Z', newValue: 'True' }]);
    expect(changeEvidence({ settingChanges }, { 'properties.anonymousPullEnabled': true })).toEqual({
      changeType: 'Update', changedAt: '2025-06-10T08:00:00.000Z', property: 'properties.anonymousPullEnabled', newValue: 'True',
    });
  });

  it('compares with the current value case-insensitively (ARG renders booleans True/False), numbers as text', () => {
    const settingChanges = changes(
      ['properties.adminUserEnabled', aChange('properties.adminUserEnabled', 'True')],
      ['properties.policies.retentionPolicy.days', aChange('properties.policies.retentionPolicy.days', '90')],
    );
    expect(changeEvidence({ settingChanges }, { 'properties.adminUserEnabled': true })?.newValue).toBe('True');
    expect(changeEvidence({ settingChanges }, { 'properties.policies.retentionPolicy.days': 90 })?.newValue).toBe('90');
    expect(changeEvidence({ settingChanges }, { 'properties.policies.retentionPolicy.days': 30 })).toBeUndefined();
  });

  it('ignores a change that does not lead to the current value (Resource Graph behind ARM), and then claims no creator either', () => {
    const settingChanges: RegistrySettingChanges = {
      latest: { 'properties.publicNetworkAccess': aChange('properties.publicNetworkAccess', 'Disabled') },
      created: { changedAt: '2025-06-05T08:00:00.000Z', changedBy: 'creator@contoso.com' },
    };
    expect(changeEvidence({ settingChanges }, { 'properties.publicNetworkAccess': 'Enabled' })).toBeUndefined();
  });

  it('null means the property is absent now: a Remove (or a null new value) leads there, a value does not', () => {
    const removed = changes(['properties.policies.azureADAuthenticationAsArmPolicy.status', aChange('properties.policies.azureADAuthenticationAsArmPolicy.status', undefined, undefined, { propertyChangeType: 'Remove', previousValue: 'disabled' })]);
    expect(changeEvidence({ settingChanges: removed }, { 'properties.policies.azureADAuthenticationAsArmPolicy.status': null })).toMatchObject({ propertyChangeType: 'Remove', previousValue: 'disabled' });
    const nullText = changes(['properties.roleAssignmentMode', aChange('properties.roleAssignmentMode', 'null')]);
    expect(changeEvidence({ settingChanges: nullText }, { 'properties.roleAssignmentMode': null })).toMatchObject({ newValue: 'null' });
    const set = changes(['properties.roleAssignmentMode', aChange('properties.roleAssignmentMode', 'AbacRepositoryPermissions')]);
    expect(changeEvidence({ settingChanges: set }, { 'properties.roleAssignmentMode': null })).toBeUndefined();
  });

  it('undefined means the value is not checked', () => {
    const settingChanges = changes(['properties.dataEndpointEnabled', aChange('properties.dataEndpointEnabled', 'False')]);
    expect(changeEvidence({ settingChanges }, { 'properties.dataEndpointEnabled': undefined })?.newValue).toBe('False');
  });

  it('of several settings, names the latest change that leads to the current state', () => {
    const settingChanges = changes(
      ['properties.publicNetworkAccess', aChange('properties.publicNetworkAccess', 'Enabled', '2025-06-01T00:00:00.000Z', { changedBy: 'first@contoso.com' })],
      ['properties.networkRuleSet.defaultAction', aChange('properties.networkRuleSet.defaultAction', 'Allow', '2025-06-09T00:00:00.000Z', { changedBy: 'second@contoso.com' })],
      // Newer, but it does not lead to the current state: ignored.
      ['properties.networkRuleBypassOptions', aChange('properties.networkRuleBypassOptions', 'AzureServices', '2025-06-12T00:00:00.000Z', { changedBy: 'third@contoso.com' })],
    );
    const e = changeEvidence({ settingChanges }, {
      'properties.publicNetworkAccess': 'Enabled',
      'properties.networkRuleSet.defaultAction': 'Allow',
      'properties.networkRuleBypassOptions': 'None',
    });
    expect(e).toMatchObject({ changedBy: 'second@contoso.com', property: 'properties.networkRuleSet.defaultAction' });
  });

  it('names the creator when the registry was created in the window and none of the settings changed since', () => {
    const settingChanges: RegistrySettingChanges = { latest: {}, created: { changedAt: '2025-06-09T00:00:00.000Z', changedBy: 'pipeline-app-id', changedByType: 'Application', clientType: 'ARM Template' } };
    expect(changeEvidence({ settingChanges }, { 'properties.policies.quarantinePolicy.status': 'disabled' })).toEqual({
      changeType: 'Create', changedAt: '2025-06-09T00:00:00.000Z', changedBy: 'pipeline-app-id', changedByType: 'Application', clientType: 'ARM Template',
    });
    // Array settings: a connection added later may not be recorded as a change, so creation proves nothing.
    expect(changeEvidence({ settingChanges }, { 'properties.privateEndpointConnections': undefined })).toBeUndefined();
  });

  it('ignores changes older than the registry\'s creation (an earlier registry of the same id)', () => {
    const settingChanges: RegistrySettingChanges = {
      latest: { 'properties.adminUserEnabled': aChange('properties.adminUserEnabled', 'True', '2025-06-01T00:00:00.000Z') },
      created: { changedAt: '2025-06-05T00:00:00.000Z', changedBy: 'recreator@contoso.com' },
    };
    expect(changeEvidence({ settingChanges }, { 'properties.adminUserEnabled': true })).toMatchObject({ changeType: 'Create', changedBy: 'recreator@contoso.com' });
  });

  it('matches array settings by their prefix entry, naming the element key that changed', () => {
    const key = 'properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status';
    const settingChanges = changes(['properties.privateEndpointConnections', aChange(key, 'Pending')]);
    // The value of an array setting is never compared (its elements' keys are not the setting's path).
    expect(changeEvidence({ settingChanges }, { 'properties.privateEndpointConnections': 'ignored' })).toMatchObject({ property: key, newValue: 'Pending' });
  });

  it('withChangeEvidence adds lastChange, or returns the evidence as it is', () => {
    const evidence = { anonymousPullEnabled: true };
    expect(withChangeEvidence(evidence, {}, { 'properties.anonymousPullEnabled': true })).toBe(evidence);
    const settingChanges = changes(['properties.anonymousPullEnabled', aChange('properties.anonymousPullEnabled', 'True')]);
    expect(withChangeEvidence(evidence, { settingChanges }, { 'properties.anonymousPullEnabled': true })).toEqual({ anonymousPullEnabled: true, lastChange: expect.objectContaining({ changedBy: 'mallory@contoso.com' }) });
    expect(evidence).toEqual({ anonymousPullEnabled: true });
  });
});

type Facts = Parameters<typeof registryFacts>[0];

/** Every registry-setting rule: a failing and a passing registry, and the change that made it fail. */
const CASES: Array<{ rule: Rule<'registry'>; fail: Facts; pass: Facts; path: string; change: SettingChangeFacts; params?: Parameters<typeof ctx>[0] }> = [
  { rule: registryAdminUserDisabled, fail: { registry: { adminUserEnabled: true } }, pass: { registry: { adminUserEnabled: false } }, path: 'properties.adminUserEnabled', change: aChange('properties.adminUserEnabled', 'True') },
  { rule: registryAnonymousPullDisabled, fail: { registry: { anonymousPullEnabled: true } }, pass: {}, path: 'properties.anonymousPullEnabled', change: aChange('properties.anonymousPullEnabled', 'True') },
  {
    rule: registryPublicNetworkRestricted,
    fail: { registry: { publicNetworkAccess: 'Enabled', networkRuleSet: { defaultAction: 'Allow', ipRuleCount: 0 } } },
    pass: {},
    path: 'properties.networkRuleSet.defaultAction',
    change: aChange('properties.networkRuleSet.defaultAction', 'Allow'),
  },
  { rule: registryPublicNetworkDisabled, fail: { registry: { publicNetworkAccess: 'Enabled' } }, pass: {}, path: 'properties.publicNetworkAccess', change: aChange('properties.publicNetworkAccess', 'Enabled') },
  {
    rule: registryArmAudienceTokensDisabled,
    fail: { registry: { policies: { armAudienceTokens: 'enabled' } } },
    pass: { registry: { policies: { armAudienceTokens: 'disabled' } } },
    path: 'properties.policies.azureADAuthenticationAsArmPolicy.status',
    change: aChange('properties.policies.azureADAuthenticationAsArmPolicy.status', 'enabled'),
  },
  {
    rule: registryAbacPermissionsEnabled,
    fail: { registry: { roleAssignmentMode: 'LegacyRegistryPermissions' } },
    pass: { registry: { roleAssignmentMode: 'AbacRepositoryPermissions' } },
    path: 'properties.roleAssignmentMode',
    change: aChange('properties.roleAssignmentMode', 'LegacyRegistryPermissions'),
  },
  {
    rule: registryPrivateLinkUsed,
    fail: { registry: { privateEndpointCount: 1, privateEndpointConnections: [{ name: 'pe', status: 'Rejected' }] } },
    pass: { registry: { privateEndpointConnections: [{ name: 'pe', status: 'Approved' }] } },
    path: 'properties.privateEndpointConnections',
    change: aChange('properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status', 'Rejected'),
  },
  {
    rule: registryPrivateEndpointsTrusted,
    fail: { registry: { privateEndpointConnections: [{ name: 'pe', status: 'Pending', subscriptionId: '99999999-0000-0000-0000-000000000000' }] } },
    pass: { registry: { privateEndpointConnections: [{ name: 'pe', status: 'Approved', subscriptionId: '00000000-0000-0000-0000-000000000001' }] } },
    path: 'properties.privateEndpointConnections',
    change: aChange('properties.privateEndpointConnections[1].name', 'pe'),
  },
  {
    rule: registryExportsDisabled,
    fail: { registry: { policies: { export: 'enabled' } } },
    pass: { registry: { policies: { export: 'disabled' } } },
    path: 'properties.policies.exportPolicy.status',
    change: aChange('properties.policies.exportPolicy.status', 'enabled'),
  },
  {
    rule: registryQuarantineEnabled,
    fail: { registry: { policies: { quarantine: 'disabled' } } },
    pass: { registry: { policies: { quarantine: 'enabled' } } },
    path: 'properties.policies.quarantinePolicy.status',
    change: aChange('properties.policies.quarantinePolicy.status', 'disabled'),
  },
  {
    rule: registrySoftDeleteEnabled,
    fail: { registry: { sku: 'Standard' }, softDelete: { policy: { status: 'disabled' } } },
    pass: { registry: { sku: 'Standard' }, softDelete: { policy: { status: 'enabled', retentionDays: 7 } } },
    path: 'properties.policies.softDeletePolicy.status',
    change: aChange('properties.policies.softDeletePolicy.status', 'disabled'),
  },
  {
    rule: registryRetentionEnabled,
    fail: { registry: { policies: { retention: { status: 'enabled', days: 90 } } } },
    pass: { registry: { policies: { retention: { status: 'enabled', days: 7 } } } },
    path: 'properties.policies.retentionPolicy.days',
    change: aChange('properties.policies.retentionPolicy.days', '90'),
  },
  {
    rule: registryCmkEncrypted,
    fail: { registry: { encryption: { status: 'disabled', keyVaultKey: false } } },
    pass: { registry: { encryption: { status: 'enabled', keyVaultKey: true } } },
    path: 'properties.encryption.status',
    change: aChange('properties.encryption.status', 'disabled'),
  },
  {
    rule: registryDedicatedDataEndpoints,
    fail: { registry: { dataEndpointEnabled: false } },
    pass: { registry: { dataEndpointEnabled: true } },
    path: 'properties.dataEndpointEnabled',
    change: aChange('properties.dataEndpointEnabled', 'False'),
  },
  {
    rule: registryContentTrustMigrated,
    fail: { registry: { policies: { trust: 'enabled' } } },
    pass: { registry: { policies: { trust: 'disabled' } } },
    path: 'properties.policies.trustPolicy.status',
    change: aChange('properties.policies.trustPolicy.status', 'enabled'),
  },
  {
    rule: registryVulnerabilityScanningEffective,
    fail: { registry: { networkRuleBypassOptions: 'None' }, defenderPlan: { subscriptionId: '00000000-0000-0000-0000-000000000001', pricingTier: 'Standard' } },
    pass: { registry: { networkRuleBypassOptions: 'AzureServices' }, defenderPlan: { subscriptionId: '00000000-0000-0000-0000-000000000001', pricingTier: 'Standard' } },
    path: 'properties.networkRuleBypassOptions',
    change: aChange('properties.networkRuleBypassOptions', 'None'),
  },
];

describe('registry-setting rules: who made the registry non-compliant (evidence lastChange on fail only)', () => {
  it.each(CASES.map((c) => [c.rule.id, c] as const))('%s', (_id, c) => {
    const settingChanges = changes([c.path, c.change]);
    const failing = c.rule.evaluate(registryFacts({ ...c.fail, settingChanges }), ctx(c.params));
    expect(failing.status).toBe('fail');
    expect(failing.evidence?.lastChange).toMatchObject({ changeType: 'Update', changedBy: 'mallory@contoso.com', changedAt: '2025-06-10T08:00:00.000Z', property: c.change.property });
    // Without the changes (push time, or resourcechanges unreadable) the evidence is what it was, with no lastChange key.
    const without = c.rule.evaluate(registryFacts(c.fail), ctx(c.params));
    expect(without.status).toBe('fail');
    expect(without.evidence).not.toHaveProperty('lastChange');
    expect({ ...failing.evidence, lastChange: undefined }).toEqual({ ...without.evidence, lastChange: undefined });
    // A passing registry never carries it, whatever was changed.
    const passing = c.rule.evaluate(registryFacts({ ...c.pass, settingChanges }), ctx(c.params));
    expect(passing.status).toBe('pass');
    expect(passing.evidence ?? {}).not.toHaveProperty('lastChange');
  });

  it('registry.admin-user-disabled keeps its own evidence (enabledBy, enabledAt) when the admin-user change is known', () => {
    const settingChanges = changes(['properties.adminUserEnabled', aChange('properties.adminUserEnabled', 'True')]);
    const e = registryAdminUserDisabled.evaluate(
      registryFacts({ registry: { adminUserEnabled: true }, adminUserChange: { changedBy: 'mallory@contoso.com', timestamp: '2025-06-10T08:00:00.000Z', clientType: 'Azure Portal' }, settingChanges }),
      ctx(),
    );
    expect(e.evidence).toEqual({ adminUserEnabled: true, enabledBy: 'mallory@contoso.com', enabledAt: '2025-06-10T08:00:00.000Z', clientType: 'Azure Portal' });
  });

  it('registry.exports-disabled names who opened public access when that is why the disabled export policy does not apply', () => {
    const settingChanges = changes(
      ['properties.policies.exportPolicy.status', aChange('properties.policies.exportPolicy.status', 'disabled', '2025-06-12T00:00:00.000Z', { changedBy: 'fixer@contoso.com' })],
      ['properties.publicNetworkAccess', aChange('properties.publicNetworkAccess', 'Enabled', '2025-06-01T00:00:00.000Z', { changedBy: 'opener@contoso.com' })],
    );
    const e = registryExportsDisabled.evaluate(registryFacts({ registry: { publicNetworkAccess: 'Enabled', policies: { export: 'disabled' } }, settingChanges }), ctx());
    expect(e).toMatchObject({ status: 'fail', evidence: { lastChange: { changedBy: 'opener@contoso.com', property: 'properties.publicNetworkAccess' } } });
  });

  it('a registry created in the window and left so names its creator on every failing setting rule that reads scalar settings', () => {
    const settingChanges: RegistrySettingChanges = { latest: {}, created: { changedAt: '2025-06-09T00:00:00.000Z', changedBy: 'pipeline-app-id', clientType: 'ARM Template' } };
    const e = registryQuarantineEnabled.evaluate(registryFacts({ registry: { policies: { quarantine: 'disabled' } }, settingChanges }), ctx());
    expect(e.evidence?.lastChange).toEqual({ changeType: 'Create', changedAt: '2025-06-09T00:00:00.000Z', changedBy: 'pipeline-app-id', clientType: 'ARM Template' });
  });
});
