/**
 * Runs rules against subjects. Every rule runs against every subject of its target; an exception
 * becomes an `error` result for that rule and subject (never a pass) and the other rules still run.
 */
import type { RuleResult } from '../domain/finding.js';
import type { EvaluationContext, Rule, RuleTarget, Subjects } from './kit.js';
import { subjectRefOf } from './subjects.js';

export function evaluateRules<T extends RuleTarget>(
  rules: readonly Rule[],
  target: T,
  subjects: Iterable<Subjects[T]>,
  ctx: EvaluationContext,
): RuleResult[] {
  const applicable = rules.filter((r): r is Rule<T> => r.target === target);
  const out: RuleResult[] = [];
  for (const subject of subjects) {
    const ref = subjectRefOf[target](subject);
    for (const rule of applicable) {
      try {
        const e = rule.evaluate(subject, ctx);
        out.push({
          ...ref,
          ruleId: rule.id,
          status: e.status,
          message: e.message,
          evidence: e.evidence ?? {},
          severity: (e.status === 'fail' && e.severity) || rule.severity,
          conclusive: e.status === 'not_applicable' ? e.conclusive !== false : true,
        });
      } catch (err) {
        out.push({
          ...ref,
          ruleId: rule.id,
          status: 'error',
          message: `rule could not be evaluated: ${err instanceof Error ? err.message : String(err)}`,
          evidence: {},
          severity: rule.severity,
          conclusive: false,
        });
      }
    }
  }
  return out;
}
