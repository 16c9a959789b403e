/**
 * Issue 12, "done when": `acr-auditor audit --estate X --format json` on an estate no other test uses
 * (Fabrikam's, built here): the four vulnerability rules answer as the issue says, through the CLI, the
 * loopback emulator's Resource Graph (securityresources rows in Microsoft's shapes) and the nightly shards.
 */
import { withOverrides, type Overrides } from '../rules/vulnFixtures.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import {
  armId, containerAppRow, containerGroupRow, containersPricingRow, daysAgo, digestOf, guidOf, registryRow, subAssessmentRow,
  type ManifestItem, type SubAssessmentInput,
} from '../../estates/build.js';
import { cliEnvironment } from '../support/cli.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const T = guidOf('fabrikam|tenant');
const A = guidOf('fabrikam|sub|apps');
const B = guidOf('fabrikam|sub|cold');
const REG = { name: 'fabvuln', sub: A, rg: 'rg-acr' };
const COLD = { name: 'fabcold', sub: B, rg: 'rg-cold' };
const regId = (r: typeof REG) => armId(r.sub, r.rg, 'Microsoft.ContainerRegistry/registries', r.name);
const host = (r: typeof REG) => `${r.name}.azurecr.io`;

const D = {
  medium: digestOf('fab|medium'), nofix: digestOf('fab|nofix'), grace: digestOf('fab|grace'), old: digestOf('fab|old'),
  exempt: digestOf('fab|exempt'), cold: digestOf('fab|cold'),
};

const manifest = (digest: string, tag: string): ManifestItem => ({
  digest, imageSize: 1000, createdTime: daysAgo(NOW, 10), lastUpdateTime: daysAgo(NOW, 10), architecture: 'amd64', os: 'linux',
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json', tags: [tag],
  changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
});

const sa = (r: typeof REG, repository: string, digest: string, o: Overrides<SubAssessmentInput>): ReturnType<typeof subAssessmentRow> =>
  subAssessmentRow(withOverrides<SubAssessmentInput>({
    tenantId: T, registryId: regId(r), subscriptionId: r.sub, resourceGroup: r.rg, loginServer: host(r), repository, digest, tags: ['1.0'],
    pushedAt: daysAgo(NOW, 10), cve: 'CVE-2026-1000', severity: 'Critical', fixedVersion: '3.0.9', publishedDate: daysAgo(NOW, 20), timeGenerated: daysAgo(NOW, 1),
  }, o));

function estate(): Record<string, unknown> {
  const reg = (r: typeof REG) => registryRow({
    tenantId: T, subscriptionId: r.sub, resourceGroup: r.rg, name: r.name, location: 'westeurope', sku: 'Standard', creationDate: daysAgo(NOW, 300),
    adminUserEnabled: false, publicNetworkAccess: 'Enabled', policyTime: daysAgo(NOW, 300),
  });
  const image = (repo: string) => `${host(REG)}/${repo}:1.0`;
  return {
    tenantId: T,
    subscriptions: [{ subscriptionId: A, displayName: 'fab-apps', state: 'Enabled' }, { subscriptionId: B, displayName: 'fab-cold', state: 'Enabled' }],
    resources: [
      reg(REG), reg(COLD),
      containerGroupRow({ tenantId: T, subscriptionId: A, resourceGroup: 'rg-apps', name: 'aci-old-1', location: 'westeurope', containers: [{ name: 'main', image: image('app/old') }] }),
      containerGroupRow({ tenantId: T, subscriptionId: A, resourceGroup: 'rg-apps', name: 'aci-old-2', location: 'westeurope', containers: [{ name: 'main', image: image('app/old') }] }),
      containerAppRow({ tenantId: T, subscriptionId: A, resourceGroup: 'rg-apps', name: 'ca-old', location: 'westeurope', environment: 'env', revision: 'r1', containers: [{ name: 'api', image: image('app/old') }] }),
      containerAppRow({ tenantId: T, subscriptionId: A, resourceGroup: 'rg-apps', name: 'ca-medium', location: 'westeurope', environment: 'env', revision: 'r1', containers: [{ name: 'api', image: image('app/medium') }] }),
    ],
    securityresources: [
      containersPricingRow({ tenantId: T, subscriptionId: A, tier: 'Standard' }),
      containersPricingRow({ tenantId: T, subscriptionId: B, tier: 'Free' }),
      sa(REG, 'app/medium', D.medium, { severity: 'Medium', cve: 'CVE-2026-2001' }),
      sa(REG, 'app/nofix', D.nofix, { cve: 'CVE-2026-2002', fixedVersion: undefined, fixStatus: 'NoFixAvailable' }),
      sa(REG, 'app/grace', D.grace, { cve: 'CVE-2026-2003', publishedDate: daysAgo(NOW, 3) }),
      sa(REG, 'app/old', D.old, { cve: 'CVE-2026-2004' }),
      sa(REG, 'app/old', D.old, { cve: 'CVE-2026-2005', severity: 'High', packageName: 'zlib', fixedVersion: '1.3.1', publishedDate: daysAgo(NOW, 45) }),
      sa(REG, 'app/exempt', D.exempt, { cve: 'CVE-2026-2006', severity: 'High', publishedDate: daysAgo(NOW, 60), exempt: true }),
      // A stale row of a registry whose subscription has the plan off: its image stays inconclusive.
      sa(COLD, 'app/cold', D.cold, { cve: 'CVE-2026-2007' }),
    ],
    resourcechanges: [], authorizationresources: [], diagnosticSettings: {},
    registryContent: {
      [host(REG)]: { repositories: Object.fromEntries((['medium', 'nofix', 'grace', 'old', 'exempt'] as const).map((k) => [`app/${k}`, { manifests: [manifest(D[k], '1.0')] }])) },
      [host(COLD)]: { repositories: { 'app/cold': { manifests: [manifest(D.cold, '1.0')] } } },
    },
    logs: {},
  };
}

