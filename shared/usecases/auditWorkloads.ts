/**
 * The nightly audit of one subscription's workloads (one shard): every container, init container and
 * sidecar image of Container Instances, Container Apps and jobs, and App Service custom containers.
 * Each image is resolved once per shard against its registry (when the registry is in the audited
 * estate) to learn when its manifest was last updated.
 *
 * Resource Graph lists only what the identity can read: a workload with findings that is no longer
 * listed is confirmed deleted by ARM (404) before its findings resolve as gone; a 403 makes it a gap
 * ("no longer visible") and keeps its findings. An image in a registry that was audited before and is
 * not visible now cannot be resolved: inconclusive, never "outside the estate".
 */
import type { RuleResult } from '../domain/finding.js';
import { tryParseImageReference } from '../domain/imageReference.js';
import type { Gap, ResolvedImage, WorkloadFacts, WorkloadImageFacts, WorkloadSnapshot } from '../domain/snapshots.js';
import { gapFromError } from '../inventory/errors.js';
import { evaluateRules } from '../rules/evaluate.js';
import { subscriptionScope } from '../rules/subjects.js';
import { COVERAGE_RULE_ID } from '../rules/audit.scope-readable.js';
import { mapLimit } from '../util/concurrency.js';
import { completeWorkloads } from './completeWorkloads.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps, type ScopeOutcome } from './common.js';
import { defenderWanted, readWorkloadDefender, scanningOf } from './defenderFacts.js';
import { readWorkloadReferrers } from './supplyChainFacts.js';

export interface WorkloadShardInput {
  auditId: string;
  subscriptionId: string;
  /** Login servers (lower-case) of the registries in the audited estate. */
  registries: readonly string[];
  /** Login servers of registries known to the estate that could not be read this run. */
  unreadableRegistries?: readonly string[];
}

