import { describe, expect, it } from 'vitest';
import { imageSigned as rule } from '../../shared/rules/image.signed.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import type { ImageFacts, ReferrerFacts } from '../../shared/domain/snapshots.js';
import { NOW, anImage, ctx, daysAgo } from './builders.js';

const signature: ReferrerFacts = { digest: 'sha256:5151', mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: '["AA"]' } };
const sbom: ReferrerFacts = { digest: 'sha256:5b0b', mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', annotations: {} };
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const required = { signatureRequired: ['team/*'] };

function image(referrers: ReferrerFacts[] | undefined, manifest: Partial<ImageFacts['manifest']> = {}): ImageFacts {
  const i = anImage({ manifest: { repository: 'team/api', tags: ['1.0.0'], lastUpdateTime: daysAgo(2), ...manifest } });
  return referrers ? { ...i, referrers } : i;
}

describe('image.signed', () => {
  it.each([
    { name: 'a Notary Project signature', referrers: [sbom, signature], status: 'pass' },
    { name: 'only an SBOM', referrers: [sbom], status: 'fail' },
    { name: 'no referrers', referrers: [], status: 'fail' },
  ])('$name -> $status', ({ referrers, status }) => {
    const e = rule.evaluate(image(referrers), ctx(required));
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ requiredBy: 'team/*', signatures: status === 'pass' ? 1 : 0 });
  });

  it('is not applicable (conclusive) where signatures are not required: the default', () => {
    expect(rule.evaluate(image([]), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
    expect(rule.evaluate(image([], { repository: 'tools/x' }), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it('is not applicable (conclusive) to untagged manifests', () => {
    expect(rule.evaluate(image([], { tags: [] }), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it('is inconclusive when the referrers were not read', () => {
    expect(rule.evaluate(image(undefined), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('does not fail within the signing grace after the push, and fails after it', () => {
    expect(rule.evaluate(image([], { lastUpdateTime: minutesAgo(29) }), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(rule.evaluate(image([], { lastUpdateTime: minutesAgo(31) }), ctx(required))).toMatchObject({ status: 'fail' });
    expect(rule.evaluate(image([], { lastUpdateTime: minutesAgo(31) }), ctx({ ...required, signatureGraceMinutes: 60 }))).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(rule.evaluate(image([signature], { lastUpdateTime: minutesAgo(1) }), ctx(required))).toMatchObject({ status: 'pass' });
  });

  it('matches repository patterns in linear time (a pathological pattern does not hang)', () => {
    const p = ctx({ signatureRequired: [`${'*a'.repeat(40)}b`] });
    expect(rule.evaluate(image([], { repository: 'a'.repeat(200) }), p)).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
