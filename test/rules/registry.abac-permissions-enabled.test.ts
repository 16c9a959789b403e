import { describe, expect, it } from 'vitest';
import { registryAbacPermissionsEnabled as rule } from '../../shared/rules/registry.abac-permissions-enabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.abac-permissions-enabled', () => {
  it.each([
    { mode: 'AbacRepositoryPermissions', status: 'pass' },
    { mode: 'LegacyRegistryPermissions', status: 'fail' },
    { mode: undefined, status: 'fail' },
    { mode: 'SomethingNewer', status: 'not_applicable' },
  ])('roleAssignmentMode=$mode -> $status', ({ mode, status }) => {
    const e = rule.evaluate(registryFacts({ registry: mode ? { roleAssignmentMode: mode } : {} }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ roleAssignmentMode: mode ?? null });
    if (e.status === 'not_applicable') expect(e.conclusive).toBe(false);
  });
});
