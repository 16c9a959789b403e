/**
 * Registry child resources in the nightly audit of one registry (issue 13): repository-scoped tokens and
 * pull-through cache rules (one subject each), and the soft delete policy. Each is read only when a rule that
 * needs it runs (nightly rules only); a read that fails is a gap (the coverage rule reports it) and leaves
 * those rules without a result for the registry, so their findings stay as they are: never a pass. A complete
 * list is the proof that a token or cache rule with a stored finding is gone.
 */
import type { RuleResult } from '../domain/finding.js';
import type { Gap, RegistryFacts, RegistrySnapshot, SoftDeleteFacts } from '../domain/snapshots.js';
import type { Absence, StoredFinding } from '../findings/diff.js';
import { gapFromError } from '../inventory/errors.js';
import { evaluateRules } from '../rules/evaluate.js';
import type { EvaluationContext } from '../rules/kit.js';
import { SOFT_DELETE_RULE_ID } from '../rules/registry.soft-delete-enabled.js';
import { registryChildSubject } from '../rules/subjects.js';
import { rulesFor, type AuditDeps } from './common.js';

export type RegistryChildFacts = Pick<RegistryFacts, 'tokens' | 'cacheRules' | 'softDelete'>;

/**
 * Reads what the enabled nightly rules need; every failure becomes a gap, and the promise never rejects.
 * `part`: `settings` (the soft delete policy, which a registry rule reads), `lists` (tokens and cache rules, one
 * subject each: the audit reads them alongside the image listing), or both. `readAt`: when the reads started.
 */
export async function readRegistryChildren(deps: AuditDeps, registry: RegistrySnapshot, gaps: Gap[], part: 'settings' | 'lists' | 'all' = 'all'): Promise<{ facts: RegistryChildFacts; readAt: string }> {
  const arm = deps.azure.arm;
  const readAt = deps.clock().toISOString();
  const facts: RegistryChildFacts = {};
  const lists = part !== 'settings';
  const wantsTokens = lists && rulesFor(deps, 'nightly', 'registryToken').length > 0;
  const wantsCacheRules = lists && rulesFor(deps, 'nightly', 'cacheRule').length > 0;
  const wantsSoftDelete = part !== 'lists' && rulesFor(deps, 'nightly', 'registry').some((r) => r.id === SOFT_DELETE_RULE_ID);
  // A port without a method (an in-memory fake) reads nothing: the rules stay without a result.
  await Promise.all([
    wantsTokens && arm.listRegistryTokens
      ? arm.listRegistryTokens(registry.id).then((t) => void (facts.tokens = t), (e: unknown) => void gaps.push(gapFromError(e, `${registry.id}/tokens`)))
      : undefined,
    wantsCacheRules && arm.listRegistryCacheRules
      ? arm.listRegistryCacheRules(registry.id).then((c) => void (facts.cacheRules = c), (e: unknown) => void gaps.push(gapFromError(e, `${registry.id}/cacheRules`)))
      : undefined,
    wantsSoftDelete && arm.getRegistrySoftDeletePolicy
      ? readSoftDelete(deps, registry, gaps).then((s) => void (s ? (facts.softDelete = s) : undefined))
      : undefined,
  ]);
  return { facts, readAt };
}

async function readSoftDelete(deps: AuditDeps, registry: RegistrySnapshot, gaps: Gap[]): Promise<SoftDeleteFacts | undefined> {
  const arm = deps.azure.arm;
  let softDelete: SoftDeleteFacts;
  try {
    softDelete = { policy: await arm.getRegistrySoftDeletePolicy!(registry.id) };
  } catch (e) {
    gaps.push(gapFromError(e, `${registry.id} (soft delete policy)`));
    return undefined;
  }
  // Only Premium registries replicate, and only a policy that is not on needs to know whether they do.
  if (registry.sku.toLowerCase() === 'premium' && softDelete.policy?.status.toLowerCase() !== 'enabled' && arm.listRegistryReplicationLocations) {
    try {
      softDelete.replicationLocations = await arm.listRegistryReplicationLocations(registry.id);
    } catch (e) {
      gaps.push(gapFromError(e, `${registry.id}/replications`));
    }
  }
  return softDelete;
}

/** The token and cache-rule rules over every token and cache rule read (one result each). */
export function registryChildResults(deps: AuditDeps, facts: RegistryFacts, ctx: EvaluationContext, readAt: string): RuleResult[] {
  const { registry } = facts;
  const out: RuleResult[] = [];
  if (facts.tokens) out.push(...evaluateRules(rulesFor(deps, 'nightly', 'registryToken'), 'registryToken', facts.tokens.map((token) => ({ registry, token })), ctx));
  if (facts.cacheRules) out.push(...evaluateRules(rulesFor(deps, 'nightly', 'cacheRule'), 'cacheRule', facts.cacheRules.map((cacheRule) => ({ registry, cacheRule })), ctx));
  return out.map((r) => ({ ...r, observedAt: readAt }));
}

/**
 * Stored findings of a token or cache rule that a complete list no longer holds: gone (the list is the proof,
 * as a complete repository listing is for images). Nothing when the list was not read.
 */
export function registryChildAbsence(deps: AuditDeps, facts: RegistryFacts, readAt: string): (f: StoredFinding) => Absence | undefined {
  const listed: Array<{ rules: Set<string>; prefix: string }> = [];
  if (facts.tokens) listed.push({ rules: new Set(rulesFor(deps, 'nightly', 'registryToken').map((r) => r.id)), prefix: registryChildSubject(facts.registry.id, 'tokens', '') });
  if (facts.cacheRules) listed.push({ rules: new Set(rulesFor(deps, 'nightly', 'cacheRule').map((r) => r.id)), prefix: registryChildSubject(facts.registry.id, 'cacheRules', '') });
  return (f) => (listed.some((l) => l.rules.has(f.ruleId) && f.subject.startsWith(l.prefix)) ? { observedAt: readAt } : undefined);
}
