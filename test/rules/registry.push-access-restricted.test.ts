import { describe, expect, it } from 'vitest';
import type { RegistryWritersFacts, WriteAssignmentFacts } from '../../shared/domain/snapshots.js';
import { effectiveCapabilities, registryPushAccessRestricted as rule } from '../../shared/rules/registry.push-access-restricted.js';
import { aRegistry, ctx, registryFacts, SUBSCRIPTION } from './builders.js';

const RELEASE = '11111111-1111-1111-1111-111111111111';
const ALICE = '22222222-2222-2222-2222-222222222222';
const approved = { registryWriters: [RELEASE] };

const assignment = (o: Partial<WriteAssignmentFacts> = {}): WriteAssignmentFacts => ({
  principalId: ALICE,
  principalType: 'User',
  roleName: 'Contributor',
  scope: `/subscriptions/${SUBSCRIPTION}`,
  capabilities: ['administer', 'admin-credentials', 'push', 'delete', 'tokens', 'import', 'tasks', 'cache-rules', 'pipelines'],
  ...o,
});
const writers = (o: Partial<RegistryWritersFacts> = {}): RegistryWritersFacts => ({ assignments: [], approvedLeftOut: 0, truncated: 0, uncertain: [], uncertainTruncated: 0, ...o });

describe('registry.push-access-restricted', () => {
  it.each([
    { name: 'no approved writers configured', params: {}, facts: { writers: writers({ assignments: [assignment()] }) }, status: 'not_applicable', conclusive: true },
    { name: 'role assignments not read', params: approved, facts: {}, status: 'not_applicable', conclusive: false },
    { name: 'an unapproved Contributor on the subscription', params: approved, facts: { writers: writers({ assignments: [assignment()] }) }, status: 'fail', conclusive: undefined },
    { name: 'unapproved ones left out by the bound only', params: approved, facts: { writers: writers({ truncated: 3 }) }, status: 'fail', conclusive: undefined },
    { name: 'only the approved release identity (counted by the planner)', params: approved, facts: { writers: writers({ approvedLeftOut: 2 }) }, status: 'pass', conclusive: undefined },
    { name: 'the approved identity listed (matched here too)', params: approved, facts: { writers: writers({ assignments: [assignment({ principalId: RELEASE })] }) }, status: 'pass', conclusive: undefined },
    { name: 'nobody can write', params: approved, facts: { writers: writers() }, status: 'pass', conclusive: undefined },
    { name: 'an unapproved role that could not be resolved', params: approved, facts: { writers: writers({ assignments: [assignment({ roleName: 'unresolved role x', capabilities: ['unresolved-role'] })] }) }, status: 'not_applicable', conclusive: false },
    { name: 'a management-group assignment of unknown ancestry', params: approved, facts: { writers: writers({ uncertain: [assignment({ scope: '/providers/Microsoft.Management/managementGroups/corp' })] }) }, status: 'not_applicable', conclusive: false },
  ] as const)('$name -> $status', ({ params, facts, status, conclusive }) => {
    const e = rule.evaluate(registryFacts(facts), ctx(params));
    expect(e.status).toBe(status);
    if (e.status === 'not_applicable') expect(e.conclusive).toBe(conclusive);
  });

  it('approves by pattern, case-insensitively', () => {
    const e = rule.evaluate(registryFacts({ writers: writers({ assignments: [assignment({ principalId: RELEASE })] }) }), ctx({ registryWriters: ['11111111-*'] }));
    expect(e.status).toBe('pass');
    const upper = rule.evaluate(registryFacts({ writers: writers({ assignments: [assignment({ principalId: RELEASE })] }) }), ctx({ registryWriters: [RELEASE.toUpperCase()] }));
    expect(upper.status).toBe('pass');
  });

  it('names the unapproved principals, their role, scope and what they can do, bounded to 20', () => {
    const many = Array.from({ length: 25 }, (_, i) => assignment({ principalId: `3333333${String(i).padStart(2, '0')}-0000-0000-0000-000000000000`, roleName: 'AcrPush', scope: '/x', capabilities: ['push'] }));
    const e = rule.evaluate(registryFacts({ writers: writers({ assignments: many, approvedLeftOut: 1, truncated: 5 }) }), ctx(approved));
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ count: 30, listed: 20, omitted: 10, approvedAssignments: 1 });
    expect((e.evidence!.unapproved as unknown[]).length).toBe(20);
    expect((e.evidence!.unapproved as unknown[])[0]).toEqual({ principalId: many[0]!.principalId, principalType: 'User', role: 'AcrPush', scope: '/x', capabilities: ['push'] });
  });

  it('says when an assignment has an ABAC condition', () => {
    const e = rule.evaluate(registryFacts({ writers: writers({ assignments: [assignment({ capabilities: ['repository-write'], conditional: true })] }) }), ctx(approved));
    expect((e.evidence!.unapproved as Array<Record<string, unknown>>)[0]).toMatchObject({ conditional: true, capabilities: ['repository-write'] });
  });

  describe('what an assignment can do depends on the registry', () => {
    it('AcrPush / AcrDelete are not honoured on an ABAC-mode registry: pass', () => {
      const acrPush = assignment({ roleName: 'AcrPush', capabilities: ['push'] });
      expect(rule.evaluate(registryFacts({ registry: { roleAssignmentMode: 'AbacRepositoryPermissions' }, writers: writers({ assignments: [acrPush] }) }), ctx(approved)).status).toBe('pass');
      expect(rule.evaluate(registryFacts({ registry: { roleAssignmentMode: 'LegacyRegistryPermissions' }, writers: writers({ assignments: [acrPush] }) }), ctx(approved)).status).toBe('fail');
      expect(rule.evaluate(registryFacts({ writers: writers({ assignments: [acrPush] }) }), ctx(approved)).status).toBe('fail');
    });

    it('the Repository Writer data actions count in either mode', () => {
      const writer = assignment({ roleName: 'Container Registry Repository Writer', capabilities: ['repository-write'] });
      expect(rule.evaluate(registryFacts({ registry: { roleAssignmentMode: 'AbacRepositoryPermissions' }, writers: writers({ assignments: [writer] }) }), ctx(approved)).status).toBe('fail');
    });

    it('listCredentials matters only while the admin user is enabled', () => {
      const reader = assignment({ roleName: 'Container Registry Configuration Reader and Data Access Configuration Reader', capabilities: ['admin-credentials'] });
      expect(rule.evaluate(registryFacts({ registry: { adminUserEnabled: false }, writers: writers({ assignments: [reader] }) }), ctx(approved)).status).toBe('pass');
      expect(rule.evaluate(registryFacts({ registry: { adminUserEnabled: true }, writers: writers({ assignments: [reader] }) }), ctx(approved)).status).toBe('fail');
      expect(effectiveCapabilities(reader, aRegistry({ adminUserEnabled: false }))).toEqual([]);
    });

    it('Owner stays a writer on an ABAC registry (it can administer it)', () => {
      const owner = assignment({ roleName: 'Owner', capabilities: ['administer', 'grant-access', 'push'] });
      expect(effectiveCapabilities(owner, aRegistry({ roleAssignmentMode: 'AbacRepositoryPermissions' }))).toEqual(['administer', 'grant-access']);
    });
  });

  it('a definite failure wins over an unresolved role, which is counted', () => {
    const e = rule.evaluate(registryFacts({ writers: writers({ assignments: [assignment(), assignment({ principalId: RELEASE.replace(/1/g, '4'), capabilities: ['unresolved-role'] })] }) }), ctx(approved));
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ count: 1, unresolvedRoles: 1 });
  });
});
