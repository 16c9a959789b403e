/** A tagged image in a repository that requires signatures is signed by an approved signer (certificate thumbprint). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { signatureRequiredBy } from './params.js';
import { NOTATION_THUMBPRINTS, notationSignatures, signatureThumbprints } from './supplyChain.js';

export const imageSignedByApprovedSigner = defineRule({
  id: 'image.signed-by-approved-signer',
  title: 'Tagged image is signed by an approved signer',
  target: 'image',
  severity: 'high',
  rationale:
    'A signature only proves custody if it comes from a key the organisation trusts: anyone can sign with a self-made ' +
    'certificate. The auditor reads the certificate-chain thumbprints each Notary Project signature carries in its ' +
    `${NOTATION_THUMBPRINTS} annotation (listed by the OCI referrers API) and looks for an approved one ` +
    '(AUDITOR_APPROVED_SIGNERS). It does NOT verify signatures cryptographically (envelope, chain validity, expiry, ' +
    'revocation, trust policy): that is the job of a verifier at deployment time such as Ratify or notation verify. ' +
    'It audits that a signature is present and who claims to have made it.',
  remediation: {
    description:
      'Sign with a certificate of an approved signer (its SHA-256 thumbprint, or one of its chain, in AUDITOR_APPROVED_SIGNERS), ' +
      'e.g. the organisation\'s Azure Key Vault or Trusted Signing certificate, and verify at admission with the same trust store.',
    cli:
      '# the signatures and the thumbprints they carry (annotation io.cncf.notary.x509chain.thumbprint#S256):\n' +
      'az acr manifest list-referrers --registry <registry> --name <repository>@<digest> \\\n' +
      '  --artifact-type application/vnd.cncf.notary.signature\n' +
      '# sign with the approved key:\n' +
      'notation sign --key <approved-key-name> <registry>.azurecr.io/<repository>@<digest>',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://github.com/notaryproject/specifications/blob/main/specs/signature-specification.md',
    'https://learn.microsoft.com/azure/container-registry/container-registry-tutorial-sign-build-push',
    'https://ratify.dev/docs/what-is-ratify',
  ],
  modes: ['push', 'nightly'],
  evaluate({ manifest, referrers }, { now, params }) {
    if (manifest.tags.length === 0) return notApplicable('untagged manifest: nothing deploys it by tag', { conclusive: true });
    const requiredBy = signatureRequiredBy(params, manifest.repository);
    if (requiredBy === undefined) return notApplicable('signatures are not required for this repository (AUDITOR_SIGNATURE_REQUIRED)', { conclusive: true });
    if (params.approvedSigners.length === 0) return notApplicable('no approved signers are configured (AUDITOR_APPROVED_SIGNERS)', { conclusive: true });
    if (referrers === undefined) return notApplicable('the referrers of this manifest were not read in this audit', { conclusive: false });
    const signatures = notationSignatures(referrers);
    const approved = new Set(params.approvedSigners);
    const chains = signatures.map(signatureThumbprints);
    const match = chains.flatMap((c) => c ?? []).find((t) => approved.has(t));
    const signers = [...new Set(chains.map((c) => c?.[0] ?? 'malformed'))].slice(0, 10);
    const evidence = { tags: manifest.tags, requiredBy, signatures: signatures.length, signers };
    if (match) return pass(`signed by an approved signer (${match.slice(0, 16)}...)`, { ...evidence, approvedThumbprint: match });
    if (signatures.length === 0) {
      const graceEnds = Date.parse(manifest.lastUpdateTime) + params.signatureGraceMinutes * 60_000;
      if (Number.isNaN(graceEnds)) throw new Error(`unparseable lastUpdateTime ${JSON.stringify(manifest.lastUpdateTime)}`);
      if (now.getTime() < graceEnds) return notApplicable(`no signature yet, within the ${params.signatureGraceMinutes}-minute signing grace after the push`, { conclusive: false, evidence });
      return fail('the image has no signature, so no approved signer', evidence);
    }
    return fail(`none of the ${signatures.length} signature(s) has an approved certificate in its chain`, evidence);
  },
});
