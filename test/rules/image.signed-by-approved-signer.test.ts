import { describe, expect, it } from 'vitest';
import { imageSignedByApprovedSigner as rule } from '../../shared/rules/image.signed-by-approved-signer.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import type { ImageFacts, ReferrerFacts } from '../../shared/domain/snapshots.js';
import { NOW, anImage, ctx, daysAgo } from './builders.js';

const APPROVED = 'B7A69A70992AE4F9FF103EBE04A2C3BA6C777E439253CE36562E6E98375068C3';
const ROOT = '932EB6F5598435D4EF23F97B0B5ACB515FAE2B8D8FAC046AB813DDC419DD5E89';
const OTHER = 'C'.repeat(64);
const sig = (chain: string | undefined): ReferrerFacts => ({
  digest: `sha256:${Math.random().toString(16).slice(2)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: NOTATION_SIGNATURE,
  annotations: chain === undefined ? {} : { [NOTATION_THUMBPRINTS]: chain },
});
const params = { signatureRequired: ['team/*'], approvedSigners: [APPROVED.toLowerCase()] };

function image(referrers: ReferrerFacts[] | undefined, lastUpdateTime = daysAgo(1)): ImageFacts {
  const i = anImage({ manifest: { repository: 'team/api', tags: ['1.0.0'], lastUpdateTime } });
  return referrers ? { ...i, referrers } : i;
}

describe('image.signed-by-approved-signer', () => {
  it.each([
    { name: 'leaf approved', referrers: [sig(JSON.stringify([APPROVED, ROOT]))], status: 'pass' },
    { name: 'approved one of two signatures', referrers: [sig(JSON.stringify([OTHER])), sig(JSON.stringify([APPROVED]))], status: 'pass' },
    { name: 'unknown signer', referrers: [sig(JSON.stringify([OTHER, ROOT]))], status: 'fail' },
    { name: 'malformed thumbprints', referrers: [sig('not json'), sig(undefined)], status: 'fail' },
    { name: 'unsigned', referrers: [], status: 'fail' },
  ])('$name -> $status', ({ referrers, status }) => {
    expect(rule.evaluate(image(referrers), ctx(params)).status).toBe(status);
  });

  it('matches an approved intermediate or root of the chain too, whatever the case and separators', () => {
    const p = ctx({ ...params, approvedSigners: [ROOT.match(/../g)!.join(':')] });
    expect(rule.evaluate(image([sig(JSON.stringify([OTHER, ROOT.toLowerCase()]))]), p)).toMatchObject({ status: 'pass', evidence: { approvedThumbprint: ROOT } });
  });

  it('names the signers in the evidence', () => {
    expect(rule.evaluate(image([sig(JSON.stringify([OTHER, ROOT]))]), ctx(params)).evidence).toMatchObject({ signatures: 1, signers: [OTHER] });
  });

  it('is not applicable without approved signers, where signatures are not required, or untagged (conclusive)', () => {
    expect(rule.evaluate(image([]), ctx({ signatureRequired: ['team/*'] }))).toMatchObject({ status: 'not_applicable', conclusive: true });
    expect(rule.evaluate(image([]), ctx({ approvedSigners: [APPROVED] }))).toMatchObject({ status: 'not_applicable', conclusive: true });
    const untagged = anImage({ manifest: { repository: 'team/api', tags: [] } });
    expect(rule.evaluate({ ...untagged, referrers: [] }, ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it('is inconclusive when referrers were not read, and within the signing grace when unsigned', () => {
    expect(rule.evaluate(image(undefined), ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: false });
    const justPushed = new Date(NOW.getTime() - 5 * 60_000).toISOString();
    expect(rule.evaluate(image([], justPushed), ctx(params))).toMatchObject({ status: 'not_applicable', conclusive: false });
    // A signature by an unknown signer is a failure at once: waiting does not change the signer.
    expect(rule.evaluate(image([sig(JSON.stringify([OTHER]))], justPushed), ctx(params))).toMatchObject({ status: 'fail' });
  });

  it('rejects a thumbprint that is not SHA-256 hex in the settings', () => {
    expect(() => ctx({ approvedSigners: ['abc'] })).toThrow(/SHA-256/);
  });
});
