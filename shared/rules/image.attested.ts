/** A tagged image in a repository that requires signatures has an SBOM or provenance attestation referrer (strict profile). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { signatureRequiredBy } from './params.js';
import { ATTESTATION_ARTIFACT_TYPES, attestations } from './supplyChain.js';

export const imageAttested = defineRule({
  id: 'image.attested',
  title: 'Tagged image has an SBOM or provenance attestation',
  target: 'image',
  severity: 'medium',
  profile: 'strict',
  rationale:
    'An SBOM says what an image contains (so a new CVE can be mapped to it without rescanning) and a provenance attestation ' +
    'says how and from what it was built. Without them the chain of custody stops at the signature. Counted: OCI referrers ' +
    `whose artifact type is one of ${ATTESTATION_ARTIFACT_TYPES.join(', ')}. The content of the attestation is not read or ` +
    'verified. Read where signatures are required (AUDITOR_SIGNATURE_REQUIRED), to keep one referrers call per tagged manifest there only. ' +
    'Strict profile: an opinion, not every team produces attestations yet.',
  remediation: {
    description: 'Generate an SBOM (e.g. Syft, Microsoft SBOM tool) or a SLSA provenance in the build and attach it to the image as an OCI referrer.',
    cli:
      'syft <registry>.azurecr.io/<repository>@<digest> -o spdx-json > sbom.spdx.json\n' +
      'oras attach --artifact-type application/spdx+json <registry>.azurecr.io/<repository>@<digest> sbom.spdx.json\n' +
      '# check:\n' +
      'az acr manifest list-referrers --registry <registry> --name <repository>@<digest>',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-manage-artifact',
    'https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers',
    'https://slsa.dev/spec/v1.0/provenance',
  ],
  modes: ['nightly'],
  evaluate({ manifest, referrers }, { params }) {
    if (manifest.tags.length === 0) return notApplicable('untagged manifest: nothing deploys it by tag', { conclusive: true });
    const requiredBy = signatureRequiredBy(params, manifest.repository);
    if (requiredBy === undefined) return notApplicable('supply-chain artifacts are not required for this repository (AUDITOR_SIGNATURE_REQUIRED)', { conclusive: true });
    if (referrers === undefined) return notApplicable('the referrers of this manifest were not read in this audit', { conclusive: false });
    const found = attestations(referrers);
    const evidence = { tags: manifest.tags, requiredBy, attestationTypes: [...new Set(found.map((r) => r.artifactType))].slice(0, 10) };
    return found.length > 0
      ? pass(`the image has ${found.length} SBOM / provenance attestation(s)`, evidence)
      : fail('the image has no SBOM or provenance attestation', evidence);
  },
});
