/** A tagged image in a repository that requires signatures has a Notary Project signature (an OCI 1.1 referrer). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { signatureRequiredBy } from './params.js';
import { NOTATION_SIGNATURE, notationSignatures } from './supplyChain.js';

export const imageSigned = defineRule({
  id: 'image.signed',
  title: 'Tagged image has a Notary Project signature',
  target: 'image',
  severity: 'high',
  rationale:
    'A signature gives a chain of custody: a deployment can check that the image is the one the build produced. An unsigned ' +
    'image cannot be told apart from one pushed by anyone holding push rights. Checked on the tagged digest: Notation signs the ' +
    'digest a tag resolves to, which for a multi-arch image is the index (its platform manifests are covered through it and are ' +
    'untagged, so they are not checked one by one). The auditor checks that a signature referrer ' +
    `(artifact type ${NOTATION_SIGNATURE}) exists; it does not verify it cryptographically (see image.signed-by-approved-signer). ` +
    'Docker Content Trust is not counted: Azure Container Registry retires it on 2028-03-31 in favour of Notation. ' +
    'A push is not failed during the signature grace period, since signing follows the push.',
  remediation: {
    description:
      'Sign the image in the pipeline right after the push with Notation (a certificate in Azure Key Vault or Trusted Signing), ' +
      'and enforce signatures at deployment (Ratify / Azure Policy on AKS). Repositories that must be signed are set with ' +
      'AUDITOR_SIGNATURE_REQUIRED.',
    cli:
      '# what is attached to the image (signatures have artifact type application/vnd.cncf.notary.signature):\n' +
      'az acr manifest list-referrers --registry <registry> --name <repository>@<digest>\n' +
      'notation key add --plugin azure-kv --id <key-vault-key-id> <key-name> --default\n' +
      'notation sign --signature-format cose <registry>.azurecr.io/<repository>@<digest>\n' +
      '# check:\n' +
      'notation ls <registry>.azurecr.io/<repository>@<digest>',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-tutorial-sign-build-push',
    'https://learn.microsoft.com/azure/container-registry/container-registry-content-trust-deprecation',
    'https://github.com/notaryproject/specifications/blob/main/specs/signature-specification.md',
    'https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers',
  ],
  modes: ['push', 'nightly'],
  evaluate({ manifest, referrers }, { now, params }) {
    if (manifest.tags.length === 0) return notApplicable('untagged manifest: nothing deploys it by tag', { conclusive: true });
    const requiredBy = signatureRequiredBy(params, manifest.repository);
    if (requiredBy === undefined) return notApplicable('signatures are not required for this repository (AUDITOR_SIGNATURE_REQUIRED)', { conclusive: true });
    if (referrers === undefined) return notApplicable('the referrers of this manifest were not read in this audit', { conclusive: false });
    const signatures = notationSignatures(referrers);
    const evidence = { tags: manifest.tags, requiredBy, signatures: signatures.length, referrers: referrers.length };
    if (signatures.length > 0) return pass(`the image has ${signatures.length} Notary Project signature(s)`, evidence);
    const graceEnds = Date.parse(manifest.lastUpdateTime) + params.signatureGraceMinutes * 60_000;
    if (Number.isNaN(graceEnds)) throw new Error(`unparseable lastUpdateTime ${JSON.stringify(manifest.lastUpdateTime)}`);
    if (now.getTime() < graceEnds) {
      return notApplicable(`no signature yet, within the ${params.signatureGraceMinutes}-minute signing grace after the push (until ${new Date(graceEnds).toISOString()})`, {
        conclusive: false,
        evidence: { ...evidence, graceEnds: new Date(graceEnds).toISOString() },
      });
    }
    return fail('the image has no Notary Project signature', evidence);
  },
});