interface Row { ruleId: string; status: string; severity: string; resourceId: string; subject: string; evidence: Record<string, unknown> }

describe('vulnerability rules through `acr-auditor audit --estate X --format json` (issue 12)', () => {
  const saved = { ...process.env };
  let findings: Row[] = [];
  beforeAll(async () => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = 'fab*.azurecr.io';
    const file = join(mkdtempSync(join(tmpdir(), 'acr-auditor-vuln-')), 'fabrikam-vuln.json');
    writeFileSync(file, JSON.stringify(estate()));
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
    expect(await main(['audit', '--estate', file, '--format', 'json', '--status', 'all', '--now', NOW.toISOString()], io), err.join('\n')).toBe(0);
    findings = (JSON.parse(out.join('\n')) as { findings: Row[] }).findings;
  }, 60_000);
  afterAll(() => {
    process.env = { ...saved };
  });
  const of = (ruleId: string) => findings.filter((f) => f.ruleId === ruleId);
  const imageSubject = (digest: string, repo: string, r = REG) => `${host(r)}/${repo}@${digest}`;

  it('a medium-only CVE, a critical CVE without a fix, and a critical CVE inside its grace period give no image finding', () => {
    const subjects = of('image.vulnerabilities-resolved').map((f) => f.subject);
    expect(subjects).not.toContain(imageSubject(D.medium, 'app/medium'));
    expect(subjects).not.toContain(imageSubject(D.nofix, 'app/nofix'));
    expect(subjects).not.toContain(imageSubject(D.grace, 'app/grace'));
  });

  it('a critical CVE with a fix past its grace period is one image finding, severity from the worst CVE, CVEs as evidence', () => {
    const f = of('image.vulnerabilities-resolved').filter((x) => x.subject === imageSubject(D.old, 'app/old'));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ status: 'open', severity: 'critical', evidence: { counts: { critical: 1, high: 1 } } });
    expect((f[0]!.evidence.worstCves as Array<{ cve: string }>).map((c) => c.cve)).toEqual(['CVE-2026-2004', 'CVE-2026-2005']);
  });

  it('the same digest running in three workloads gives three workload findings', () => {
    const f = of('workload.image-vulnerabilities-resolved');
    expect(f.filter((x) => x.status === 'open').map((x) => x.resourceId.split('/').pop()).sort()).toEqual(['aci-old-1', 'aci-old-2', 'ca-old']);
    expect(f.every((x) => x.evidence.digest === D.old && x.evidence.imageFinding === imageSubject(D.old, 'app/old'))).toBe(true);
  });

  it('an exempted sub-assessment is suppressed, naming the exemption', () => {
    const f = of('image.vulnerabilities-resolved').find((x) => x.subject === imageSubject(D.exempt, 'app/exempt'));
    expect(f).toMatchObject({ status: 'suppressed' });
    expect(JSON.stringify(f)).toContain('Exempted: risk accepted');
  });

  it('a subscription with the plan off fails the plan rule, its registry is not effectively scanned, and its images are inconclusive (no pass, no finding)', () => {
    expect(of('subscription.defender-containers-enabled').map((f) => [f.resourceId, f.status])).toEqual([[`/subscriptions/${B}`, 'open']]);
    expect(of('registry.vulnerability-scanning-effective').map((f) => f.resourceId.toLowerCase())).toEqual([regId(COLD).toLowerCase()]);
    expect(of('image.vulnerabilities-resolved').map((f) => f.subject)).not.toContain(imageSubject(D.cold, 'app/cold', COLD));
  });
});
