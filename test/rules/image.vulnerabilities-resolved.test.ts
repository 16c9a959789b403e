import { describe, expect, it } from 'vitest';
import type { ImageFacts, ImageVulnerabilityFacts } from '../../shared/domain/snapshots.js';
import { imageVulnerabilitiesResolved as rule } from '../../shared/rules/image.vulnerabilities-resolved.js';
import { anImage, ctx, daysAgo } from './builders.js';
import { aCve, scanned } from './vulnFixtures.js';

const img = (vulnerabilities?: ImageVulnerabilityFacts): ImageFacts => ({ ...anImage(), ...(vulnerabilities ? { vulnerabilities } : {}) });
const grace = { vulnGraceDays: { critical: 7, high: 30 } };

describe('image.vulnerabilities-resolved', () => {
  it.each([
    { name: 'medium-only CVE at the default threshold', cves: [aCve({ severity: 'medium' })], params: {}, status: 'pass' },
    { name: 'critical without a fix', cves: [aCve({ fixAvailable: false, fixedVersion: undefined })], params: {}, status: 'pass' },
    { name: 'critical without a fix, unfixed CVEs included', cves: [aCve({ fixAvailable: false, fixedVersion: undefined })], params: { vulnIncludeUnfixed: true }, status: 'fail' },
    { name: 'critical with a fix inside its grace period', cves: [aCve({ publishedDate: daysAgo(3) })], params: grace, status: 'pass' },
    { name: 'critical with a fix past its grace period', cves: [aCve({ publishedDate: daysAgo(8) })], params: grace, status: 'fail' },
    { name: 'medium counted when the threshold is medium', cves: [aCve({ severity: 'medium' })], params: { vulnMinSeverity: 'medium' as const }, status: 'fail' },
    { name: 'nothing listed for a scanned image', cves: null, params: {}, status: 'pass' },
  ])('$name -> $status', ({ cves, params, status }) => {
    const e = rule.evaluate(img(scanned(cves)), ctx(params));
    expect(e.status).toBe(status);
  });

  it('takes its severity from the worst failing CVE and keeps the CVEs as evidence', () => {
    const e = rule.evaluate(img(scanned([aCve({ severity: 'high', cve: 'CVE-2026-0002' })])), ctx());
    expect(e).toMatchObject({ status: 'fail', severity: 'high', evidence: { counts: { high: 1 }, worstCves: [{ cve: 'CVE-2026-0002', packageName: 'openssl', fixedVersion: '3.0.9' }] } });
  });

  it('an exempted CVE fails with the exemption named (the finding is kept suppressed)', () => {
    const e = rule.evaluate(img(scanned([aCve({ exemption: 'Defender exemption (risk accepted)' })])), ctx());
    expect(e).toMatchObject({ status: 'fail', evidence: { sourceExemption: { reason: 'Defender exemption (risk accepted)' } } });
  });

  it.each([
    { name: 'plan off', facts: { scanning: { effective: false, why: 'Defender for Containers plan is Free' }, vulnerabilities: null } },
    { name: 'scanner blocked', facts: { scanning: { effective: false, why: 'firewall blocks the scanner' }, vulnerabilities: null } },
    { name: 'pushed an hour ago', facts: { scanning: { effective: true, why: 'on' }, vulnerabilities: null, lastUpdateTime: new Date(Date.parse(daysAgo(0)) - 3_600_000).toISOString() } },
    { name: 'outside the rescan window', facts: scanned(null, 200) },
    { name: 'not read', facts: undefined },
  ])('not assessed ($name) is inconclusive, never a pass', ({ facts }) => {
    const e = rule.evaluate(img(facts), ctx());
    expect(e).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
