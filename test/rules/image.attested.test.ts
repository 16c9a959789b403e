import { describe, expect, it } from 'vitest';
import { imageAttested as rule } from '../../shared/rules/image.attested.js';
import { NOTATION_SIGNATURE } from '../../shared/rules/supplyChain.js';
import type { ImageFacts, ReferrerFacts } from '../../shared/domain/snapshots.js';
import { anImage, ctx } from './builders.js';

const ref = (artifactType: string): ReferrerFacts => ({ digest: 'sha256:aa', mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType, annotations: {} });
const required = { signatureRequired: ['team/**'] };

function image(referrers: ReferrerFacts[] | undefined, tags = ['1.0.0']): ImageFacts {
  const i = anImage({ manifest: { repository: 'team/api', tags } });
  return referrers ? { ...i, referrers } : i;
}

describe('image.attested', () => {
  it.each([
    { artifactType: 'application/spdx+json', status: 'pass' },
    { artifactType: 'application/vnd.cyclonedx+json', status: 'pass' },
    { artifactType: 'application/vnd.in-toto+json', status: 'pass' },
    { artifactType: 'https://slsa.dev/provenance/v1', status: 'pass' },
    { artifactType: 'Application/SPDX+JSON', status: 'pass' },
    { artifactType: NOTATION_SIGNATURE, status: 'fail' },
    { artifactType: 'application/vnd.example.thing', status: 'fail' },
  ])('$artifactType -> $status', ({ artifactType, status }) => {
    expect(rule.evaluate(image([ref(artifactType)]), ctx(required)).status).toBe(status);
  });

  it('fails without referrers, is inconclusive when they were not read', () => {
    expect(rule.evaluate(image([]), ctx(required)).status).toBe('fail');
    expect(rule.evaluate(image(undefined), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('is not applicable (conclusive) untagged or where signatures are not required; runs in the strict profile', () => {
    expect(rule.evaluate(image([], []), ctx(required))).toMatchObject({ status: 'not_applicable', conclusive: true });
    expect(rule.evaluate(image([]), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
    expect(rule.profile).toBe('strict');
  });
});
