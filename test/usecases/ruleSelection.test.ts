/**
 * Rule selection (AUDITOR_PROFILE, AUDITOR_RULES_ENABLED / _DISABLED): which rules run, and what a
 * disabled rule does to its stored findings through persistScope (an in-memory fake of the findings
 * port: the diff's state machine is the real one).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import type { RuleResult } from '../../shared/domain/finding.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import type { FindingsStore } from '../../shared/usecases/ports.js';
import { persistScope, silentLogger, type AuditDeps } from '../../shared/usecases/common.js';
import { RULES } from '../../shared/rules/catalog.js';
import { selectRules, whyDisabled } from '../../shared/rules/selection.js';

const SCOPE = '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerregistry/registries/r1';
const RULE = 'registry.admin-user-disabled';

function memoryStore(): FindingsStore & { rows: Map<string, StoredFinding> } {
  const rows = new Map<string, StoredFinding>();
  let etag = 0;
  return {
    rows,
    async listScope(scopeId) {
      return [...rows.values()].filter((f) => f.scopeId === scopeId).map((f) => structuredClone(f));
    },
    async *listScopeIndex(scopeId) {
      for (const f of rows.values()) if (f.scopeId === scopeId) yield { id: f.id, ruleId: f.ruleId, status: f.status, subject: f.subject };
    },
    async listBySubjectPrefix(scopeId, prefix) {
      return [...rows.values()].filter((f) => f.scopeId === scopeId && f.subject.startsWith(prefix)).map((f) => structuredClone(f));
    },
    async getFindings(scopeId, ids) {
      return [...rows.values()].filter((f) => f.scopeId === scopeId && ids.includes(f.id)).map((f) => structuredClone(f));
    },
    async save(_scopeId, findings) {
      for (const f of findings) rows.set(f.id, { ...structuredClone(f), etag: String(++etag) });
      return { conflicts: [], failed: [] };
    },
    async *listFindings() {
      yield* rows.values();
    },
    async listHistory() {
      return [];
    },
    async saveScopeAudit() {},
  };
}

function deps(store: FindingsStore, env: Record<string, string>, now: Date): AuditDeps {
  const config = loadConfig({ AUDITOR_APPROVED_REGISTRIES: '*.azurecr.io', ...env });
  return { azure: {} as AuditDeps['azure'], findings: store, config, rules: selectRules(RULES, config.ruleSelection), clock: () => now, log: silentLogger };
}

function result(status: RuleResult['status']): RuleResult {
  return { scopeId: SCOPE, resourceId: SCOPE, subject: SCOPE, ruleId: RULE, status, message: status === 'fail' ? 'admin user is enabled' : 'admin user is disabled', evidence: { adminUserEnabled: status === 'fail' }, severity: 'high', conclusive: true };
}

describe('rule selection', () => {
  it('baseline runs baseline rules only; strict adds strict rules; enabled adds, disabled wins; coverage always runs', () => {
    const strictRule = { id: 'registry.x-strict', profile: 'strict' as const };
    const baselineRule = { id: 'registry.y' };
    expect(whyDisabled({ profile: 'baseline', enabled: [], disabled: [] }, strictRule)).toMatch(/profile strict/);
    expect(whyDisabled({ profile: 'strict', enabled: [], disabled: [] }, strictRule)).toBeUndefined();
    expect(whyDisabled({ profile: 'baseline', enabled: ['registry.x-*'], disabled: [] }, strictRule)).toBeUndefined();
    expect(whyDisabled({ profile: 'strict', enabled: ['registry.*'], disabled: ['registry.*'] }, baselineRule)).toBe('AUDITOR_RULES_DISABLED');
    expect(whyDisabled({ profile: 'baseline', enabled: [], disabled: ['*'] }, { id: 'audit.scope-readable' })).toBeUndefined();
  });

  it('settings: AUDITOR_PROFILE, AUDITOR_RULES_ENABLED and AUDITOR_RULES_DISABLED are validated and name every bad value', () => {
    expect(loadConfig({}).ruleSelection).toEqual({ profile: 'baseline', enabled: [], disabled: [] });
    expect(loadConfig({ AUDITOR_PROFILE: 'Strict', AUDITOR_RULES_DISABLED: 'workload.*, registry.approved' }).ruleSelection).toEqual({ profile: 'strict', enabled: [], disabled: ['workload.*', 'registry.approved'] });
    let error: unknown;
    try {
      loadConfig({ AUDITOR_PROFILE: 'paranoid', AUDITOR_RULES_ENABLED: 'registry.nope', AUDITOR_RULES_DISABLED: 'bad pattern!' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/AUDITOR_PROFILE: expected baseline or strict/);
    expect(problems).toMatch(/AUDITOR_RULES_ENABLED: "registry.nope" matches no rule/);
    expect(problems).toMatch(/AUDITOR_RULES_DISABLED: .* is not a rule id or glob/);
  });

  it('every catalogued rule has a profile the docs and `rules` show (baseline when unset)', () => {
    const config = loadConfig({});
    const active = selectRules(RULES, config.ruleSelection).map((r) => r.id);
    expect(active).toEqual(RULES.filter((r) => (r.profile ?? 'baseline') === 'baseline').map((r) => r.id));
  });

  it('a disabled rule evaluates and resolves nothing: its open finding is suppressed ("rule disabled"); switched back on it is unsuppressed, not opened again', async () => {
    const store = memoryStore();
    const t0 = new Date('2026-11-20T02:00:00Z');
    await persistScope(deps(store, {}, t0), { auditId: 'run-1', scopeId: SCOPE, results: [result('fail')] });
    const [opened] = [...store.rows.values()];
    expect(opened).toMatchObject({ status: 'open', ruleId: RULE });

    // Disabled: a pass it might still be handed resolves nothing; the finding is kept as suppressed.
    const t1 = new Date('2026-11-21T02:00:00Z');
    const off = await persistScope(deps(store, { AUDITOR_RULES_DISABLED: 'registry.admin-*' }, t1), { auditId: 'run-2', scopeId: SCOPE, results: [result('pass')], absence: () => ({ observedAt: t1.toISOString() }) });
    expect(off.changes.map((c) => c.kind)).toEqual(['suppressed']);
    let row = store.rows.get(opened!.id)!;
    expect(row).toMatchObject({ status: 'suppressed', suppression: { waiverId: 'rule-disabled', reason: 'rule disabled' }, message: 'admin user is enabled', firstSeen: opened!.firstSeen });

    // Still disabled the next night: unchanged, nothing announced as new.
    const t2 = new Date('2026-11-22T02:00:00Z');
    const again = await persistScope(deps(store, { AUDITOR_RULES_DISABLED: RULE }, t2), { auditId: 'run-3', scopeId: SCOPE, results: [] });
    expect(again.changes.map((c) => c.kind)).toEqual(['still_suppressed']);

    // Switched back on, still failing: unsuppressed (history kept), never "opened".
    const t3 = new Date('2026-11-23T02:00:00Z');
    const on = await persistScope(deps(store, {}, t3), { auditId: 'run-4', scopeId: SCOPE, results: [result('fail')] });
    expect(on.changes.map((c) => c.kind)).toEqual(['unsuppressed']);
    row = store.rows.get(opened!.id)!;
    expect(row).toMatchObject({ status: 'open', firstSeen: opened!.firstSeen });
    expect(row.suppression).toBeUndefined();
    expect(row.history!.map((h) => h.kind)).toEqual(['opened', 'suppressed', 'unsuppressed']);
  });

  it('a resolved finding of a disabled rule stays resolved, and an open one of another rule is untouched', async () => {
    const store = memoryStore();
    const t0 = new Date('2026-11-20T02:00:00Z');
    await persistScope(deps(store, {}, t0), { auditId: 'run-1', scopeId: SCOPE, results: [result('fail'), { ...result('fail'), ruleId: 'registry.anonymous-pull-disabled', message: 'anonymous pull is on' }] });
    await persistScope(deps(store, {}, new Date('2026-11-21T02:00:00Z')), { auditId: 'run-2', scopeId: SCOPE, results: [result('pass')] });
    const out = await persistScope(deps(store, { AUDITOR_RULES_DISABLED: RULE }, new Date('2026-11-22T02:00:00Z')), { auditId: 'run-3', scopeId: SCOPE, results: [] });
    expect(out.changes).toEqual([]);
    const byRule = new Map([...store.rows.values()].map((f) => [f.ruleId, f.status]));
    expect(byRule).toEqual(new Map([[RULE, 'resolved'], ['registry.anonymous-pull-disabled', 'open']]));
  });
});
