import { describe, expect, it } from 'vitest';
import { registryQuarantineEnabled as rule } from '../../shared/rules/registry.quarantine-enabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.quarantine-enabled', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { sku: 'Premium', q: 'enabled', status: 'pass' },
    { sku: 'Premium', q: 'disabled', status: 'fail' },
    { sku: 'Premium', q: undefined, status: 'fail' },
    { sku: 'Premium', q: 'odd', status: 'not_applicable' },
    { sku: 'Basic', q: 'disabled', status: 'not_applicable' },
    { sku: 'Standard', q: undefined, status: 'not_applicable' },
  ])('$sku quarantine=$q -> $status', ({ sku, q, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { sku, policies: q ? { quarantine: q } : {} } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ sku });
  });
});
