import { describe, expect, it } from 'vitest';
import type { ImageVulnerabilityFacts, ResolvedImage, WorkloadImageFacts, WorkloadKind, WorkloadNetworkFacts, WorkloadSnapshot } from '../../shared/domain/snapshots.js';
import { workloadImageVulnerabilitiesResolved as rule } from '../../shared/rules/workload.image-vulnerabilities-resolved.js';
import { aWorkloadImage, ctx, daysAgo, DIGEST } from './builders.js';
import { aCve, scanned } from './vulnFixtures.js';
import { settingsOf } from './workloadBuilders.js';

const found: ResolvedImage = { status: 'found', digest: DIGEST, lastUpdateTime: daysAgo(10), tags: ['1.0.0'] };
const w = (vulnerabilities?: ImageVulnerabilityFacts, resolved: ResolvedImage | undefined = found, workload: Partial<WorkloadSnapshot> = {}): WorkloadImageFacts => ({
  ...aWorkloadImage({ ...(resolved ? { resolved } : {}), workload }),
  ...(vulnerabilities ? { vulnerabilities } : {}),
});
const openIngress = { external: true, allowRules: 0, denyRules: 0 };
/** A workload of `kind` whose network setting is `network` (read), or the kind's default settings. */
const exposed = (kind: WorkloadKind, network?: WorkloadNetworkFacts): Partial<WorkloadSnapshot> => ({
  kind,
  settings: settingsOf(kind, network ? { network: { state: 'read', value: network } } : {}),
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

  describe('severity raised one level when the workload is reachable from the internet', () => {
    it.each([
      { name: 'Container App with open external ingress', workload: exposed('containerApp', { ingress: openIngress, environmentId: 'e', environment: { internal: false, subnet: false } }) },
      { name: 'ACI group with a public IP', workload: exposed('containerGroup', { ipAddressType: 'Public', subnetCount: 0 }) },
    ])('$name: high becomes critical, with the exposure in the evidence', ({ workload }) => {
      const e = rule.evaluate(w(scanned([aCve({ severity: 'high' })]), found, workload), ctx());
      expect(e).toMatchObject({ status: 'fail', severity: 'critical', evidence: { internetReachable: true, cveSeverity: 'high' } });
      expect(e.message).toMatch(/reachable from the internet/);
    });

    it('critical stays critical when reachable', () => {
      const e = rule.evaluate(w(scanned([aCve()]), found, exposed('containerGroup', { ipAddressType: 'Public', subnetCount: 0 })), ctx());
      expect(e).toMatchObject({ status: 'fail', severity: 'critical', evidence: { internetReachable: true, cveSeverity: 'critical' } });
    });

    it('medium becomes high when reachable and the threshold is medium', () => {
      const e = rule.evaluate(w(scanned([aCve({ severity: 'medium' })]), found, exposed('containerGroup', { ipAddressType: 'Public', subnetCount: 0 })), ctx({ vulnMinSeverity: 'medium' }));
      expect(e).toMatchObject({ status: 'fail', severity: 'high' });
    });

    it.each([
      { name: 'internal ingress', workload: exposed('containerApp', { ingress: { ...openIngress, external: false } }), reachable: false },
      { name: 'external ingress restricted by IP allow rules', workload: exposed('containerApp', { ingress: { ...openIngress, allowRules: 2 } }), reachable: false },
      { name: 'ACI group in a subnet', workload: exposed('containerGroup', { ipAddressType: 'Private', subnetCount: 1 }), reachable: false },
      { name: 'Container Apps job (no ingress)', workload: exposed('containerAppJob'), reachable: false },
      { name: 'environment not read', workload: exposed('containerApp', { ingress: openIngress, environmentId: 'e', environment: 'unread' }), reachable: 'unknown' },
      { name: 'App Service (exposure not modelled)', workload: exposed('webApp'), reachable: 'unknown' },
      { name: 'settings not read', workload: {}, reachable: 'unknown' },
    ])('$name: severity kept (internetReachable $reachable)', ({ workload, reachable }) => {
      const e = rule.evaluate(w(scanned([aCve({ severity: 'high' })]), found, workload), ctx());
      expect(e).toMatchObject({ status: 'fail', severity: 'high', evidence: { internetReachable: reachable } });
      expect(e.message).not.toMatch(/reachable from the internet/);
    });

    it('a passing image stays a pass on a reachable workload', () => {
      expect(rule.evaluate(w(scanned(null), found, exposed('containerGroup', { ipAddressType: 'Public', subnetCount: 0 })), ctx()).status).toBe('pass');
    });
  });
});
