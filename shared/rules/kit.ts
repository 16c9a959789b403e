/**
 * The rule kit: a rule is metadata beside a pure, synchronous `evaluate(subject, { now, params })`.
 * `defineRule` ties the rule's `target` to its subject type, so `evaluate` is typed without annotations.
 */
import type { Severity } from '../domain/severity.js';
import type { CacheRuleFacts, Gap, ImageFacts, RegistryFacts, RegistryTokenFacts, RepositoryFacts, SubscriptionFacts, WorkloadFacts, WorkloadImageFacts } from '../domain/snapshots.js';
import type { RuleParams } from './params.js';

export interface Subjects {
  registry: RegistryFacts;
  image: ImageFacts;
  workloadImage: WorkloadImageFacts;
  /** One workload with its settings (issue 14: credentials, privilege, exposure, logging, identity). */
  workload: WorkloadFacts;
  scope: Gap;
  /** A subscription in scope (its security plans). */
  subscription: SubscriptionFacts;
  /** One repository-scoped token of a registry (issue 13): one finding per token. */
  registryToken: RegistryTokenFacts;
  /** One pull-through cache rule of a registry (issue 13): one finding per rule. */
  cacheRule: CacheRuleFacts;
  /** One repository of a registry, listed in full in the nightly audit (issue 15): one finding per repository. */
  repository: RepositoryFacts;
}
export type RuleTarget = keyof Subjects;

/** The Microsoft guidance a rule implements. */
export type GuidanceSection =
  | 'private-approved-registries'
  | 'approved-images'
  | 'protected-credentials'
  | 'audited-admin-access'
  | 'images-up-to-date'
  | 'vulnerability-scanning'
  | 'audit-coverage';

/** Rule profiles, from the least to the most demanding: a profile includes the ones before it. */
export const RULE_PROFILES = ['baseline', 'strict'] as const;
export type RuleProfile = (typeof RULE_PROFILES)[number];

/** The profile of a rule's metadata (`baseline` when unset). */
export function profileOf(rule: Pick<RuleMetadata, 'profile'>): RuleProfile {
  return rule.profile ?? 'baseline';
}

export interface RuleMetadata<T extends RuleTarget = RuleTarget> {
  /** `<target>.<compliant-condition>`, stable forever, equal to the file name. */
  id: string;
  /** States the compliant condition. */
  title: string;
  target: T;
  severity: Severity;
  /** Why it matters: the risk when the rule fails. */
  rationale: string;
  remediation: { description: string; cli: string; bicep?: string };
  guidance: GuidanceSection;
  /** Microsoft cloud security benchmark control ids, where known (e.g. IM-1, NS-2). */
  mcsb: string[];
  references: string[];
  /** Where the rule runs: the push-time audit, the nightly audit, or both. */
  modes: Array<'push' | 'nightly'>;
  /**
   * The profile that turns the rule on (default `baseline`): `strict` rules are opinions (e.g. no public
   * endpoint at all) that run only with AUDITOR_PROFILE=strict or when AUDITOR_RULES_ENABLED names them.
   */
  profile?: RuleProfile;
  /**
   * What a push-time result may do to the rule's finding. `'any'` (the default): a pass resolves it like
   * a nightly pass. `'fail-only'`: a push can open or refresh the finding but never resolve it, because
   * one push shows one client only (a push by a non-admin says nothing about the other users of the admin
   * account); the push-time pass and not-applicable results are dropped and the nightly audit decides.
   */
  pushResults?: 'any' | 'fail-only';
  /**
   * Evidence keys that change with time alone (an age in days): a finding whose other facts are
   * unchanged is not rewritten just because these moved (the nightly run's writes stay proportional to
   * change). The rule's message must then not contain them either.
   */
  volatileEvidence?: readonly string[];
}

export interface EvaluationContext {
  /** The audit's clock, passed in: rules never read the time themselves. */
  now: Date;
  params: RuleParams;
}

export type Evaluation =
  | { status: 'pass'; message: string; evidence?: Record<string, unknown> }
  | { status: 'fail'; message: string; evidence?: Record<string, unknown>; severity?: Severity }
  | { status: 'not_applicable'; message: string; evidence?: Record<string, unknown>; conclusive?: boolean };

export interface Rule<T extends RuleTarget = RuleTarget> extends RuleMetadata<T> {
  evaluate(subject: Subjects[T], ctx: EvaluationContext): Evaluation;
}

export function defineRule<T extends RuleTarget>(rule: Rule<T>): Rule<T> {
  return Object.freeze(rule);
}

export const pass = (message: string, evidence?: Record<string, unknown>): Evaluation => ({ status: 'pass', message, ...(evidence ? { evidence } : {}) });
export const fail = (message: string, evidence?: Record<string, unknown>): Evaluation => ({ status: 'fail', message, ...(evidence ? { evidence } : {}) });
export const notApplicable = (message: string, opts: { conclusive?: boolean; evidence?: Record<string, unknown> } = {}): Evaluation => ({
  status: 'not_applicable',
  message,
  conclusive: opts.conclusive ?? true,
  ...(opts.evidence ? { evidence: opts.evidence } : {}),
});

export const DAY_MS = 86_400_000;

/** Whole days between an ISO time and now (never negative). */
export function ageInDays(iso: string, now: Date): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return Number.NaN;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}
