/**
 * The pure decision at the heart of the findings history: a state machine per finding whose inputs
 * are observations, each with the time its facts were read and an authority:
 *   - observed fail (a rule failed; or `error`: the rule could not be evaluated, never a pass);
 *   - observed pass (a `pass`, or a conclusive `not_applicable`);
 *   - could not observe (an inconclusive `not_applicable`: data not collected, registry 403/503/429);
 *   - confirmed deleted (an authoritative absence the caller proved: ARM 404, data-plane 404, or a
 *     complete data-plane listing of the repository the subject lived in), given by `absence`;
 *   - not visible / not re-checked: no input at all.
 * The only ways to `resolved` are an observed pass and a confirmed deletion. An observation older than
 * the newest one already applied to a finding (`observedAt`) changes nothing: a stale snapshot never
 * overrides a newer observation, whatever order the writes arrive in. Replaying the same audit (same
 * `auditId`, e.g. a redelivered event or shard) reproduces the same changes, so notifications planned
 * from them carry the same dedupe keys.
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

/**
 * A stored finding plus the change it went through in the audit that last touched it, its history,
 * and the store's concurrency token of the row as read (absent: not stored yet).
 */
export type StoredFinding = Finding & { lastChange?: ChangeKind; history?: HistoryEntry[]; etag?: string };

/** A confirmed deletion of a stored finding's subject, and when it was observed. */
export interface Absence {
  observedAt: string;
}

export interface DiffInput {
  auditId: string;
  now: Date;
  results: readonly RuleResult[];
  existing: readonly StoredFinding[];
  titleOf: (ruleId: string) => string;
  waivers?: WaiverMatcher;
  /**
   * For a stored finding that no result of this audit mentions: the confirmed deletion of its subject,
   * or undefined when this audit did not prove it gone (then the finding is left exactly as it is).
   */
  absence?: (f: StoredFinding) => Absence | undefined;
  /**
   * Record on an already resolved finding a pass or deletion observed later than what its row holds
   * (one write, no transition), so an older failing observation written afterwards cannot reopen it.
   * For audits that observe few subjects (push events); the nightly run, which observes every subject,
   * leaves it off so an unchanged estate costs no writes.
   */
  trackNewerObservations?: boolean;
  /**
   * Findings that may stay as stored when an audit re-confirms them unchanged (same status, severity,
   * message and evidence but for the rule's volatile keys): no write, the transition is still reported
   * (`still_open`). Only for findings no other actor writes concurrently (rules the push audit never
   * evaluates), so an older observation can never overtake the newer one this skips recording.
   */
  deferUnchanged?: (f: StoredFinding) => boolean;
  /** Evidence keys of a rule that change with time alone (see RuleMetadata.volatileEvidence). */
  volatileEvidence?: (ruleId: string) => readonly string[];
}

export interface DiffOutput {
  /** Rows to write, each with the etag of the row it replaces (none: a new row). */
  upserts: StoredFinding[];
  /** The transitions, one per finding at most. Rows written only to record a newer observation have none. */
  changes: FindingChange[];
  /** Observations ignored because the finding already holds a newer one. */
  stale: number;
  /** Findings re-confirmed unchanged and left as stored (deferUnchanged). */
  deferred: number;
  /** Stored open or suppressed findings this audit neither changed nor confirmed (inconclusive, or not decided). */
  undecided: string[];
}

const RECORDED: ReadonlySet<ChangeKind> = new Set(['opened', 'reopened', 'escalated', 'resolved', 'suppressed', 'unsuppressed']);

/** `absence` for audits that enumerated every subject of some rules in a scope at `observedAt`. */
export function absentFrom(rules: ReadonlySet<string>, observedAt: string, except?: (f: StoredFinding) => boolean): (f: StoredFinding) => Absence | undefined {
  return (f) => (rules.has(f.ruleId) && !except?.(f) ? { observedAt } : undefined);
}

