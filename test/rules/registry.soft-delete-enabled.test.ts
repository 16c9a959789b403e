import { describe, expect, it } from 'vitest';
import type { SoftDeleteFacts } from '../../shared/domain/snapshots.js';
import { registrySoftDeleteEnabled as rule } from '../../shared/rules/registry.soft-delete-enabled.js';
import { ctx, registryFacts } from './builders.js';

const run = (softDelete: SoftDeleteFacts | undefined, registry: NonNullable<Parameters<typeof registryFacts>[0]>['registry'] = {}) =>
  rule.evaluate(registryFacts({ registry, ...(softDelete ? { softDelete } : {}) }), ctx());

describe('registry.soft-delete-enabled', () => {
  it('is a strict-profile nightly registry rule', () => expect(rule).toMatchObject({ profile: 'strict', target: 'registry', modes: ['nightly'] }));

  it('passes with the policy on, in any SKU (soft delete is offered in every tier)', () => {
    for (const sku of ['Basic', 'Standard', 'Premium']) {
      const e = run({ policy: { status: 'enabled', retentionDays: 14 } }, { sku });
      expect(e).toMatchObject({ status: 'pass', message: 'deleted artifacts are recoverable for 14 days', evidence: { sku, softDeletePolicy: 'enabled', retentionDays: 14 } });
    }
    expect(run({ policy: { status: 'Enabled' } }).message).toBe('deleted artifacts are recoverable for 7 days');
  });

  it('fails with the policy off or absent where it could be switched on', () => {
    expect(run({ policy: { status: 'disabled', retentionDays: 7 } }, { sku: 'Basic' })).toMatchObject({ status: 'fail', evidence: { sku: 'Basic', softDeletePolicy: 'disabled' } });
    expect(run({ policy: null }, { sku: 'Standard' })).toMatchObject({ status: 'fail', message: expect.stringMatching(/no soft delete policy/) });
    // Premium, replicated in its home region only.
    expect(run({ policy: { status: 'disabled' }, replicationLocations: ['westeurope'] }, { sku: 'Premium', location: 'West Europe' }).status).toBe('fail');
    expect(run({ policy: { status: 'disabled' }, replicationLocations: [] }, { sku: 'Premium' }).status).toBe('fail');
  });

  it('is not applicable where ACR does not support it: geo-replicated, or with the retention policy on', () => {
    const geo = run({ policy: { status: 'disabled' }, replicationLocations: ['eastus', 'westeurope'] }, { sku: 'Premium', location: 'westeurope' });
    expect(geo).toMatchObject({ status: 'not_applicable', conclusive: true, evidence: { sku: 'Premium', replicationLocations: ['eastus', 'westeurope'] } });
    expect(geo.message).toMatch(/geo-replicated registry \(replicas in eastus\)/);
    const retention = run({ policy: { status: 'disabled' } }, { sku: 'Premium', policies: { retention: { status: 'enabled', days: 7 } } });
    expect(retention).toMatchObject({ status: 'not_applicable', conclusive: true, evidence: { sku: 'Premium', retentionPolicy: 'enabled' } });
  });

  it('is inconclusive, never a pass, when the policy or a Premium registry\'s replications were not read, or the status is unknown', () => {
    expect(run(undefined, { sku: 'Basic' })).toMatchObject({ status: 'not_applicable', conclusive: false, evidence: { sku: 'Basic' } });
    expect(run({ policy: { status: 'disabled' } }, { sku: 'Premium' })).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(run({ policy: { status: 'paused' } })).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
