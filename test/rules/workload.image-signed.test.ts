import { describe, expect, it } from 'vitest';
import { workloadImageSigned as rule } from '../../shared/rules/workload.image-signed.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import type { ReferrerFacts, ResolvedImage, WorkloadImageFacts } from '../../shared/domain/snapshots.js';
import { aWorkloadImage, ctx, daysAgo, DIGEST, NOW } from './builders.js';

const APPROVED = 'B7A69A70992AE4F9FF103EBE04A2C3BA6C777E439253CE36562E6E98375068C3';
const OTHER = 'C'.repeat(64);
const sig = (chain: string[]): ReferrerFacts => ({ digest: `sha256:${'9'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: JSON.stringify(chain) } });
const sbom: ReferrerFacts = { digest: `sha256:${'8'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', annotations: {} };
const params = { signatureRequired: ['team/*'], approvedSigners: [APPROVED] };
const found = (lastUpdateTime = daysAgo(2)): ResolvedImage => ({ status: 'found', digest: DIGEST, lastUpdateTime, tags: ['1.0.0'] });

function running(referrers: ReferrerFacts[] | undefined, resolved: ResolvedImage | undefined = found(), image?: string): WorkloadImageFacts {
  const w = aWorkloadImage({ ...(resolved ? { resolved } : {}), ...(image ? { image } : {}) });
  return referrers ? { ...w, referrers } : w;
}

describe('workload.image-signed', () => {
  it.each([
    { name: 'signed by an approved signer', referrers: [sbom, sig([APPROVED])], status: 'pass' },
    { name: 'signed by another signer', referrers: [sig([OTHER])], status: 'fail' },
    { name: 'unsigned (an SBOM is not a signature)', referrers: [sbom], status: 'fail' },
  ])('$name -> $status', ({ referrers, status }) => {
    const e = rule.evaluate(running(referrers), ctx(params));
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ image: 'contosoprod.azurecr.io/team/api:1.0.0', container: 'api', digest: DIGEST, requiredBy: 'team/*' });
  });

  it('an unsigned image pushed within the signing grace is inconclusive, after it fails', () => {
    const fresh = found(new Date(NOW.getTime() - 5 * 60_000).toISOString());
    expect(rule.evaluate(running([], fresh), ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(rule.evaluate(running([], found(daysAgo(1))), ctx(params)).status).toBe('fail');
  });

  it.each([
    { name: 'repository not required', p: { ...params, signatureRequired: ['platform/*'] } },
    { name: 'no approved signer configured', p: { signatureRequired: ['team/*'] } },
  ])('not applicable, conclusively: $name', ({ p }) => {
    expect(rule.evaluate(running([]), ctx(p))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it.each([
    { name: 'registry outside the audited estate (never a pass)', w: running(undefined, { status: 'not_audited', detail: 'docker.io is not a registry in the audited estate' }, 'team/api:1.0.0') },
    { name: 'resolution error', w: running(undefined, { status: 'error', detail: '403' }) },
    { name: 'image no longer exists', w: running(undefined, { status: 'not_found', detail: 'manifest unknown' }) },
    { name: 'not resolved', w: running(undefined, undefined) },
    { name: 'referrers not read', w: running(undefined) },
    { name: 'reference does not parse', w: running(undefined, undefined, 'contosoprod.azurecr.io/Team/API:1') },
  ])('inconclusive: $name', ({ w }) => {
    expect(rule.evaluate(w, ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
