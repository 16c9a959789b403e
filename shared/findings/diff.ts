/**
 * The pure decision at the heart of the findings history: given what this audit evaluated in one
 * scope and what is stored for that scope, which findings open, stay open, escalate, resolve or are
 * suppressed. It never resolves a finding it could not re-check:
 *   - a `pass` (or a conclusive `not_applicable`) for the same rule and subject resolves it;
 *   - a subject that no longer exists resolves it only when the audit enumerated every subject of
 *     that rule in the scope (`enumeratedRules`);
 *   - `error` results and inconclusive `not_applicable` leave it as it is.
 * Replaying the same audit (same `auditId`, e.g. a redelivered event) reproduces the same changes,
 * so the notifications planned from them carry the same dedupe keys.
 */
import { severityRank } from '../domain/severity.js';
import type { ChangeKind, Finding, FindingChange, RuleResult } from '../domain/finding.js';
import { findingId } from './keys.js';
import type { WaiverMatcher } from './waivers.js';

/** One transition of a finding (opened, escalated, resolved, suppressed, ...), kept inside the finding's row. */
export interface HistoryEntry {
  auditId: string;
  kind: ChangeKind;
  at: string;
  severity: Finding['severity'];
  message: string;
}

/** At most this many transitions are kept per finding: the first (when it opened) and the latest ones. */
export const MAX_HISTORY = 50;
const MAX_HISTORY_MESSAGE = 300;

/** A stored finding plus the change it went through in the audit that last touched it, and its history. */
export type StoredFinding = Finding & { lastChange?: ChangeKind; history?: HistoryEntry[] };

export interface DiffInput {
  auditId: string;
  now: Date;
  results: readonly RuleResult[];
  enumeratedRules: ReadonlySet<string>;
  existing: readonly StoredFinding[];
  titleOf: (ruleId: string) => string;
  waivers?: WaiverMatcher;
  /** Findings that must not be resolved as gone although their rule was enumerated (their resource could not be read). */
  protect?: (f: StoredFinding) => boolean;
}

export interface DiffOutput {
  upserts: StoredFinding[];
  changes: FindingChange[];
}

const RECORDED: ReadonlySet<ChangeKind> = new Set(['opened', 'reopened', 'escalated', 'resolved', 'suppressed', 'unsuppressed']);

export function diffFindings(input: DiffInput): DiffOutput {
  const now = input.now.toISOString();
  const existing = new Map(input.existing.map((f) => [f.id, f]));
  const touched = new Set<string>();
  const upserts: StoredFinding[] = [];
  const changes: FindingChange[] = [];

  const emit = (kind: ChangeKind, finding: StoredFinding, previous?: StoredFinding) => {
    finding.lastChange = kind;
    const prior = previous?.history ?? [];
    // A replayed audit finds its own entry already there: the history stays as it is (idempotent).
    if (RECORDED.has(kind) && !prior.some((h) => h.auditId === input.auditId && h.kind === kind)) {
      finding.history = capHistory([...prior, { auditId: input.auditId, kind, at: now, severity: finding.severity, message: finding.message.slice(0, MAX_HISTORY_MESSAGE) }]);
    } else {
      finding.history = prior;
    }
    upserts.push(finding);
    changes.push({ kind, finding, ...(previous ? { previous } : {}) });
  };

  for (const r of input.results) {
    const id = findingId(r.ruleId, r.resourceId, r.subject);
    if (touched.has(id)) continue; // one result per rule and subject; the first wins
    const prev = existing.get(id);
    const replay = prev !== undefined && prev.lastAuditId === input.auditId && prev.lastChange !== undefined;

    if (r.status === 'fail' || r.status === 'error') {
      touched.add(id);
      const suppression = input.waivers?.match(r, input.now);
      // An error never overwrites the facts of a known failure: it only says this audit could not re-check it.
      const keepFacts = r.status === 'error' && prev !== undefined && prev.status !== 'resolved' && prev.outcome === 'fail';
      const next: StoredFinding = {
        id,
        ruleId: r.ruleId,
        title: input.titleOf(r.ruleId),
        scopeId: r.scopeId,
        resourceId: r.resourceId,
        subject: r.subject,
        ...(r.subscriptionId ? { subscriptionId: r.subscriptionId } : {}),
        ...(r.registry ? { registry: r.registry } : {}),
        severity: keepFacts ? prev.severity : r.severity,
        status: suppression ? 'suppressed' : 'open',
        outcome: keepFacts ? 'fail' : r.status,
        message: keepFacts ? prev.message : r.message,
        evidence: keepFacts ? prev.evidence : r.evidence,
        firstSeen: prev?.firstSeen ?? now,
        lastSeen: now,
        ...(suppression ? { suppression } : {}),
        lastAuditId: input.auditId,
      };
      if (keepFacts) next.evidence = { ...prev.evidence, lastError: r.message };
      let kind: ChangeKind;
      if (replay) kind = prev.lastChange!;
      else if (!prev || prev.status === 'resolved') kind = suppression ? 'suppressed' : prev ? 'reopened' : 'opened';
      else if (prev.status === 'suppressed') kind = suppression ? 'still_suppressed' : 'unsuppressed';
      else if (suppression) kind = 'suppressed';
      else kind = severityRank(next.severity) > severityRank(prev.severity) ? 'escalated' : 'still_open';
      emit(kind, next, prev);
      continue;
    }

    const resolves = r.status === 'pass' || (r.status === 'not_applicable' && r.conclusive);
    if (!resolves || !prev) continue;
    touched.add(id);
    if (prev.status === 'resolved') {
      if (replay && prev.lastChange === 'resolved') emit('resolved', { ...prev }, prev);
      continue;
    }
    emit('resolved', resolveFinding(prev, input.auditId, now, r.status === 'pass' ? 'passed' : 'not_applicable'), prev);
  }

  for (const prev of input.existing) {
    if (touched.has(prev.id) || !input.enumeratedRules.has(prev.ruleId) || input.protect?.(prev)) continue;
    if (prev.status === 'resolved') {
      if (prev.lastAuditId === input.auditId && prev.lastChange === 'resolved') emit('resolved', { ...prev }, prev);
      continue;
    }
    emit('resolved', resolveFinding(prev, input.auditId, now, 'gone'), prev);
  }
  return { upserts, changes };
}

function capHistory(h: HistoryEntry[]): HistoryEntry[] {
  return h.length <= MAX_HISTORY ? h : [h[0]!, ...h.slice(h.length - (MAX_HISTORY - 1))];
}

function resolveFinding(prev: StoredFinding, auditId: string, now: string, resolution: NonNullable<Finding['resolution']>): StoredFinding {
  const { suppression: _suppression, ...rest } = prev;
  return { ...rest, status: 'resolved', resolvedAt: now, resolution, lastAuditId: auditId };
}
