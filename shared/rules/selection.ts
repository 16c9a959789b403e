/**
 * Rule selection (PURE): which catalogued rules an audit runs. AUDITOR_PROFILE picks the profile (a
 * profile includes the ones before it: `strict` runs the baseline rules too); AUDITOR_RULES_ENABLED adds
 * rules outside the profile; AUDITOR_RULES_DISABLED removes rules, and wins over both. Patterns are rule
 * ids or globs (`registry.*`), matched by the linear-time matcher. The coverage rule always runs: a
 * gap must never look compliant.
 */
import { glob } from '../domain/patterns.js';
import { COVERAGE_RULE_ID } from './audit.scope-readable.js';
import { profileOf, RULE_PROFILES, type RuleMetadata, type RuleProfile } from './kit.js';

export interface RuleSelection {
  profile: RuleProfile;
  /** Rule ids or globs turned on whatever their profile. */
  enabled: readonly string[];
  /** Rule ids or globs turned off (wins over the profile and `enabled`). */
  disabled: readonly string[];
}

export const DEFAULT_RULE_SELECTION: RuleSelection = Object.freeze({ profile: 'baseline', enabled: [], disabled: [] });

/** Rule ids are lower case: `*` spans any run of characters. */
const RULE_PATTERN = /^[a-z0-9.*-]{1,100}$/;

export function isRulePattern(pattern: string): boolean {
  return RULE_PATTERN.test(pattern);
}

export function rulePatternMatches(pattern: string, ruleId: string): boolean {
  return glob(pattern, { caseInsensitive: true })(ruleId);
}

/** Why a rule is off, or undefined when it runs. */
export function whyDisabled(selection: RuleSelection, rule: Pick<RuleMetadata, 'id' | 'profile'>): string | undefined {
  if (rule.id === COVERAGE_RULE_ID) return undefined;
  const matches = (patterns: readonly string[]) => patterns.some((p) => rulePatternMatches(p, rule.id));
  if (matches(selection.disabled)) return 'AUDITOR_RULES_DISABLED';
  if (matches(selection.enabled)) return undefined;
  const profile = profileOf(rule);
  return RULE_PROFILES.indexOf(profile) <= RULE_PROFILES.indexOf(selection.profile) ? undefined : `profile ${profile} (AUDITOR_PROFILE is ${selection.profile})`;
}

export function isRuleEnabled(selection: RuleSelection, rule: Pick<RuleMetadata, 'id' | 'profile'>): boolean {
  return whyDisabled(selection, rule) === undefined;
}

/** The rules an audit runs, in catalog order. */
export function selectRules<R extends Pick<RuleMetadata, 'id' | 'profile'>>(rules: readonly R[], selection: RuleSelection): R[] {
  return rules.filter((r) => isRuleEnabled(selection, r));
}
