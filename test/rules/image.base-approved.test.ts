import { describe, expect, it } from 'vitest';
import type { ProvenanceFacts } from '../../shared/domain/snapshots.js';
import { imageBaseApproved as rule } from '../../shared/rules/image.base-approved.js';
import { aPlatform, aProvenance, anImage, BASE_NAME, ctx } from './builders.js';

const BASES = ['mcr.microsoft.com/azurelinux/*', 'contoso*.azurecr.io/base/*'];
const withBase = (base: string): ProvenanceFacts => aProvenance({ annotations: { [BASE_NAME]: base } });

describe('image.base-approved', () => {
  it.each([
    { base: 'mcr.microsoft.com/azurelinux/base/core:3.0', status: 'pass' },
    { base: 'contosoprod.azurecr.io/base/node:20', status: 'pass' },
    { base: `mcr.microsoft.com/azurelinux/base/core@sha256:${'d'.repeat(64)}`, status: 'pass' },
    { base: 'mcr.microsoft.com/dotnet/runtime:8.0', status: 'fail' },
    { base: 'node:20', status: 'fail' },
    { base: 'ghcr.io/azurelinux/base/core:3.0', status: 'fail' },
    { base: 'Not A Reference', status: 'fail' },
  ])('$base -> $status', ({ base, status }) => {
    const e = rule.evaluate(anImage({ provenance: withBase(base) }), ctx({ approvedBaseImages: BASES }));
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ base, patterns: BASES });
  });

  it('parses the base and shows registry and repository', () => {
    const e = rule.evaluate(anImage({ provenance: withBase('node:20') }), ctx({ approvedBaseImages: BASES }));
    expect(e.evidence).toEqual({ base: 'node:20', registry: 'docker.io', repository: 'library/node', patterns: BASES });
    expect(e.message).toContain('docker.io is not approved');
  });

  it('fails a base whose registry is approved by the base pattern but not by the registry allow-list', () => {
    const e = rule.evaluate(anImage({ provenance: withBase('ghcr.io/contoso/base:1') }), ctx({ approvedBaseImages: ['ghcr.io/contoso/*'] }));
    expect(e).toMatchObject({ status: 'fail', message: expect.stringContaining('ghcr.io is not approved') });
  });

  it('reads the base from labels and from the platforms of an index', () => {
    const labelled = aProvenance({ labels: { [BASE_NAME]: 'mcr.microsoft.com/azurelinux/base/core:3.0' } });
    expect(rule.evaluate(anImage({ provenance: labelled }), ctx({ approvedBaseImages: BASES })).status).toBe('pass');
    const index = aProvenance({
      kind: 'index',
      children: [
        aPlatform('linux/amd64', { annotations: { [BASE_NAME]: 'mcr.microsoft.com/azurelinux/base/core:3.0' } }),
        aPlatform('linux/arm64', { labels: { [BASE_NAME]: 'arm64v8/node:20' } }),
      ],
    });
    const e = rule.evaluate(anImage({ provenance: index }), ctx({ approvedBaseImages: BASES }));
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ base: 'arm64v8/node:20', bases: ['mcr.microsoft.com/azurelinux/base/core:3.0', 'arm64v8/node:20'] });
  });

  it.each([
    { name: 'no approved base configured', provenance: withBase('node:20'), bases: [], conclusive: true },
    { name: 'no base declared', provenance: aProvenance(), bases: BASES, conclusive: true },
    { name: 'manifest content not read', provenance: undefined, bases: BASES, conclusive: false },
  ])('not applicable: $name (conclusive=$conclusive)', ({ provenance, bases, conclusive }) => {
    const e = rule.evaluate(anImage(provenance ? { provenance } : {}), ctx({ approvedBaseImages: bases }));
    expect(e).toMatchObject({ status: 'not_applicable', conclusive });
  });
});
