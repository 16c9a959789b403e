import { describe, expect, it } from 'vitest';
import type { ProvenanceFacts } from '../../shared/domain/snapshots.js';
import { imageProvenanceLabeled as rule } from '../../shared/rules/image.provenance-labeled.js';
import { aPlatform, aProvenance, anImage, ctx, REVISION, SOURCE } from './builders.js';

const SRC = 'https://github.com/contoso/api';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const both = { [SOURCE]: SRC, [REVISION]: SHA };

const cases: Array<{ name: string; provenance: ProvenanceFacts; status: string }> = [
  { name: 'manifest annotations', provenance: aProvenance({ annotations: both }), status: 'pass' },
  { name: 'config labels', provenance: aProvenance({ labels: both }), status: 'pass' },
  { name: 'source annotated, revision labelled', provenance: aProvenance({ annotations: { [SOURCE]: SRC }, labels: { [REVISION]: SHA } }), status: 'pass' },
  { name: 'nothing', provenance: aProvenance(), status: 'fail' },
  { name: 'blank revision', provenance: aProvenance({ annotations: { [SOURCE]: SRC, [REVISION]: '  ' } }), status: 'fail' },
  {
    name: 'index annotations inherited by every platform',
    provenance: aProvenance({ kind: 'index', annotations: both, children: [aPlatform('linux/amd64'), aPlatform('linux/arm64')] }),
    status: 'pass',
  },
  {
    name: 'every platform labelled, bare index',
    provenance: aProvenance({ kind: 'index', children: [aPlatform('linux/amd64', { labels: both }), aPlatform('linux/arm64', { annotations: both })] }),
    status: 'pass',
  },
  {
    name: 'one platform unlabelled',
    provenance: aProvenance({ kind: 'index', children: [aPlatform('linux/amd64', { labels: both }), aPlatform('linux/arm64', { labels: { [SOURCE]: SRC } })] }),
    status: 'fail',
  },
  { name: 'index without children, annotated', provenance: aProvenance({ kind: 'index', annotations: both }), status: 'pass' },
];

describe('image.provenance-labeled', () => {
  it.each(cases)('$name -> $status', ({ provenance, status }) => {
    expect(rule.evaluate(anImage({ provenance }), ctx()).status).toBe(status);
  });

  it('shows the source and revision of a labelled manifest', () => {
    const e = rule.evaluate(anImage({ provenance: aProvenance({ labels: both }) }), ctx());
    expect(e.evidence).toEqual({ kind: 'manifest', source: SRC, revision: SHA });
  });

  it('names the missing keys of a manifest', () => {
    const e = rule.evaluate(anImage({ provenance: aProvenance({ annotations: { [SOURCE]: SRC } }) }), ctx());
    expect(e.evidence).toEqual({ kind: 'manifest', missing: [REVISION] });
  });

  it('lists which platforms lack which keys', () => {
    const provenance = aProvenance({
      kind: 'index',
      annotations: { [SOURCE]: SRC },
      children: [aPlatform('linux/amd64', { labels: { [REVISION]: SHA } }), aPlatform('linux/arm64')],
    });
    const e = rule.evaluate(anImage({ provenance }), ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).toEqual({ kind: 'index', platformCount: 2, lacking: [{ platform: 'linux/arm64', missing: [REVISION] }] });
    expect(e.message).toContain('linux/arm64');
  });

  it('is inconclusive when the manifest content was not read', () => {
    expect(rule.evaluate(anImage(), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
