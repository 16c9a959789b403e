import { describe, expect, it } from 'vitest';
import { CONTENT_TRUST_RETIREMENT_DATE, registryContentTrustMigrated as rule } from '../../shared/rules/registry.content-trust-migrated.js';
import { toRegistrySnapshot } from '../../shared/inventory/mappers.js';
import { aRegistry, ctx } from './builders.js';

describe('registry.content-trust-migrated', () => {
  it.each([
    { trust: 'enabled', status: 'fail' },
    { trust: 'Enabled', status: 'fail' },
    { trust: 'disabled', status: 'pass' },
    { trust: undefined, status: 'pass' },
  ])('trustPolicy $trust -> $status', ({ trust, status }) => {
    const e = rule.evaluate({ registry: aRegistry({ policies: trust === undefined ? {} : { trust } }) }, ctx());
    expect(e.status).toBe(status);
  });

  it('names the retirement date and the migration docs', () => {
    const e = rule.evaluate({ registry: aRegistry({ policies: { trust: 'enabled' } }) }, ctx());
    expect(CONTENT_TRUST_RETIREMENT_DATE).toBe('2028-03-31');
    expect(e).toMatchObject({ status: 'fail', evidence: { retirementDate: '2028-03-31', docs: expect.stringMatching(/^https:\/\/learn\.microsoft\.com\//) } });
    expect(rule.severity).toBe('low');
  });

  it('is inconclusive when the policies were not read', () => {
    expect(rule.evaluate({ registry: aRegistry() }, ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('reads policies.trustPolicy.status from the ARM / Resource Graph shape', () => {
    const row = {
      id: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
      name: 'contoso', type: 'microsoft.containerregistry/registries', location: 'westeurope', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg',
      sku: { name: 'Premium' }, tags: {},
      properties: { loginServer: 'contoso.azurecr.io', adminUserEnabled: false, anonymousPullEnabled: false, publicNetworkAccess: 'Disabled', policies: { trustPolicy: { type: 'Notary', status: 'enabled' } } },
    };
    expect(toRegistrySnapshot(row).policies).toMatchObject({ trust: 'enabled' });
  });
});
