/**
 * The Defender for Containers step of the nightly shards (issue 12): reads plans and vulnerability
 * summaries through the SecurityPort and turns them into rule facts. A read that fails is a gap and leaves
 * the facts undefined, so the vulnerability rules answer inconclusive (never pass, never resolve).
 */
import type { Gap, ImageVulnerabilityFacts, RegistrySnapshot } from '../domain/snapshots.js';
import { planScansRegistries, REGISTRY_VULNERABILITY_ASSESSMENT_KEY, scannerCanReach, type DefenderPlanFacts, type ImageVulnerabilities } from '../domain/vulnerabilities.js';
import { gapFromError } from '../inventory/errors.js';
import type { AuditDeps } from './common.js';

export const VULNERABILITY_RULE_IDS = [
  'subscription.defender-containers-enabled',
  'registry.vulnerability-scanning-effective',
  'image.vulnerabilities-resolved',
  'workload.image-vulnerabilities-resolved',
] as const;

export function defenderWanted(deps: AuditDeps): boolean {
  return deps.azure.security !== undefined && deps.rules.some((r) => (VULNERABILITY_RULE_IDS as readonly string[]).includes(r.id));
}

/** Whether Defender scans a registry: plan on in its subscription and its scanner let through the firewall. */
export function scanningOf(registry: RegistrySnapshot, plan: DefenderPlanFacts | undefined): ImageVulnerabilityFacts['scanning'] {
  const reach = scannerCanReach(registry);
  if (!reach.reachable) return { effective: false, why: `the registry's firewall blocks Defender's scanner: ${reach.why}` };
  const p = planScansRegistries(plan);
  return p.on ? { effective: true, why: p.why } : { effective: false, why: p.why };
}

/** The registry shard's read: its subscription's plan and its vulnerable digests (one paged query). */
export async function readRegistryDefender(deps: AuditDeps, registry: RegistrySnapshot, gaps: Gap[]): Promise<{ plan?: DefenderPlanFacts; byDigest?: Map<string, ImageVulnerabilities> }> {
  if (!defenderWanted(deps)) return {};
  const security = deps.azure.security!;
  let plan: DefenderPlanFacts | undefined;
  try {
    plan = (await security.defenderPlans([registry.subscriptionId])).get(registry.subscriptionId.toLowerCase());
  } catch (e) {
    gaps.push(gapFromError(e, `/subscriptions/${registry.subscriptionId}/providers/Microsoft.Security/pricings/Containers`));
    return {};
  }
  try {
    const byDigest = await security.registryVulnerabilities(registry.loginServer, registry.subscriptionId, deps.config.params.vulnerabilities, deps.clock());
    return { ...(plan ? { plan } : {}), byDigest };
  } catch (e) {
    gaps.push(gapFromError(e, `${registry.id}/providers/Microsoft.Security/assessments/${REGISTRY_VULNERABILITY_ASSESSMENT_KEY}`));
    return plan ? { plan } : {};
  }
}

/** Facts for one manifest of a registry whose Defender data was read. */
export function imageVulnerabilityFacts(
  registry: RegistrySnapshot,
  plan: DefenderPlanFacts | undefined,
  byDigest: Map<string, ImageVulnerabilities> | undefined,
  digest: string,
  lastUpdateTime: string | undefined,
): ImageVulnerabilityFacts | undefined {
  if (!byDigest) return undefined;
  return { scanning: scanningOf(registry, plan), vulnerabilities: byDigest.get(digest) ?? null, ...(lastUpdateTime ? { lastUpdateTime } : {}) };
}

/**
 * The workload shard's read: the plan of its own subscription, the registries (all visible: a workload
 * may run an image from any subscription's registry) with their plans, and the summaries of the digests
 * its containers run (batched digest lists). Keys of `byImage`: `loginServer@digest`.
 */
export async function readWorkloadDefender(
  deps: AuditDeps,
  subscriptionId: string,
  digests: readonly string[],
  gaps: Gap[],
): Promise<{ ownPlan?: DefenderPlanFacts; registries?: Map<string, RegistrySnapshot>; plans?: Map<string, DefenderPlanFacts>; byImage?: Map<string, ImageVulnerabilities> }> {
  if (!defenderWanted(deps)) return {};
  const security = deps.azure.security!;
  try {
    const registries = new Map<string, RegistrySnapshot>();
    if (digests.length) for await (const item of deps.azure.graph.listRegistries()) if ('registry' in item) registries.set(item.registry.loginServer, item.registry);
    const subs = [...new Set([subscriptionId.toLowerCase(), ...[...registries.values()].map((r) => r.subscriptionId.toLowerCase())])];
    const plans = await security.defenderPlans(subs);
    const byImage = digests.length ? await security.digestVulnerabilities(digests, undefined, deps.config.params.vulnerabilities, deps.clock()) : new Map<string, ImageVulnerabilities>();
    const ownPlan = plans.get(subscriptionId.toLowerCase());
    return { ...(ownPlan ? { ownPlan } : {}), registries, plans, byImage };
  } catch (e) {
    gaps.push(gapFromError(e, `/subscriptions/${subscriptionId}/providers/Microsoft.Security`));
    return {};
  }
}