export async function auditWorkloads(input: WorkloadShardInput, deps: AuditDeps): Promise<ScopeOutcome> {
  const subscription = `/subscriptions/${input.subscriptionId.toLowerCase()}`;
  const scopeId = subscriptionScope(input.subscriptionId);
  const now = deps.clock();
  const listedAt = now.toISOString();
  const gaps: Gap[] = [];
  const unreadable = new Set<string>();
  const listedWorkloads = new Set<string>();
  const subjects: WorkloadImageFacts[] = [];
  const listedSnapshots: WorkloadSnapshot[] = [];
  let listed = true;
  try {
    for await (const item of deps.azure.graph.listWorkloads(input.subscriptionId)) {
      if ('error' in item) {
        unreadable.add(item.error.resourceId.toLowerCase());
        gaps.push({ scope: item.error.resourceId, reason: `malformed workload: ${item.error.field}: ${item.error.problem}` });
        continue;
      }
      listedWorkloads.add(item.workload.id.toLowerCase());
      listedSnapshots.push(item.workload);
    }
  } catch (e) {
    listed = false;
    gaps.push(gapFromError(e, subscription));
  }

  // Issue 14: what the rows do not carry (sitecontainers, site config, environments, diagnostic settings).
  // A workload that cannot be completed is a gap and is not evaluated (its findings are kept).
  const completed = await completeWorkloads(deps, input.subscriptionId, listedSnapshots);
  gaps.push(...completed.gaps);
  for (const id of completed.unreadable) unreadable.add(id);
  const workloadSubjects: WorkloadFacts[] = completed.workloads.map((workload) => ({ workload }));
  for (const workload of completed.workloads) {
    for (const container of workload.containers) {
      const parsed = tryParseImageReference(container.image);
      subjects.push({
        workload,
        container,
        ...(parsed.reference ? { reference: parsed.reference } : {}),
        ...(parsed.error ? { referenceError: parsed.error } : {}),
      });
    }
  }

  // Resolve each distinct image once.
  const known = new Set(input.registries.map((r) => r.toLowerCase()));
  const notVisible = new Set((input.unreadableRegistries ?? []).map((r) => r.toLowerCase()));
  const distinct = new Map<string, WorkloadImageFacts['reference']>();
  for (const s of subjects) if (s.reference) distinct.set(s.reference.canonical, s.reference);
  const resolved = new Map<string, ResolvedImage>();
  await mapLimit([...distinct.values()], deps.config.concurrency, async (ref) => {
    if (!ref) return;
    if (notVisible.has(ref.registry)) {
      resolved.set(ref.canonical, { status: 'error', detail: `${ref.registry} was audited before and is no longer visible to the auditor` });
      return;
    }
    if (!known.has(ref.registry)) {
      resolved.set(ref.canonical, { status: 'not_audited', detail: `${ref.registry} is not a registry in the audited estate` });
      return;
    }
    try {
      const m = await deps.azure.registry.getManifest(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest');
      resolved.set(
        ref.canonical,
        m ? { status: 'found', digest: m.digest, lastUpdateTime: m.lastUpdateTime, tags: m.tags } : { status: 'not_found', detail: `${ref.canonical} does not exist in ${ref.registry}` },
      );
    } catch (e) {
      resolved.set(ref.canonical, { status: 'error', detail: e instanceof Error ? e.message : String(e) });
    }
  });
  for (const s of subjects) {
    const r = s.reference ? resolved.get(s.reference.canonical) : undefined;
    if (r) s.resolved = r;
  }
  // Supply chain (issue 15): referrers of the running digests where signatures are required, one call per digest per run.
  await readWorkloadReferrers(deps, input.auditId, subjects, gaps);

  // Defender for Containers: the subscription's plan and the summaries of the digests its containers run.
  const defender = await readWorkloadDefender(deps, input.subscriptionId, [...new Set([...resolved.values()].flatMap((r) => (r.status === 'found' ? [r.digest] : [])))], gaps);
  if (defender.byImage) {
    for (const s of subjects) {
      if (!s.reference || s.resolved?.status !== 'found') continue;
      const registry = defender.registries?.get(s.reference.registry);
      s.vulnerabilities = {
        scanning: registry ? scanningOf(registry, defender.plans?.get(registry.subscriptionId.toLowerCase())) : { effective: false, why: `${s.reference.registry} is not visible in Resource Graph` },
        vulnerabilities: defender.byImage.get(`${s.reference.registry}@${s.resolved.digest}`) ?? null,
        lastUpdateTime: s.resolved.lastUpdateTime,
      };
    }
  }

  const workloadRules = [...rulesFor(deps, 'nightly', 'workloadImage'), ...rulesFor(deps, 'nightly', 'workload')];
  const results: RuleResult[] = [
    ...evaluateRules(workloadRules, 'workloadImage', subjects, { now, params: deps.config.params }),
    ...evaluateRules(workloadRules, 'workload', workloadSubjects, { now, params: deps.config.params }),
  ].map((r) => ({ ...r, observedAt: listedAt }));
  if (defenderWanted(deps)) {
    const subscriptionFacts = { subscriptionId: input.subscriptionId.toLowerCase(), ...(defender.plans ? { defenderPlan: defender.ownPlan ?? { subscriptionId: input.subscriptionId.toLowerCase() } } : {}) };
    results.push(...evaluateRules(rulesFor(deps, 'nightly', 'subscription'), 'subscription', [subscriptionFacts], { now, params: deps.config.params }).map((r) => ({ ...r, observedAt: listedAt })));
  }
  results.push(...coverageResults(deps, scopeId, subscription, gaps).map((r) => ({ ...r, observedAt: listedAt })));

  // Stored findings of workloads Resource Graph no longer lists: ARM decides, one read per workload.
  const existing = await deps.findings.listScope(scopeId);
  const workloadRuleIds = new Set(workloadRules.map((r) => r.id));
  const deleted = new Map<string, string>();
  if (listed) {
    const vanished = new Set<string>();
    for (const f of existing) {
      const id = f.resourceId.toLowerCase();
      if (f.status !== 'resolved' && workloadRuleIds.has(f.ruleId) && !listedWorkloads.has(id) && !unreadable.has(id)) vanished.add(f.resourceId);
    }
    await mapLimit([...vanished], deps.config.concurrency, async (resourceId) => {
      const at = deps.clock().toISOString();
      try {
        if (!(await deps.azure.arm.resourceExists(resourceId))) deleted.set(resourceId.toLowerCase(), at);
        else deps.log.info('workload not in Resource Graph but present in ARM: its findings are kept', { workload: resourceId });
      } catch (e) {
        const gap = gapFromError(e, resourceId);
        gaps.push({ ...gap, reason: `workload no longer visible to the auditor identity (${gap.reason}): its findings are kept as they are` });
      }
    });
    // Gaps found while confirming are coverage findings too.
    const late = gaps.filter((g) => !results.some((r) => r.subject === g.scope));
    if (late.length) results.push(...coverageResults(deps, scopeId, subscription, late).filter((r) => r.status !== 'pass').map((r) => ({ ...r, observedAt: listedAt })));
  }

  const persisted = await persistScope(deps, {
    auditId: input.auditId,
    scopeId,
    results,
    existing,
    deferUnchanged: true,
    absence: (f) => {
      if (!listed) return undefined;
      if (f.ruleId === COVERAGE_RULE_ID) return { observedAt: listedAt };
      if (!workloadRuleIds.has(f.ruleId)) return undefined;
      const id = f.resourceId.toLowerCase();
      // Listed but not read whole (its sitecontainers could not be read): not evaluated, its findings are kept.
      if (unreadable.has(id)) return undefined;
      // A listed workload was read whole: a container it no longer has is gone.
      if (listedWorkloads.has(id)) return { observedAt: listedAt };
      const at = deleted.get(id);
      return at ? { observedAt: at } : undefined;
    },
  });
  for (const f of persisted.failed) gaps.push({ scope: `${subscription} finding ${f.id}`, reason: f.reason });
  if (listed) await deps.findings.saveScopeAudit(scopeId, { auditId: input.auditId, at: listedAt, rules: [...new Set(results.map((r) => r.ruleId))], unconfirmed: persisted.undecided });
  return { scopeId, changes: persisted.changes, gaps, evaluated: results.length };
}
