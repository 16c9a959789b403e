import { describe, expect, it } from 'vitest';
import { registryExportsDisabled as rule } from '../../shared/rules/registry.exports-disabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.exports-disabled', () => {
  it.each([
    { sku: 'Premium', exp: 'disabled', pna: 'Disabled', status: 'pass' },
    { sku: 'Premium', exp: 'disabled', pna: 'Enabled', status: 'fail' },
    { sku: 'Premium', exp: 'enabled', pna: 'Disabled', status: 'fail' },
    { sku: 'Premium', exp: undefined, pna: 'Disabled', status: 'fail' },
    { sku: 'Premium', exp: 'weird', pna: 'Disabled', status: 'not_applicable' },
    { sku: 'Standard', exp: 'enabled', pna: 'Enabled', status: 'not_applicable' },
    { sku: 'Basic', exp: undefined, pna: 'Enabled', status: 'not_applicable' },
  ])('$sku exportPolicy=$exp publicNetworkAccess=$pna -> $status', ({ sku, exp, pna, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { sku, publicNetworkAccess: pna, policies: exp ? { export: exp } : {} } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ sku });
  });

  it('says why a disabled export policy does not apply while public access is on', () => {
    const e = rule.evaluate(registryFacts({ registry: { publicNetworkAccess: 'Enabled', policies: { export: 'disabled' } } }), ctx());
    expect(e.message).toMatch(/public network access is not/);
    expect(e.evidence).toMatchObject({ note: expect.stringContaining('only while public network access is disabled') });
  });

  it('is conclusively not applicable below Premium', () => {
    const e = rule.evaluate(registryFacts({ registry: { sku: 'Standard' } }), ctx());
    expect(e).toMatchObject({ status: 'not_applicable', conclusive: true, evidence: { sku: 'Standard' } });
  });
});
