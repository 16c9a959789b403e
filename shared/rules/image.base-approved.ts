/** The base image an image declares (org.opencontainers.image.base.name) comes from the approved base images. */
import { tryParseImageReference } from '../domain/imageReference.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { isApprovedRegistry } from './params.js';
import { AZURELINUX_CACHE_RULE_BICEP } from './registryFeatures.js';
import { OCI_BASE_NAME, ociValue, platformsOf } from './oci.js';

interface BaseCheck {
  base: string;
  registry?: string;
  repository?: string;
  /** Why the base is not approved; absent when it is. */
  problem?: string;
}

export const imageBaseApproved = defineRule({
  id: 'image.base-approved',
  title: 'Image is built on an approved base image',
  target: 'image',
  severity: 'medium',
  rationale:
    'An image inherits every package, vulnerability and default of its base. A base outside the approved, patched set (a ' +
    'random Docker Hub image, an unmaintained tag) brings unknown software and no one responsible for rebuilding it when a ' +
    'fix ships.',
  remediation: {
    description:
      'Rebuild FROM an approved base image (imported into or cached by an approved registry), and declare it with the ' +
      'org.opencontainers.image.base.name annotation (docker buildx sets it with --annotation or BuildKit attestations). ' +
      'A cache rule is only as approved as its upstream: its source registry must itself be on the approved registry ' +
      'list (AUDITOR_APPROVED_REGISTRIES), which registry.cache-rules-approved checks for every cache rule.',
    cli:
      'az acr import --name <registry> --source mcr.microsoft.com/azurelinux/base/core:3.0 --image base/azurelinux-core:3.0\n' +
      '# Dockerfile: FROM <registry>.azurecr.io/base/azurelinux-core:3.0\n' +
      'az acr build --registry <registry> --image <repository>:<tag> .',
    bicep:
      '// Serve the approved bases from the registry through a cache rule (the only FROM source builds may use);\n' +
      '// its source registry (here mcr.microsoft.com) must be approved too: registry.cache-rules-approved\n' +
      AZURELINUX_CACHE_RULE_BICEP,
  },
  guidance: 'approved-images',
  mcsb: ['DS-2', 'DS-6', 'AM-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/buffer-gate-public-content',
    'https://learn.microsoft.com/azure/container-registry/container-registry-artifact-cache',
    'https://learn.microsoft.com/azure/security/container-secure-supply-chain/articles/container-secure-supply-chain-implementation/containers-secure-supply-chain-overview',
    'https://github.com/opencontainers/image-spec/blob/main/annotations.md',
  ],
  modes: ['push'],
  evaluate({ provenance }, { params }) {
    const patterns = params.approvedBaseImages.map((m) => m.pattern);
    if (patterns.length === 0) return notApplicable('no approved base images are configured', { conclusive: true });
    if (!provenance) return notApplicable('manifest content was not read in this audit', { conclusive: false });

    const declared = new Set<string>();
    const indexBase = ociValue(provenance, OCI_BASE_NAME);
    if (indexBase) declared.add(indexBase);
    for (const { node, inherited } of platformsOf(provenance)) {
      const b = ociValue(node, OCI_BASE_NAME, inherited);
      if (b) declared.add(b);
    }
    if (declared.size === 0) return notApplicable(`image declares no base (${OCI_BASE_NAME})`, { conclusive: true, evidence: { patterns } });

    const checks: BaseCheck[] = [...declared].map((base) => {
      const { reference, error } = tryParseImageReference(base);
      if (!reference) return { base, problem: `unparsable base image reference: ${error}` };
      const { registry, repository } = reference;
      if (!isApprovedRegistry(params, registry)) return { base, registry, repository, problem: `registry ${registry} is not approved` };
      if (!params.approvedBaseImages.some((m) => m.matches(`${registry}/${repository}`))) {
        return { base, registry, repository, problem: `${registry}/${repository} matches no approved base image pattern` };
      }
      return { base, registry, repository };
    });
    const bad = checks.find((c) => c.problem !== undefined);
    const shown = bad ?? checks[0]!;
    const evidence: Record<string, unknown> = {
      base: shown.base,
      ...(shown.registry !== undefined ? { registry: shown.registry, repository: shown.repository } : {}),
      patterns,
      ...(checks.length > 1 ? { bases: checks.map((c) => c.base) } : {}),
    };
    return bad
      ? fail(`base ${bad.base} is not approved: ${bad.problem}`, evidence)
      : pass(`base ${checks.map((c) => c.base).join(', ')} is approved`, evidence);
  },
});
