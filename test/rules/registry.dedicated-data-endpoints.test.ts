import { describe, expect, it } from 'vitest';
import { registryDedicatedDataEndpoints as rule } from '../../shared/rules/registry.dedicated-data-endpoints.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.dedicated-data-endpoints', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { sku: 'Premium', dataEndpointEnabled: true, status: 'pass' },
    { sku: 'Premium', dataEndpointEnabled: false, status: 'fail' },
    { sku: 'Premium', dataEndpointEnabled: undefined, status: 'fail' },
    { sku: 'Standard', dataEndpointEnabled: false, status: 'not_applicable' },
    { sku: 'Basic', dataEndpointEnabled: undefined, status: 'not_applicable' },
  ])('$sku dataEndpointEnabled=$dataEndpointEnabled -> $status', ({ sku, dataEndpointEnabled, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { sku, ...(dataEndpointEnabled !== undefined ? { dataEndpointEnabled } : {}) } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ sku });
  });
});