/**
 * True when an observation made at `at` adds nothing to what `prev` holds: it is older, or exactly as
 * old and from another audit (a redelivery of an observation already applied, or the same read seen
 * by two events).
 */
export function isStale(prev: Pick<StoredFinding, 'observedAt'> | undefined, at: string): boolean {
  return prev?.observedAt !== undefined && at <= prev.observedAt;
}

export function diffFindings(input: DiffInput): DiffOutput {
  const now = input.now.toISOString();
  const existing = new Map(input.existing.map((f) => [f.id, f]));
  const touched = new Set<string>();
  const upserts: StoredFinding[] = [];
  const changes: FindingChange[] = [];
  let stale = 0;
  let deferred = 0;
  const decided = new Set<string>();

  const emit = (kind: ChangeKind, finding: StoredFinding, previous?: StoredFinding) => {
    finding.lastChange = kind;
    const prior = previous?.history ?? [];
    // A replayed audit finds its own entry already there: the history stays as it is (idempotent).
    if (RECORDED.has(kind) && !prior.some((h) => h.auditId === input.auditId && h.kind === kind)) {
      finding.history = capHistory([...prior, { auditId: input.auditId, kind, at: now, severity: finding.severity, message: finding.message.slice(0, MAX_HISTORY_MESSAGE) }]);
    } else {
      finding.history = prior;
    }
    withEtag(finding, previous);
    upserts.push(finding);
    changes.push({ kind, finding, ...(previous ? { previous: withoutEtag(previous) } : {}) });
  };

  for (const r of input.results) {
    const id = findingId(r.ruleId, r.resourceId, r.subject);
    if (touched.has(id)) continue; // one result per rule and subject; the first wins
    // Whatever the result says, the subject was seen: it is not a candidate for `gone`.
    touched.add(id);
    const prev = existing.get(id);
    const at = r.observedAt ?? now;
    const replay = prev !== undefined && prev.lastAuditId === input.auditId && prev.lastChange !== undefined;

    if (r.status === 'fail' || r.status === 'error') {
      // An error is "could not observe": it opens an error finding for a subject that has none (a rule
      // that throws is never a pass), and changes nothing about a finding that exists, open or resolved.
      if (r.status === 'error' && prev && !replay) continue;
      if (!replay && isStale(prev, at)) {
        stale++;
        continue;
      }
      const suppression = input.waivers?.match(r, input.now);
      const observedAt = r.status === 'error' ? undefined : at;
      const next: StoredFinding = {
        id,
        ruleId: r.ruleId,
        title: input.titleOf(r.ruleId),
        scopeId: r.scopeId,
        resourceId: r.resourceId,
        subject: r.subject,
        ...(r.subscriptionId ? { subscriptionId: r.subscriptionId } : {}),
        ...(r.registry ? { registry: r.registry } : {}),
        ...(r.owner ? { owner: r.owner } : {}),
        severity: r.severity,
        status: suppression ? 'suppressed' : 'open',
        outcome: r.status,
        message: r.message,
        evidence: r.evidence,
        firstSeen: prev?.firstSeen ?? now,
        lastSeen: now,
        ...(suppression ? { suppression } : {}),
        lastAuditId: input.auditId,
        ...(observedAt !== undefined ? { observedAt } : {}),
      };
      let kind: ChangeKind;
      if (replay) kind = prev.lastChange!;
      else if (!prev || prev.status === 'resolved') kind = suppression ? 'suppressed' : prev ? 'reopened' : 'opened';
      else if (prev.status === 'suppressed') kind = suppression ? 'still_suppressed' : 'unsuppressed';
      else if (suppression) kind = 'suppressed';
      else kind = severityRank(next.severity) > severityRank(prev.severity) ? 'escalated' : 'still_open';
      decided.add(id);
      if (!replay && prev && (kind === 'still_open' || kind === 'still_suppressed') && input.deferUnchanged?.(prev) && sameFacts(prev, next, input.volatileEvidence?.(r.ruleId) ?? [])) {
        deferred++;
        changes.push({ kind, finding: withoutEtag({ ...prev, lastSeen: now }), previous: withoutEtag(prev) });
        continue;
      }
      emit(kind, next, prev);
      continue;
    }

    const resolves = r.status === 'pass' || (r.status === 'not_applicable' && r.conclusive);
    if (!resolves || !prev) continue; // could not observe: nothing changes
    decided.add(id);
    if (prev.status === 'resolved') {
      if (replay && prev.lastChange === 'resolved') emit('resolved', { ...prev }, prev);
      else if (input.trackNewerObservations && (prev.observedAt === undefined || at > prev.observedAt)) {
        // Still passing, observed later than what the row holds: record the time, so an older failing
        // snapshot written after this one cannot reopen it. Not a transition: nothing is announced.
        upserts.push(withEtag({ ...prev, observedAt: at, resolution: r.status === 'pass' ? 'passed' : 'not_applicable' }, prev));
      }
      continue;
    }
    if (!replay && isStale(prev, at)) {
      stale++;
      continue;
    }
    emit('resolved', resolveFinding(prev, input.auditId, now, at, r.status === 'pass' ? 'passed' : 'not_applicable'), prev);
  }

  if (input.absence) {
    for (const prev of input.existing) {
      if (touched.has(prev.id)) continue;
      const absent = input.absence(prev);
      if (!absent) continue;
      if (prev.status === 'resolved') {
        if (prev.lastAuditId === input.auditId && prev.lastChange === 'resolved') emit('resolved', { ...prev }, prev);
        else if (input.trackNewerObservations && (prev.observedAt === undefined || absent.observedAt > prev.observedAt)) upserts.push(withEtag({ ...prev, observedAt: absent.observedAt, resolution: 'gone' }, prev));
        continue;
      }
      if (prev.lastAuditId !== input.auditId && isStale(prev, absent.observedAt)) {
        stale++;
        continue;
      }
      emit('resolved', resolveFinding(prev, input.auditId, now, absent.observedAt, 'gone'), prev);
      decided.add(prev.id);
    }
  }
  const undecided = input.existing.filter((f) => f.status !== 'resolved' && !decided.has(f.id)).map((f) => f.id);
  return { upserts, changes, stale, deferred, undecided };
}

