/** What every use case needs, and the steps they share: evaluate, diff against the store, persist. */
import type { AuditorConfig } from '../config.js';
import type { ChangeCounts, FindingChange, RuleResult } from '../domain/finding.js';
import type { Gap } from '../domain/snapshots.js';
import { diffFindings, type Absence, type StoredFinding } from '../findings/diff.js';
import { findingId } from '../findings/keys.js';
import { compileWaivers, type WaiverMatcher } from '../findings/waivers.js';
import type { AzureSources, FindingsStore } from './ports.js';
import { COVERAGE_RULE_ID } from '../rules/audit.scope-readable.js';
import { RULES, ruleById } from '../rules/catalog.js';
import { isRuleEnabled, type RuleSelection } from '../rules/selection.js';
import { evaluateRules } from '../rules/evaluate.js';
import type { Rule } from '../rules/kit.js';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface AuditDeps {
  azure: AzureSources;
  findings: FindingsStore;
  config: AuditorConfig;
  rules: readonly Rule[];
  clock: () => Date;
  log: Logger;
  waivers?: WaiverMatcher;
  /** Called with the transitions each write committed (the nightly run records them for its digest). */
  onCommitted?: (scopeId: string, changes: readonly FindingChange[]) => Promise<void>;
}

export interface ScopeOutcome {
  scopeId: string;
  /** Changes of the last write (all of them, unless the use case persisted in chunks: then see `counts`). */
  changes: FindingChange[];
  /** Counts of every change in the scope, when they are not all in `changes`. */
  counts?: ChangeCounts;
  gaps: Gap[];
  /** Rule evaluations run (pass, fail, not applicable, error). */
  evaluated: number;
}

export function waiversOf(deps: AuditDeps): WaiverMatcher {
  return deps.waivers ?? compileWaivers(deps.config.waivers);
}

/** The suppression a disabled rule's open findings carry (no configured waiver: the rule selection). */
export const RULE_DISABLED = Object.freeze({ waiverId: 'rule-disabled', reason: 'rule disabled' });

const disabledCache = new WeakMap<RuleSelection, ReadonlySet<string>>();

/** Catalogued rules the configured selection turns off. */
export function disabledRuleIds(deps: Pick<AuditDeps, 'config'>): ReadonlySet<string> {
  const selection = deps.config.ruleSelection;
  let out = disabledCache.get(selection);
  if (!out) {
    out = new Set(RULES.filter((r) => !isRuleEnabled(selection, r)).map((r) => r.id));
    disabledCache.set(selection, out);
  }
  return out;
}

/**
 * A disabled rule evaluates and resolves nothing. Its open findings are re-stated as they are (same
 * message, evidence and severity) with a synthetic waiver, so the unchanged diff marks them `suppressed`
 * ("rule disabled"); switching the rule back on then unsuppresses or resolves them instead of opening
 * them again as new.
 */
function withDisabledRules(disabled: ReadonlySet<string>, results: readonly RuleResult[], existing: readonly StoredFinding[], waivers: WaiverMatcher, now: Date): { results: RuleResult[]; waivers: WaiverMatcher } {
  const kept = results.filter((r) => !disabled.has(r.ruleId));
  const restated: RuleResult[] = existing
    // Open ones, and the ones already suppressed for it (re-confirmed: `still_suppressed`, never undecided).
    .filter((f) => disabled.has(f.ruleId) && (f.status === 'open' || (f.status === 'suppressed' && f.suppression?.waiverId === RULE_DISABLED.waiverId)))
    .map((f) => ({
      scopeId: f.scopeId,
      resourceId: f.resourceId,
      subject: f.subject,
      ...(f.subscriptionId ? { subscriptionId: f.subscriptionId } : {}),
      ...(f.registry ? { registry: f.registry } : {}),
      ...(f.owner ? { owner: f.owner } : {}),
      ruleId: f.ruleId,
      status: 'fail',
      message: f.message,
      evidence: f.evidence,
      severity: f.severity,
      conclusive: true,
      observedAt: now.toISOString(),
    }));
  return {
    results: [...kept, ...restated],
    waivers: { match: (f, at) => (disabled.has(f.ruleId) ? { ...RULE_DISABLED } : waivers.match(f, at)) },
  };
}

export function titleOf(ruleId: string): string {
  return ruleById(ruleId)?.title ?? ruleId;
}

/** Coverage results of one scope: a pass when it was read, a failure per gap, all in the scope's partition. */
export function coverageResults(deps: AuditDeps, scopeId: string, resourceId: string, gaps: readonly Gap[]): RuleResult[] {
  const rule = deps.rules.find((r) => r.id === COVERAGE_RULE_ID);
  if (!rule) return [];
  const now = deps.clock();
  if (gaps.length === 0) {
    return [{ scopeId, resourceId, subject: resourceId, ruleId: rule.id, status: 'pass', message: 'scope read in full', evidence: {}, severity: rule.severity, conclusive: true }];
  }
  return evaluateRules(deps.rules, 'scope', gaps, { now, params: deps.config.params }).map((r) => ({ ...r, scopeId }));
}

