import { describe, expect, it } from 'vitest';
import { workloadImagePinned as rule } from '../../shared/rules/workload.image-pinned.js';
import { ctx, DIGEST } from './builders.js';
import { aWorkload } from './workloadBuilders.js';
import { tryParseImageReference } from '../../shared/domain/imageReference.js';

const subject = (image: string) => {
  const w = aWorkload('containerApp').workload;
  const container = { name: 'app', role: 'sidecar' as const, image };
  const { reference } = tryParseImageReference(image);
  return { workload: w, container, ...(reference ? { reference } : {}) };
};

describe('workload.image-pinned', () => {
  it.each([
    ['x.azurecr.io/a:1.2.3', 'tag', 'pass'],
    ['x.azurecr.io/a:latest', 'tag', 'fail'],
    ['x.azurecr.io/a', 'tag', 'fail'],
    [`x.azurecr.io/a@${DIGEST}`, 'digest', 'pass'],
    ['x.azurecr.io/a:1.2.3', 'digest', 'fail'],
  ] as const)('%s with AUDITOR_PIN_POLICY=%s: %s', (image, pinPolicy, status) => {
    expect(rule.evaluate(subject(image), ctx({ pinPolicy })).status).toBe(status);
  });
  it('an unparseable reference is inconclusive', () => {
    expect(rule.evaluate(subject('UPPER/Case:@@'), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
