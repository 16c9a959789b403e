/**
 * Findings: the outcome of a rule on a subject, and their life over time.
 *
 * A `RuleResult` is what one evaluation says. A `Finding` is the stored record of a failing (or
 * erroring) rule on a subject, identified by a deterministic id so that re-audits and redelivered
 * events update the same record. A `FindingChange` is what happened to a finding in one audit.
 */
import type { Severity } from './severity.js';

export type ResultStatus = 'pass' | 'fail' | 'not_applicable' | 'error';

/** Where a result belongs: the audited resource, the thing inside it, and the shard that owns it. */
export interface SubjectRef {
  /** Partition of the findings store: the registry id for registry and image rules, `/subscriptions/<id>` for workloads, `audit` for coverage. */
  scopeId: string;
  /** ARM id of the audited resource (registry, workload) or the unreadable scope. */
  resourceId: string;
  /** What inside the resource was checked: the resource id itself, an image reference, a container. */
  subject: string;
  subscriptionId?: string;
  /** Login server of the registry involved, for routing and display. */
  registry?: string;
  /** The resource's `owner` tag (any case of the key), for display in alerts and reports. */
  owner?: string;
}

export interface RuleResult extends SubjectRef {
  ruleId: string;
  status: ResultStatus;
  message: string;
  evidence: Record<string, unknown>;
  severity: Severity;
  /** For `not_applicable`: false when the audit could not tell (data not collected); such a result never resolves a finding. */
  conclusive: boolean;
  /**
   * When the facts behind this result were read (ISO 8601; the start of the read). A result older than
   * the newest observation already applied to its finding never changes it (findings/diff.ts). Absent:
   * the audit's own time.
   */
  observedAt?: string;
}

export type FindingStatus = 'open' | 'resolved' | 'suppressed';

export interface Suppression {
  waiverId: string;
  reason: string;
  expiresAt?: string;
}

export interface Finding extends SubjectRef {
  /** Deterministic: hash of rule id, resource id and subject. */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  /** `fail`: the rule failed; `error`: the rule could not be evaluated (never treated as a pass). */
  outcome: 'fail' | 'error';
  message: string;
  evidence: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  /** Why it was resolved: the rule passed, no longer applies, or the subject is gone. */
  resolution?: 'passed' | 'not_applicable' | 'gone';
  suppression?: Suppression;
  /** The audit run or event that last touched it. */
  lastAuditId: string;
  /** When the facts of the newest observation applied to it were read (pass, fail or confirmed deletion). */
  observedAt?: string;
}

export type ChangeKind =
  | 'opened'
  | 'reopened'
  | 'still_open'
  | 'escalated'
  | 'resolved'
  | 'suppressed'
  | 'still_suppressed'
  | 'unsuppressed';

export interface FindingChange {
  kind: ChangeKind;
  finding: Finding;
  /** The stored state before this audit, when there was one. */
  previous?: Finding;
}

export interface ChangeCounts {
  opened: number;
  stillOpen: number;
  resolved: number;
  suppressed: number;
}

export function countChanges(changes: readonly FindingChange[]): ChangeCounts {
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  for (const c of changes) {
    if (c.kind === 'opened' || c.kind === 'reopened' || c.kind === 'unsuppressed') counts.opened++;
    else if (c.kind === 'still_open' || c.kind === 'escalated') counts.stillOpen++;
    else if (c.kind === 'resolved') counts.resolved++;
    else if (c.kind === 'suppressed' || c.kind === 'still_suppressed') counts.suppressed++;
  }
  return counts;
}
