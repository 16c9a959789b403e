/**
 * Every image a workload runs is signed by an approved signer, where signatures are required (AUDITOR_SIGNATURE_REQUIRED),
 * on the digest the running reference resolves to (the same resolution as workload.image-fresh: a tag's current digest,
 * which for a multi-arch image is the index Notation signs).
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { signatureRequiredBy } from './params.js';
import { approvedSignature, NOTATION_THUMBPRINTS, WORKLOAD_SIGNED_RULE_ID } from './supplyChain.js';

export const workloadImageSigned = defineRule({
  id: WORKLOAD_SIGNED_RULE_ID,
  title: 'Workload runs an image signed by an approved signer',
  target: 'workloadImage',
  severity: 'high',
  rationale:
    'What matters is what runs: an image signed in the registry protects nothing if a workload runs another one. The auditor ' +
    'resolves each running image (tag or digest) in its registry, reads the OCI referrers of that digest and looks for a Notary ' +
    `Project signature whose certificate chain (${NOTATION_THUMBPRINTS}) includes an approved thumbprint (AUDITOR_APPROVED_SIGNERS). ` +
    'It does not verify signatures cryptographically: that belongs to an admission controller (Ratify, Azure Policy on AKS). ' +
    'An image from a registry outside the audited estate cannot be checked and is inconclusive, never a pass.',
  remediation: {
    description:
      'Deploy only images signed by an approved signer: sign in the pipeline (notation sign with the approved key), roll the ' +
      'workload to the signed digest, and enforce signatures at admission.',
    cli:
      '# what the running digest carries:\n' +
      'az acr manifest list-referrers --registry <registry> --name <repository>@<digest> --artifact-type application/vnd.cncf.notary.signature\n' +
      'notation sign --key <approved-key-name> <registry>.azurecr.io/<repository>@<digest>\n' +
      'az containerapp update --name <app> --resource-group <rg> --image <registry>.azurecr.io/<repository>@<digest>',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-tutorial-sign-build-push',
    'https://github.com/notaryproject/specifications/blob/main/specs/signature-specification.md',
    'https://ratify.dev/docs/what-is-ratify',
  ],
  modes: ['nightly'],
  evaluate({ container, reference, resolved, referrers }, { now, params }) {
    const base = { image: container.image, container: container.name };
    if (!reference) return notApplicable('image reference does not parse: see workload.image-from-approved-registry', { conclusive: false, evidence: base });
    const requiredBy = signatureRequiredBy(params, reference.repository);
    if (requiredBy === undefined) return notApplicable('signatures are not required for this repository (AUDITOR_SIGNATURE_REQUIRED)', { conclusive: true, evidence: base });
    if (params.approvedSigners.length === 0) return notApplicable('no approved signers are configured (AUDITOR_APPROVED_SIGNERS)', { conclusive: true, evidence: base });
    const evidenceBase = { ...base, requiredBy };
    if (!resolved) return notApplicable('the running image was not resolved in this audit', { conclusive: false, evidence: evidenceBase });
    switch (resolved.status) {
      case 'not_audited':
        return notApplicable(`the image is outside the audited registries, its signatures cannot be read: ${resolved.detail}`, { conclusive: false, evidence: { ...evidenceBase, detail: resolved.detail } });
      case 'error':
        return notApplicable(`the running image could not be resolved: ${resolved.detail}`, { conclusive: false, evidence: { ...evidenceBase, detail: resolved.detail } });
      case 'not_found':
        return notApplicable(`the running image no longer exists, its signatures cannot be read (see workload.image-fresh): ${resolved.detail}`, { conclusive: false, evidence: { ...evidenceBase, detail: resolved.detail } });
      case 'found': {
        if (!referrers) return notApplicable('the referrers of the running digest were not read in this audit', { conclusive: false, evidence: { ...evidenceBase, digest: resolved.digest } });
        const s = approvedSignature(referrers, params);
        const evidence = { ...evidenceBase, digest: resolved.digest, signatures: s.signatures, signers: s.signers };
        if (s.match) return pass(`the running digest is signed by an approved signer (${s.match.slice(0, 16)}...)`, { ...evidence, approvedThumbprint: s.match });
        if (s.signatures === 0) {
          const graceEnds = Date.parse(resolved.lastUpdateTime) + params.signatureGraceMinutes * 60_000;
          if (Number.isNaN(graceEnds)) throw new Error(`unparseable lastUpdateTime ${JSON.stringify(resolved.lastUpdateTime)}`);
          if (now.getTime() < graceEnds) return notApplicable(`no signature yet, within the ${params.signatureGraceMinutes}-minute signing grace after the push`, { conclusive: false, evidence });
          return fail('the running image has no Notary Project signature', evidence);
        }
        return fail(`none of the ${s.signatures} signature(s) of the running image has an approved certificate in its chain`, evidence);
      }
    }
  },
});
