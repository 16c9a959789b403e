import { describe, expect, it } from 'vitest';
import type { AdminLoginFacts, AdminPushFacts } from '../../shared/domain/snapshots.js';
import { registryAdminUserUnused as rule } from '../../shared/rules/registry.admin-user-unused.js';
import { ctx, DIGEST, registryFacts } from './builders.js';

const push: AdminPushFacts = {
  source: 'push',
  actor: 'contosoprod',
  time: '2025-06-15T10:00:00Z',
  sourceAddress: '203.0.113.7',
  userAgent: 'docker/27.0.3',
  repository: 'team/api',
  tag: '1.0.0',
  digest: DIGEST,
};

const logins = (count: number): AdminLoginFacts => ({
  source: 'logs',
  workspaceId: 'ws-1',
  lookbackDays: 30,
  count,
  ...(count > 0 ? { firstSeen: '2025-05-20T00:00:00Z', lastSeen: '2025-06-14T00:00:00Z' } : {}),
  callerIpAddresses: count > 0 ? ['203.0.113.7'] : [],
  userAgents: count > 0 ? ['docker/27.0.3'] : [],
});

describe('registry.admin-user-unused', () => {
  it.each([
    { name: 'admin push', facts: { registry: { adminUserEnabled: true }, adminPush: push }, status: 'fail', conclusive: undefined },
    { name: 'admin push wins over clean logs', facts: { registry: { adminUserEnabled: true }, adminPush: push, adminLogins: logins(0) }, status: 'fail', conclusive: undefined },
    { name: 'admin logins in the window', facts: { registry: { adminUserEnabled: true }, adminLogins: logins(4) }, status: 'fail', conclusive: undefined },
    { name: 'logins in the window although now disabled', facts: { registry: { adminUserEnabled: false }, adminLogins: logins(1) }, status: 'fail', conclusive: undefined },
    { name: 'no login in the window', facts: { registry: { adminUserEnabled: true }, adminLogins: logins(0) }, status: 'pass', conclusive: undefined },
    { name: 'disabled, logs not routed', facts: { registry: { adminUserEnabled: false }, adminLogins: null }, status: 'pass', conclusive: undefined },
    { name: 'disabled, logins not collected', facts: { registry: { adminUserEnabled: false } }, status: 'pass', conclusive: undefined },
    { name: 'enabled, logs not routed', facts: { registry: { adminUserEnabled: true }, adminLogins: null }, status: 'not_applicable', conclusive: false },
    { name: 'enabled, logins not collected', facts: { registry: { adminUserEnabled: true } }, status: 'not_applicable', conclusive: false },
  ] as const)('$name -> $status', ({ facts, status, conclusive }) => {
    const e = rule.evaluate(registryFacts(facts), ctx());
    expect(e.status).toBe(status);
    if (e.status === 'not_applicable') expect(e.conclusive).toBe(conclusive);
  });

  it('shows the push in the evidence', () => {
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, adminPush: push }), ctx());
    expect(e.evidence).toEqual({
      actor: 'contosoprod',
      time: '2025-06-15T10:00:00Z',
      sourceAddress: '203.0.113.7',
      userAgent: 'docker/27.0.3',
      repository: 'team/api',
      tag: '1.0.0',
      digest: DIGEST,
    });
    expect(e.message).toContain('team/api:1.0.0');
  });

  it('shows the logins in the evidence', () => {
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, adminLogins: logins(4) }), ctx());
    expect(e.evidence).toEqual({
      count: 4,
      firstSeen: '2025-05-20T00:00:00Z',
      lastSeen: '2025-06-14T00:00:00Z',
      callerIpAddresses: ['203.0.113.7'],
      userAgents: ['docker/27.0.3'],
      lookbackDays: 30,
      workspaceId: 'ws-1',
    });
  });

  it('says why a disabled admin user passes', () => {
    expect(rule.evaluate(registryFacts(), ctx()).message).toMatch(/disabled.*cannot be used/);
  });

  it('points at the audit-logs rule when logs are not routed', () => {
    const e = rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, adminLogins: null }), ctx());
    expect(e.message).toContain('registry.audit-logs-enabled');
  });
});
