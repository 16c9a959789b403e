/**
 * Registry children in the nightly audit (issue 13): what is read and when (only for the rules that need it),
 * one result per token and cache rule, a failed read as a gap with no result (never a pass), and a complete
 * list as the proof that a stored finding's token or cache rule is gone. In-memory port fakes; the adapter
 * and the emulator are tested over the wire in test/inventory/registryChildren.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Gap, RegistrySnapshot, SoftDeletePolicyFacts, TokenSnapshot } from '../../shared/domain/snapshots.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { RULES } from '../../shared/rules/catalog.js';
import { selectRules } from '../../shared/rules/selection.js';
import { registryChildSubject } from '../../shared/rules/subjects.js';
import type { AuditDeps } from '../../shared/usecases/common.js';
import type { ArmPort } from '../../shared/usecases/ports.js';
import { readRegistryChildren, registryChildAbsence, registryChildResults } from '../../shared/usecases/registryChildFacts.js';
import { aRegistry, ctx, daysAgo, NOW } from './builders.js';

const TOKENS: TokenSnapshot[] = [
  { name: 'partner-pull', status: 'enabled', scopeMap: 'partner', creationDate: daysAgo(200), passwords: [{ name: 'password1', creationTime: daysAgo(200) }] },
  { name: 'old-reader', status: 'disabled', passwords: [] },
];

type Calls = string[];
function fakeArm(calls: Calls, o: { tokens?: () => Promise<TokenSnapshot[]>; softDelete?: SoftDeletePolicyFacts | null } = {}): ArmPort {
  const never = () => Promise.reject(new Error('not used'));
  return {
    getRegistry: never, listDiagnosticSettings: never, resourceExists: never, listChildContainers: never, getSiteConfig: never,
    listRegistryTokens: async (id) => (calls.push(`tokens ${id}`), o.tokens ? o.tokens() : TOKENS),
    listRegistryCacheRules: async (id) => (calls.push(`cacheRules ${id}`), [{ name: 'hub', sourceRepository: 'docker.io/library/ubuntu' }]),
    listRegistryReplicationLocations: async (id) => (calls.push(`replications ${id}`), ['westeurope']),
    getRegistrySoftDeletePolicy: async (id) => (calls.push(`softDelete ${id}`), o.softDelete === undefined ? { status: 'disabled' } : o.softDelete),
  };
}
const depsOf = (arm: ArmPort, profile: 'baseline' | 'strict' = 'baseline', disabled: string[] = []) =>
  ({ azure: { arm }, rules: selectRules(RULES, { profile, enabled: [], disabled }), clock: () => NOW, config: {} }) as unknown as AuditDeps;

async function read(registry: RegistrySnapshot, arm: ArmPort, profile: 'baseline' | 'strict' = 'baseline', disabled: string[] = []) {
  const gaps: Gap[] = [];
  const deps = depsOf(arm, profile, disabled);
  const { facts, readAt } = await readRegistryChildren(deps, registry, gaps);
  return { deps, facts: { registry, ...facts }, readAt, gaps };
}

describe('registry children in the nightly audit', () => {
  it('baseline: reads tokens and cache rules, not the soft delete policy (a strict rule)', async () => {
    const calls: Calls = [];
    const registry = aRegistry();
    const { facts, gaps, readAt } = await read(registry, fakeArm(calls));
    expect(calls.sort()).toEqual([`cacheRules ${registry.id}`, `tokens ${registry.id}`]);
    expect(gaps).toEqual([]);
    expect(readAt).toBe(NOW.toISOString());
    expect(facts.tokens).toHaveLength(2);
    expect(facts.softDelete).toBeUndefined();
  });

  it('reads nothing for rules that are switched off', async () => {
    const calls: Calls = [];
    await read(aRegistry(), fakeArm(calls), 'baseline', ['registry.scoped-tokens-disabled', 'registry.token-passwords-expire', 'registry.cache-rules-approved']);
    expect(calls).toEqual([]);
  });

  it('strict: reads the soft delete policy, and the replications of a Premium registry whose policy is not on', async () => {
    for (const [sku, policy, expectReplications] of [['Premium', { status: 'disabled' }, true], ['Premium', { status: 'enabled' }, false], ['Basic', null, false]] as const) {
      const calls: Calls = [];
      const registry = aRegistry({ sku });
      const { facts } = await read(registry, fakeArm(calls, { softDelete: policy }), 'strict');
      expect(calls.includes(`replications ${registry.id}`), `${sku} ${JSON.stringify(policy)}`).toBe(expectReplications);
      expect(facts.softDelete).toEqual({ policy, ...(expectReplications ? { replicationLocations: ['westeurope'] } : {}) });
    }
  });

  it('gives one result per token and cache rule, observed when the lists were read', async () => {
    const { deps, facts, readAt } = await read(aRegistry(), fakeArm([]));
    const results = registryChildResults(deps, facts, ctx(), readAt);
    const byRule = (id: string) => results.filter((r) => r.ruleId === id).map((r) => [r.subject.split('/').pop(), r.status]);
    expect(byRule('registry.scoped-tokens-disabled')).toEqual([['partner-pull', 'fail'], ['old-reader', 'pass']]);
    expect(byRule('registry.token-passwords-expire')).toEqual([['partner-pull', 'fail'], ['old-reader', 'not_applicable']]);
    expect(byRule('registry.cache-rules-approved')).toEqual([['hub', 'fail']]);
    for (const r of results) expect(r.observedAt).toBe(readAt);
  });

  it('a list that cannot be read is a gap: no result for its rules (never a pass), and no stored finding resolves as gone', async () => {
    const registry = aRegistry();
    const forbidden = () => Promise.reject(new ScopeReadError(`${registry.id}/tokens`, { kind: 'forbidden', status: 403, reason: '403 AuthorizationFailed: no tokens/read' }));
    const { deps, facts, readAt, gaps } = await read(registry, fakeArm([], { tokens: forbidden }));
    expect(gaps).toEqual([{ scope: `${registry.id}/tokens`, reason: '403 AuthorizationFailed: no tokens/read', status: 403 }]);
    expect(facts.tokens).toBeUndefined();
    expect(facts.cacheRules).toHaveLength(1);
    expect(registryChildResults(deps, facts, ctx(), readAt).filter((r) => r.ruleId.includes('token'))).toEqual([]);
    const stored = { ruleId: 'registry.scoped-tokens-disabled', subject: registryChildSubject(registry.id, 'tokens', 'gone-token') } as StoredFinding;
    expect(registryChildAbsence(deps, facts, readAt)(stored)).toBeUndefined();
  });

  it('a complete list proves a stored finding\'s token or cache rule gone; other registries and rules are left alone', async () => {
    const registry = aRegistry();
    const { deps, facts, readAt } = await read(registry, fakeArm([]));
    const gone = registryChildAbsence(deps, facts, readAt);
    const f = (ruleId: string, subject: string) => ({ ruleId, subject }) as StoredFinding;
    expect(gone(f('registry.token-passwords-expire', registryChildSubject(registry.id, 'tokens', 'deleted-token')))).toEqual({ observedAt: readAt });
    expect(gone(f('registry.cache-rules-approved', registryChildSubject(registry.id, 'cacheRules', 'deleted-rule')))).toEqual({ observedAt: readAt });
    expect(gone(f('registry.scoped-tokens-disabled', registryChildSubject(aRegistry({ name: 'other' }).id, 'tokens', 'x')))).toBeUndefined();
    expect(gone(f('registry.admin-user-disabled', registry.id))).toBeUndefined();
  });

  it('a port without the methods (an older fake) reads nothing and reports no gap', async () => {
    const arm = fakeArm([]);
    delete arm.listRegistryTokens;
    delete arm.listRegistryCacheRules;
    delete arm.getRegistrySoftDeletePolicy;
    const { facts, gaps } = await read(aRegistry(), arm, 'strict');
    expect(gaps).toEqual([]);
    expect(facts).toEqual({ registry: aRegistry() });
  });
});