export interface PersistInput {
  auditId: string;
  scopeId: string;
  results: readonly RuleResult[];
  /** The scope's stored findings that these results and absences may touch (default: the whole scope). */
  existing?: readonly StoredFinding[];
  /** Confirmed deletions of stored findings' subjects (see diffFindings): nothing else resolves as gone. */
  absence?: (f: StoredFinding) => Absence | undefined;
  /** See DiffInput.trackNewerObservations (the push path turns it on). */
  trackNewerObservations?: boolean;
  /**
   * Leave unchanged re-confirmed findings of nightly-only rules as stored (the nightly run): writes stay
   * proportional to change. Rules the push audit also evaluates are always written, so a concurrent push
   * can never overtake an observation that was not recorded.
   */
  deferUnchanged?: boolean;
}

export interface PersistOutcome {
  /** The transitions that were committed (each finding once). */
  changes: FindingChange[];
  /** Observations ignored because the finding already held a newer one. */
  stale: number;
  /** Findings the store refused (bad entity), with the reason: gaps for the caller, the rest is written. */
  failed: Array<{ id: string; reason: string }>;
  /** Findings re-confirmed unchanged and left as stored. */
  deferred: number;
  /** Stored open or suppressed findings this write neither changed nor confirmed. */
  undecided: string[];
}

/** Findings of rules the push audit never evaluates: only the nightly run writes them. */
function nightlyOnly(f: StoredFinding): boolean {
  const rule = ruleById(f.ruleId);
  return rule !== undefined && !rule.modes.includes('push');
}

function volatileEvidence(ruleId: string): readonly string[] {
  return ruleById(ruleId)?.volatileEvidence ?? [];
}

/** Conflicts re-read and re-decided before the write is given up (the queue then redelivers the audit). */
const MAX_CONFLICT_ROUNDS = 6;

/**
 * Diffs one scope's results against its stored findings and persists the outcome with conditional
 * writes: a finding another actor (a push, another shard) changed since it was read is re-read and
 * re-decided against what that actor wrote, so nothing is overwritten and each transition is
 * committed, and announced, once.
 */
export async function persistScope(deps: AuditDeps, input: PersistInput): Promise<PersistOutcome> {
  let existing = input.existing ?? (await deps.findings.listScope(input.scopeId));
  const disabled = disabledRuleIds(deps);
  let waivers = waiversOf(deps);
  let results = input.results;
  if (disabled.size) ({ results, waivers } = withDisabledRules(disabled, input.results, existing, waivers, deps.clock()));
  let absence = input.absence;
  if (disabled.size && absence) {
    const given = absence;
    absence = (f) => (disabled.has(f.ruleId) ? undefined : given(f));
  }
  const committed = new Map<string, FindingChange>();
  const out: PersistOutcome = { changes: [], stale: 0, failed: [], deferred: 0, undecided: [] };
  for (let round = 0; ; round++) {
    const diff = diffFindings({
      auditId: input.auditId,
      now: deps.clock(),
      results,
      existing,
      titleOf,
      waivers,
      ...(absence ? { absence } : {}),
      ...(input.trackNewerObservations ? { trackNewerObservations: true } : {}),
      ...(input.deferUnchanged ? { deferUnchanged: nightlyOnly, volatileEvidence } : {}),
    });
    const saved = await deps.findings.save(input.scopeId, diff.upserts);
    const conflicts = new Set(saved.conflicts);
    const failed = new Set(saved.failed.map((f) => f.id));
    for (const c of diff.changes) if (!conflicts.has(c.finding.id) && !failed.has(c.finding.id)) committed.set(c.finding.id, c);
    out.stale += diff.stale;
    out.deferred += diff.deferred;
    if (round === 0) out.undecided.push(...diff.undecided);
    out.failed.push(...saved.failed);
    if (!conflicts.size) break;
    if (round + 1 >= MAX_CONFLICT_ROUNDS) throw new Error(`findings of ${input.scopeId} kept changing under this audit (${conflicts.size} conflicting writes after ${MAX_CONFLICT_ROUNDS} rounds)`);
    deps.log.info('findings changed meanwhile: re-read and re-decided', { scope: input.scopeId, conflicts: conflicts.size });
    existing = await deps.findings.getFindings(input.scopeId, [...conflicts]);
    results = results.filter((r) => conflicts.has(findingId(r.ruleId, r.resourceId, r.subject)));
    const previous = absence;
    absence = previous ? (f) => (conflicts.has(f.id) ? previous(f) : undefined) : undefined;
  }
  out.changes = [...committed.values()];
  if (deps.onCommitted && out.changes.length) await deps.onCommitted(input.scopeId, out.changes);
  return out;
}

export function rulesFor(deps: AuditDeps, mode: 'push' | 'nightly', target?: Rule['target']): Rule[] {
  return deps.rules.filter((r) => r.modes.includes(mode) && (target === undefined || r.target === target));
}
