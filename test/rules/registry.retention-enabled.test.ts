import { describe, expect, it } from 'vitest';
import { registryRetentionEnabled as rule } from '../../shared/rules/registry.retention-enabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.retention-enabled', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { sku: 'Premium', retention: { status: 'enabled', days: 7 }, max: 30, status: 'pass' },
    { sku: 'Premium', retention: { status: 'enabled' }, max: 7, status: 'pass' },
    { sku: 'Premium', retention: { status: 'enabled', days: 60 }, max: 30, status: 'fail' },
    { sku: 'Premium', retention: { status: 'enabled', days: 60 }, max: 90, status: 'pass' },
    { sku: 'Premium', retention: { status: 'disabled', days: 7 }, max: 30, status: 'fail' },
    { sku: 'Premium', retention: undefined, max: 30, status: 'fail' },
    { sku: 'Standard', retention: undefined, max: 30, status: 'not_applicable' },
  ])('$sku $retention max=$max -> $status', ({ sku, retention, max, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { sku, policies: retention ? { retention } : {} } }), ctx({ retentionMaxDays: max }));
    expect(e.status).toBe(status);
    if (sku === 'Premium') expect(e.evidence).toMatchObject({ maxDays: max, retentionPolicy: retention?.status ?? null });
  });

  it('defaults to a 30-day limit', () => {
    const e = rule.evaluate(registryFacts({ registry: { policies: { retention: { status: 'enabled', days: 31 } } } }), ctx());
    expect(e).toMatchObject({ status: 'fail', message: 'untagged manifests are kept 31 days, more than 30' });
  });
});
