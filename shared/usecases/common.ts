/** What every use case needs, and the steps they share: evaluate, diff against the store, persist. */
import type { AuditorConfig } from '../config.js';
import type { ChangeCounts, FindingChange, RuleResult } from '../domain/finding.js';
import type { Gap } from '../domain/snapshots.js';
import { diffFindings, type StoredFinding } from '../findings/diff.js';
import type { FindingsStore } from '../findings/tableFindingsStore.js';
import { compileWaivers, type WaiverMatcher } from '../findings/waivers.js';
import type { AzureInventory } from '../inventory/azureInventory.js';
import { ruleById } from '../rules/catalog.js';
import { evaluateRules } from '../rules/evaluate.js';
import type { Rule } from '../rules/kit.js';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface AuditDeps {
  inventory: AzureInventory;
  findings: FindingsStore;
  config: AuditorConfig;
  rules: readonly Rule[];
  clock: () => Date;
  log: Logger;
  waivers?: WaiverMatcher;
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

export function titleOf(ruleId: string): string {
  return ruleById(ruleId)?.title ?? ruleId;
}

/** Coverage results of one scope: a pass when it was read, a failure per gap, all in the scope's partition. */
export function coverageResults(deps: AuditDeps, scopeId: string, resourceId: string, gaps: readonly Gap[]): RuleResult[] {
  const rule = deps.rules.find((r) => r.id === 'audit.scope-readable');
  if (!rule) return [];
  const now = deps.clock();
  if (gaps.length === 0) {
    return [{ scopeId, resourceId, subject: resourceId, ruleId: rule.id, status: 'pass', message: 'scope read in full', evidence: {}, severity: rule.severity, conclusive: true }];
  }
  return evaluateRules(deps.rules, 'scope', gaps, { now, params: deps.config.params }).map((r) => ({ ...r, scopeId }));
}

/** Diffs one scope's results against its stored findings and persists the outcome. */
export async function persistScope(
  deps: AuditDeps,
  input: {
    auditId: string;
    scopeId: string;
    results: readonly RuleResult[];
    enumeratedRules: ReadonlySet<string>;
    existing?: readonly StoredFinding[];
    protect?: (f: StoredFinding) => boolean;
  },
): Promise<FindingChange[]> {
  const existing = input.existing ?? (await deps.findings.listScope(input.scopeId));
  const diff = diffFindings({
    auditId: input.auditId,
    now: deps.clock(),
    results: input.results,
    enumeratedRules: input.enumeratedRules,
    existing,
    titleOf,
    waivers: waiversOf(deps),
    ...(input.protect ? { protect: input.protect } : {}),
  });
  await deps.findings.save(input.scopeId, diff.upserts);
  return diff.changes;
}

export function rulesFor(deps: AuditDeps, mode: 'push' | 'nightly', target?: Rule['target']): Rule[] {
  return deps.rules.filter((r) => r.modes.includes(mode) && (target === undefined || r.target === target));
}
