/**
 * The nightly audit of one subscription's workloads (one shard): every container, init container and
 * sidecar image of Container Instances, Container Apps and jobs, and App Service custom containers.
 * Each image is resolved once per shard against its registry (when the registry is in the audited
 * estate) to learn when its manifest was last updated.
 */
import type { RuleResult } from '../domain/finding.js';
import { tryParseImageReference } from '../domain/imageReference.js';
import type { Gap, ResolvedImage, WorkloadImageFacts } from '../domain/snapshots.js';
import { gapFromError } from '../inventory/errors.js';
import { evaluateRules } from '../rules/evaluate.js';
import { subscriptionScope } from '../rules/subjects.js';
import { mapLimit } from '../util/concurrency.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps, type ScopeOutcome } from './common.js';

export interface WorkloadShardInput {
  auditId: string;
  subscriptionId: string;
  /** Login servers (lower-case) of the registries in the audited estate. */
  registries: readonly string[];
}

export async function auditWorkloads(input: WorkloadShardInput, deps: AuditDeps): Promise<ScopeOutcome> {
  const subscription = `/subscriptions/${input.subscriptionId.toLowerCase()}`;
  const scopeId = subscriptionScope(input.subscriptionId);
  const now = deps.clock();
  const gaps: Gap[] = [];
  const unreadable = new Set<string>();
  const subjects: WorkloadImageFacts[] = [];
  let listed = true;
  try {
    for await (const item of deps.inventory.listWorkloads(input.subscriptionId)) {
      if ('error' in item) {
        unreadable.add(item.error.resourceId.toLowerCase());
        gaps.push({ scope: item.error.resourceId, reason: `malformed workload: ${item.error.field}: ${item.error.problem}` });
        continue;
      }
      for (const container of item.workload.containers) {
        const parsed = tryParseImageReference(container.image);
        subjects.push({
          workload: item.workload,
          container,
          ...(parsed.reference ? { reference: parsed.reference } : {}),
          ...(parsed.error ? { referenceError: parsed.error } : {}),
        });
      }
    }
  } catch (e) {
    listed = false;
    gaps.push(gapFromError(e, subscription));
  }

  // Resolve each distinct image once.
  const known = new Set(input.registries.map((r) => r.toLowerCase()));
  const distinct = new Map<string, WorkloadImageFacts['reference']>();
  for (const s of subjects) if (s.reference) distinct.set(s.reference.canonical, s.reference);
  const resolved = new Map<string, ResolvedImage>();
  await mapLimit([...distinct.values()], deps.config.concurrency, async (ref) => {
    if (!ref) return;
    if (!known.has(ref.registry)) {
      resolved.set(ref.canonical, { status: 'not_audited', detail: `${ref.registry} is not a registry in the audited estate` });
      return;
    }
    try {
      const m = await deps.inventory.getManifest(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest');
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

  const results: RuleResult[] = evaluateRules(rulesFor(deps, 'nightly', 'workloadImage'), 'workloadImage', subjects, { now, params: deps.config.params });
  results.push(...coverageResults(deps, scopeId, subscription, gaps));
  const enumerated = new Set<string>(['audit.scope-readable']);
  if (listed) for (const r of rulesFor(deps, 'nightly', 'workloadImage')) enumerated.add(r.id);
  const changes = await persistScope(deps, {
    auditId: input.auditId,
    scopeId,
    results,
    enumeratedRules: enumerated,
    protect: (f) => unreadable.has(f.resourceId.toLowerCase()),
  });
  return { scopeId, changes, gaps, evaluated: results.length };
}
