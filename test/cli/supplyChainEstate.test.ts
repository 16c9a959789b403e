/**
 * Issue 15, "done when": `acr-auditor audit --estate X --format json` on an estate no other test uses (Tailspin's, built
 * here): release tags locked or not (a tag's own attributes, a repository locked as a whole), dangling manifests (one
 * finding per repository) told apart from the platforms of a tagged index and from signatures, a registry whose retention purges them, and workloads
 * running signed and unsigned images, through the CLI, the loopback emulator's ACR data plane and the nightly shards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { armId, containerAppRow, daysAgo, digestOf, guidOf, registryRow, type ManifestItem } from '../../estates/build.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import { capturedIo, cliEnvironment } from '../support/cli.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const T = guidOf('tailspin|tenant');
const S = guidOf('tailspin|sub|prod');
const SIGNER = 'D'.repeat(64);
const REL = { name: 'tailrel', rg: 'rg-acr' };
const CLEAN = { name: 'tailclean', rg: 'rg-acr' };
const regId = (r: typeof REL) => armId(S, r.rg, 'Microsoft.ContainerRegistry/registries', r.name);
const host = (r: typeof REL) => `${r.name}.azurecr.io`;
const LOCKED = { writeEnabled: false, deleteEnabled: false };

const D = {
  locked: digestOf('tail|1.0.0'), writable: digestOf('tail|1.1.0'), main: digestOf('tail|main'), index: digestOf('tail|2.0.0'),
  amd64: digestOf('tail|2.0.0|amd64'), arm64: digestOf('tail|2.0.0|arm64'), signature: digestOf('tail|sig'), legacy: digestOf('tail|legacy'),
  repoLocked: digestOf('tail|3.0.0'), cleanOld: digestOf('tail|clean-old'), cleanTagged: digestOf('tail|clean'),
};

function manifest(digest: string, tags: string[], ageDays: number, extra: Partial<ManifestItem> = {}): ManifestItem {
  return {
    digest, imageSize: 1000, createdTime: daysAgo(NOW, ageDays), lastUpdateTime: daysAgo(NOW, ageDays), architecture: 'amd64', os: 'linux',
    mediaType: 'application/vnd.oci.image.manifest.v1+json', configMediaType: 'application/vnd.oci.image.config.v1+json', tags,
    changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true }, ...extra,
  };
}
const noPlatform = (m: ManifestItem): ManifestItem => {
  const { architecture: _a, os: _o, ...rest } = m;
  return rest;
};

function estate(): Record<string, unknown> {
  const reg = (r: typeof REL, retentionDays?: number) => registryRow({
    tenantId: T, subscriptionId: S, resourceGroup: r.rg, name: r.name, location: 'westeurope', sku: 'Premium', creationDate: daysAgo(NOW, 400),
    adminUserEnabled: false, publicNetworkAccess: 'Enabled', policyTime: daysAgo(NOW, 400), ...(retentionDays ? { retentionDays } : {}),
  });
  const app = (name: string, image: string) => containerAppRow({ tenantId: T, subscriptionId: S, resourceGroup: 'rg-apps', name, location: 'westeurope', environment: 'env', revision: 'r1', containers: [{ name: 'api', image }] });
  return {
    tenantId: T,
    subscriptions: [{ subscriptionId: S, displayName: 'tailspin-prod', state: 'Enabled' }],
    resources: [
      reg(REL), reg(CLEAN, 7),
      app('ca-signed', `${host(REL)}/app/api:1.0.0`),
      app('ca-unsigned', `${host(REL)}/app/api:1.1.0`),
      // Signatures are required for app/*, but this registry is not in the estate: inconclusive, never a pass.
      app('ca-elsewhere', 'partner.azurecr.io/app/api:1.0.0'),
    ],
    securityresources: [], resourcechanges: [], authorizationresources: [], diagnosticSettings: {},
    registryContent: {
      [host(REL)]: {
        repositories: {
          'app/api': {
            manifests: [
              manifest(D.locked, ['1.0.0'], 50, {
                tagAttributes: { '1.0.0': LOCKED },
                referrers: [{ digest: D.signature, artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: JSON.stringify([SIGNER]) } }],
              }),
              manifest(D.writable, ['1.1.0', 'latest'], 10),
              manifest(D.main, ['main'], 2),
              // A locked multi-arch release, 100 days old: its platforms are untagged and old, but not dangling.
              noPlatform(manifest(D.index, ['2.0.0'], 100, { mediaType: 'application/vnd.oci.image.index.v1+json', tagAttributes: { '2.0.0': LOCKED } })),
              manifest(D.amd64, [], 100),
              manifest(D.arm64, [], 100, { architecture: 'arm64' }),
              // The signature of 1.0.0 as ACR lists it: an untagged manifest without a platform, config of the signature type.
              noPlatform(manifest(D.signature, [], 50, { configMediaType: NOTATION_SIGNATURE })),
            ],
          },
          // A superseded build nobody tagged again: dangling.
          'app/legacy': { manifests: [manifest(D.legacy, [], 200)] },
          // Locked as a whole: its release tag is locked through it.
          'app/frozen': { manifests: [manifest(D.repoLocked, ['3.0.0'], 30)], changeableAttributes: { ...LOCKED, readEnabled: true, listEnabled: true } },
        },
      },
      [host(CLEAN)]: { repositories: { 'app/web': { manifests: [manifest(D.cleanTagged, ['v5.0.0'], 5, { tagAttributes: { 'v5.0.0': LOCKED } }), manifest(D.cleanOld, [], 90)] } } },
    },
    logs: {},
  };
}

interface Row { ruleId: string; status: string; severity: string; resourceId: string; subject: string; message: string; evidence: Record<string, unknown> }

describe('supply chain rules through `acr-auditor audit --estate X --format json` (issue 15)', () => {
  const saved = { ...process.env };
  let findings: Row[] = [];
  beforeAll(async () => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = 'tail*.azurecr.io';
    process.env.AUDITOR_SIGNATURE_REQUIRED = 'app/*';
    process.env.AUDITOR_APPROVED_SIGNERS = SIGNER;
    const file = join(mkdtempSync(join(tmpdir(), 'acr-auditor-supply-')), 'tailspin.json');
    writeFileSync(file, JSON.stringify(estate()));
    const t = capturedIo();
    expect(await main(['audit', '--estate', file, '--format', 'json', '--status', 'all', '--now', NOW.toISOString()], t.value), t.err.join('\n')).toBe(0);
    findings = (JSON.parse(t.out.join('\n')) as { findings: Row[] }).findings;
  }, 60_000);
  afterAll(() => {
    process.env = { ...saved };
  });
  const of = (ruleId: string) => findings.filter((f) => f.ruleId === ruleId);
  const img = (repo: string, digest: string, r = REL) => `${host(r)}/${repo}@${digest}`;

  it('a writable release tag fails; locked ones (tag or repository), and images without a release tag, do not', () => {
    const f = of('image.release-tags-locked');
    expect(f.map((x) => x.subject)).toEqual([img('app/api', D.writable)]);
    expect(f[0]).toMatchObject({ status: 'open', severity: 'medium', evidence: { releaseTags: ['1.1.0'], writable: [{ tag: '1.1.0', writeEnabled: true, deleteEnabled: true }] } });
  });

  it('one dangling-manifest finding per repository, counting the superseded build only (not index platforms, not the signature)', () => {
    const f = of('registry.untagged-manifests-pruned');
    // app/api holds old untagged manifests too, but they are the platforms of the tagged index and a signature: no finding.
    expect(f.map((x) => [x.resourceId, x.subject])).toEqual([[regId(REL), `${host(REL)}/app/legacy`]]);
    expect(f[0]).toMatchObject({
      status: 'open', severity: 'low',
      evidence: { count: 1, oldest: D.legacy, oldestUpdate: daysAgo(NOW, 200), notCounted: { possibleIndexChildren: 0, artifacts: 0, locked: 0 }, retentionDays: null },
    });
    // tailclean app/web holds an old untagged manifest too, but its registry's retention policy (7 days) purges them: no finding.
    expect(f.some((x) => x.resourceId === regId(CLEAN))).toBe(false);
  });

  it('a workload running an unsigned image fails; one running the signed image, or an image outside the estate, does not', () => {
    const f = of('workload.image-signed');
    expect(f.map((x) => x.resourceId.split('/').pop())).toEqual(['ca-unsigned']);
    expect(f[0]).toMatchObject({ status: 'open', severity: 'high', evidence: { digest: D.writable, signatures: 0, requiredBy: 'app/*' } });
  });

  it('the image signing rules agree on the registry side (every tagged image but the signed 1.0.0)', () => {
    expect(of('image.signed').map((x) => x.subject).sort()).toEqual(
      [img('app/api', D.main), img('app/api', D.writable), img('app/api', D.index), img('app/frozen', D.repoLocked), img('app/web', D.cleanTagged, CLEAN)].sort(),
    );
  });
});