/** Whether a re-observed finding holds the same facts as stored (volatile evidence keys aside). */
function sameFacts(prev: StoredFinding, next: StoredFinding, volatile: readonly string[]): boolean {
  const strip = (e: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => !volatile.includes(k))));
  return prev.status === next.status && prev.severity === next.severity && prev.outcome === next.outcome && prev.message === next.message
    && prev.title === next.title && (prev.subscriptionId ?? '') === (next.subscriptionId ?? '') && (prev.registry ?? '') === (next.registry ?? '')
    && JSON.stringify(prev.suppression ?? null) === JSON.stringify(next.suppression ?? null) && strip(prev.evidence) === strip(next.evidence);
}

function withEtag(next: StoredFinding, prev: StoredFinding | undefined): StoredFinding {
  if (prev?.etag !== undefined) next.etag = prev.etag;
  else delete next.etag;
  return next;
}

function withoutEtag(f: StoredFinding): StoredFinding {
  const { etag: _etag, ...rest } = f;
  return rest;
}

function capHistory(h: HistoryEntry[]): HistoryEntry[] {
  return h.length <= MAX_HISTORY ? h : [h[0]!, ...h.slice(h.length - (MAX_HISTORY - 1))];
}

function resolveFinding(prev: StoredFinding, auditId: string, now: string, observedAt: string, resolution: NonNullable<Finding['resolution']>): StoredFinding {
  const { suppression: _suppression, ...rest } = prev;
  return { ...rest, status: 'resolved', resolvedAt: now, resolution, lastAuditId: auditId, observedAt };
}
