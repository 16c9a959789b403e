import { describe, expect, it } from 'vitest';
import { registryAdminUserDisabled as rule } from '../../shared/rules/registry.admin-user-disabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.admin-user-disabled', () => {
  it.each([
    { adminUserEnabled: false, status: 'pass' },
    { adminUserEnabled: true, status: 'fail' },
  ])('adminUserEnabled=$adminUserEnabled -> $status', ({ adminUserEnabled, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ adminUserEnabled });
  });

  it('names who enabled the admin user when the change is known', () => {
    const e = rule.evaluate(
      registryFacts({
        registry: { adminUserEnabled: true },
        adminUserChange: { changedBy: 'mallory@contoso.com', timestamp: '2025-06-01T08:00:00Z', clientType: 'Azure Portal', operation: 'Update' },
      }),
      ctx(),
    );
    expect(e).toMatchObject({ status: 'fail', message: expect.stringContaining('mallory@contoso.com') });
    expect(e.evidence).toEqual({ adminUserEnabled: true, enabledBy: 'mallory@contoso.com', enabledAt: '2025-06-01T08:00:00Z', clientType: 'Azure Portal' });
  });

  it('keeps the evidence small when the change has no author', () => {
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, adminUserChange: { timestamp: '2025-06-01T08:00:00Z' } }), ctx());
    expect(e.evidence).toEqual({ adminUserEnabled: true, enabledAt: '2025-06-01T08:00:00Z' });
  });

  it('names the workloads that pull with the admin account (bounded list and count), and nothing when it passes', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/ca-${String(i).padStart(2, '0')}`);
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, adminCredentialWorkloads: { count: 25, workloads: ids } }), ctx());
    expect(e).toMatchObject({ status: 'fail', message: expect.stringContaining('25 workload(s) pull with it') });
    expect(e.evidence?.workloadsPullingWithAdmin).toEqual({ count: 25, workloads: ids.slice(0, 20) });
    const off = rule.evaluate(registryFacts({ registry: { adminUserEnabled: false }, adminCredentialWorkloads: { count: 1, workloads: [ids[0]!] } }), ctx());
    expect(off.evidence).toEqual({ adminUserEnabled: false });
  });
});
