import { describe, expect, it } from 'vitest';
import { registryPublicNetworkDisabled as rule } from '../../shared/rules/registry.public-network-disabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.public-network-disabled', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { publicNetworkAccess: 'Disabled', sku: 'Premium', status: 'pass' },
    { publicNetworkAccess: 'Enabled', sku: 'Premium', status: 'fail' },
    { publicNetworkAccess: 'Enabled', sku: 'Basic', status: 'fail' },
    { publicNetworkAccess: 'SecuredByPerimeter', sku: 'Premium', status: 'not_applicable' },
  ])('$publicNetworkAccess on $sku -> $status', ({ publicNetworkAccess, sku, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { publicNetworkAccess, sku } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ publicNetworkAccess, sku });
  });

  it('passes although a firewall restricts the public endpoint only when access is disabled (the firewall is not enough)', () => {
    const e = rule.evaluate(registryFacts({ registry: { publicNetworkAccess: 'Enabled', networkRuleSet: { defaultAction: 'Deny', ipRuleCount: 2 } } }), ctx());
    expect(e.status).toBe('fail');
  });

  it('names the SKU when disabling needs Premium', () => {
    expect(rule.evaluate(registryFacts({ registry: { publicNetworkAccess: 'Enabled', sku: 'Standard' } }), ctx()).message).toMatch(/Standard SKU: disabling it needs Premium/);
  });
});
