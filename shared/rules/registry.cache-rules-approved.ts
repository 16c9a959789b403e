/**
 * Every pull-through cache rule of a registry pulls from an approved upstream registry (issue 13). One
 * finding per cache rule (`Microsoft.ContainerRegistry/registries/cacheRules`, an ARM list per registry).
 */
import { tryParseImageReference } from '../domain/imageReference.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { isApprovedRegistry } from './params.js';
import { AZURELINUX_CACHE_RULE_BICEP } from './registryFeatures.js';

/**
 * The upstream registry host of a cache rule's `sourceRepository` (`docker.io/library/ubuntu`,
 * `mcr.microsoft.com/*`, `ghcr.io/org/*`): its first component, which must be a registry host (ACR names the
 * source registry's login server in it; Docker Hub is `docker.io`), normalised like an image reference
 * (`index.docker.io` and `registry-1.docker.io` are `docker.io`). Undefined when it does not start with a host.
 */
export function upstreamOf(sourceRepository: string): string | undefined {
  const first = sourceRepository.split('/')[0] ?? '';
  if (!first || !(first.includes('.') || first.includes(':') || first === 'localhost')) return undefined;
  const { reference } = tryParseImageReference(`${first.toLowerCase()}/x`);
  return reference?.registry;
}

export const registryCacheRulesApproved = defineRule({
  id: 'registry.cache-rules-approved',
  title: 'Registry cache rules pull only from approved registries',
  target: 'cacheRule',
  severity: 'high',
  rationale:
    'A cache rule makes an upstream repository appear inside the registry: every tag pulled through it is served under ' +
    'the registry\'s own login server, so workloads and builds that may only use approved registries take it as ' +
    'approved content. A rule whose upstream is not on the approved registry list (AUDITOR_APPROVED_REGISTRIES) ' +
    'launders an unapproved source, including one an attacker controls, past registry.approved and ' +
    'workload.image-from-approved-registry. High, like those rules.',
  remediation: {
    description:
      'Delete the cache rule (and the repository it filled, after checking who pulls it), or, if the upstream is ' +
      'legitimate, add its login server to AUDITOR_APPROVED_REGISTRIES. Prefer importing reviewed images (az acr ' +
      'import) over caching a whole upstream namespace.',
    cli:
      'az acr cache list --registry <registry> -o table\n' +
      'az acr cache delete --registry <registry> --name <cache-rule>',
    bicep:
      '// Declare only cache rules whose source registry is approved (here mcr.microsoft.com):\n' +
      AZURELINUX_CACHE_RULE_BICEP,
  },
  guidance: 'private-approved-registries',
  mcsb: ['AM-2', 'DS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/artifact-cache-overview',
    'https://learn.microsoft.com/azure/container-registry/buffer-gate-public-content',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/examples/CacheRuleList.json',
  ],
  modes: ['nightly'],
  evaluate({ cacheRule }, { params }) {
    const approvedPatterns = params.approvedRegistries.map((m) => m.pattern);
    const evidence: Record<string, unknown> = {
      cacheRule: cacheRule.name,
      sourceRepository: cacheRule.sourceRepository ?? null,
      targetRepository: cacheRule.targetRepository ?? null,
      credentialSet: cacheRule.credentialSet ?? null,
      approvedPatterns,
    };
    if (!cacheRule.sourceRepository) return notApplicable(`cache rule ${cacheRule.name} reports no source repository`, { conclusive: false, evidence });
    const upstream = upstreamOf(cacheRule.sourceRepository);
    if (!upstream) return notApplicable(`cache rule ${cacheRule.name}: source ${JSON.stringify(cacheRule.sourceRepository)} does not start with a registry host`, { conclusive: false, evidence });
    evidence.upstream = upstream;
    const target = cacheRule.targetRepository ? ` into ${cacheRule.targetRepository}` : '';
    if (approvedPatterns.length === 0) return fail(`cache rule ${cacheRule.name} pulls from ${upstream}${target}: no approved registry patterns are configured`, evidence);
    return isApprovedRegistry(params, upstream)
      ? pass(`cache rule ${cacheRule.name} pulls from approved registry ${upstream}`, evidence)
      : fail(`cache rule ${cacheRule.name} pulls from ${upstream}${target}, which is not an approved registry`, evidence);
  },
});
