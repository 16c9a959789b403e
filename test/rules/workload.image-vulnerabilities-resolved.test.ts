import { describe, expect, it } from 'vitest';
import type { ImageVulnerabilityFacts, ResolvedImage, WorkloadImageFacts } from '../../shared/domain/snapshots.js';
import { workloadImageVulnerabilitiesResolved as rule } from '../../shared/rules/workload.image-vulnerabilities-resolved.js';
import { aWorkloadImage, ctx, daysAgo, DIGEST } from './builders.js';
import { aCve, scanned } from './vulnFixtures.js';

const found: ResolvedImage = { status: 'found', digest: DIGEST, lastUpdateTime: daysAgo(10), tags: ['1.0.0'] };
const w = (vulnerabilities?: ImageVulnerabilityFacts, resolved: ResolvedImage | undefined = found): WorkloadImageFacts => ({
  ...aWorkloadImage(resolved ? { resolved } : {}),
  ...(vulnerabilities ? { vulnerabilities } : {}),
});

describe('workload.image-vulnerabilities-resolved', () => {
  it('fails for a running digest with a fixable critical CVE, naming container, image, digest, CVEs and the image finding', () => {
    const e = rule.evaluate(w(scanned([aCve()])), ctx());
    expect(e).toMatchObject({
      status: 'fail',
      severity: 'critical',
      evidence: { container: 'api', image: 'contosoprod.azurecr.io/team/api:1.0.0', digest: DIGEST, imageFinding: `contosoprod.azurecr.io/team/api@${DIGEST}`, worstCves: [{ cve: 'CVE-2026-0001', fixedVersion: '3.0.9' }] },
    });
  });

  it.each([
    { name: 'medium only', facts: scanned([aCve({ severity: 'medium' })]) },
    { name: 'no fix', facts: scanned([aCve({ fixAvailable: false })]) },
    { name: 'clean', facts: scanned(null) },
  ])('passes: $name', ({ facts }) => {
    expect(rule.evaluate(w(facts), ctx()).status).toBe('pass');
  });

  it.each([
    { name: 'registry not scanned', facts: { scanning: { effective: false, why: 'plan Free' }, vulnerabilities: null } as ImageVulnerabilityFacts, resolved: found },
    { name: 'image not resolved', facts: scanned([aCve()]), resolved: { status: 'error', detail: '403' } as ResolvedImage },
    { name: 'Defender not read', facts: undefined, resolved: found },
  ])('inconclusive: $name', ({ facts, resolved }) => {
    expect(rule.evaluate(w(facts, resolved), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('is not applicable (conclusive) for an image outside the audited registries', () => {
    expect(rule.evaluate(w(undefined, { status: 'not_audited', detail: 'docker.io' }), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
