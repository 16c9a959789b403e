/**
 * registry.untagged-manifests-pruned through the nightly run (planner -> queue -> shards, real SDK clients on the
 * loopback emulator, findings in Azurite): one finding per repository; resolved as passed once its dangling manifests
 * are deleted; kept as it is while the repository cannot be listed; resolved as gone only after the data plane's 404
 * for a repository that left the catalog (a repository the auditor may not read answers 401, which proves nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightlyLocally } from '../../cli/localQueue.js';
import { armId, daysAgo, digestOf, guidOf, registryRow, type ManifestItem } from '../../estates/build.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const RULE = 'registry.untagged-manifests-pruned';
const S = guidOf('untagged|sub');
const NAME = 'fabuntagged';
const HOST = `${NAME}.azurecr.io`;
const REGISTRY_ID = armId(S, 'rg-acr', 'Microsoft.ContainerRegistry/registries', NAME);

function manifest(seed: string, tags: string[], ageDays: number): ManifestItem {
  return {
    digest: digestOf(`untagged|${seed}`), imageSize: 1000, createdTime: daysAgo(NOW, ageDays), lastUpdateTime: daysAgo(NOW, ageDays), architecture: 'amd64', os: 'linux',
    mediaType: 'application/vnd.oci.image.manifest.v1+json', configMediaType: 'application/vnd.oci.image.config.v1+json', tags,
    changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
  };
}

type Content = Record<string, { repositories: Record<string, { manifests: ManifestItem[] }> }>;

function estate(): Record<string, unknown> {
  return {
    tenantId: guidOf('untagged|tenant'),
    subscriptions: [{ subscriptionId: S, displayName: 'fabrikam-untagged', state: 'Enabled' }],
    resources: [
      registryRow({ tenantId: guidOf('untagged|tenant'), subscriptionId: S, resourceGroup: 'rg-acr', name: NAME, location: 'westeurope', sku: 'Standard', creationDate: daysAgo(NOW, 400), adminUserEnabled: false, publicNetworkAccess: 'Enabled', policyTime: daysAgo(NOW, 400) }),
    ],
    securityresources: [], resourcechanges: [], authorizationresources: [], diagnosticSettings: {},
    registryContent: {
      [HOST]: {
        repositories: {
          // Two superseded builds (200 and 90 days old) beside the current tag: one finding, count 2.
          'app/dangling': { manifests: [manifest('dangling|2.0', ['2.0'], 5), manifest('dangling|old-1', [], 200), manifest('dangling|old-2', [], 90), manifest('dangling|young', [], 3)] },
          'app/clean': { manifests: [manifest('clean|1.0', ['1.0'], 100)] },
          'app/broken': { manifests: [manifest('broken|1.0', ['1.0'], 10), manifest('broken|old', [], 120)] },
          'app/gone': { manifests: [manifest('gone|old', [], 300)] },
        },
      },
    },
    logs: {},
  };
}

describe('registry.untagged-manifests-pruned in the nightly run: one finding per repository (emulator, Azurite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ estate: estate(), now: NOW, settings: { AUDITOR_APPROVED_REGISTRIES: HOST } });
  });
  afterAll(async () => h?.close());
  let brokenFirstSeen = '';

  const nightly = async (runId: string) => {
    const s = h.host.services;
    const r = await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId, workers: 1, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });
    const gaps = (await s.runs.listShards(runId)).flatMap((x) => x.gaps.map((g) => g.scope));
    return { run: r.run, gaps };
  };
  const findings = async (): Promise<Map<string, StoredFinding>> => {
    const out = new Map<string, StoredFinding>();
    for await (const f of h.host.services.findings.listFindings()) if (f.ruleId === RULE) out.set(f.subject, f);
    return out;
  };
  const content = () => (h.emulator.estate as unknown as { registryContent: Content }).registryContent[HOST]!.repositories;
  const forbid = (...repositories: string[]) => {
    h.emulator.estate = { ...h.emulator.estate, emulator: { ...(h.emulator.estate.emulator ?? {}), forbidden: repositories.map((r) => `${HOST}/${r}`) } } as never;
  };

  it('opens one finding per repository holding dangling manifests, with the count and the oldest', async () => {
    await nightly('u-1');
    const f = await findings();
    expect([...f.keys()].sort()).toEqual([`${HOST}/app/broken`, `${HOST}/app/dangling`, `${HOST}/app/gone`]);
    for (const x of f.values()) expect(x).toMatchObject({ status: 'open', severity: 'low', resourceId: REGISTRY_ID });
    expect(f.get(`${HOST}/app/dangling`)!.evidence).toMatchObject({ count: 2, oldest: digestOf('untagged|dangling|old-1'), oldestUpdate: daysAgo(NOW, 200) });
    expect(f.get(`${HOST}/app/gone`)!.evidence).toMatchObject({ count: 1, oldest: digestOf('untagged|gone|old') });
    brokenFirstSeen = f.get(`${HOST}/app/broken`)!.firstSeen;
  });

  it('the next night: resolved once the manifests are deleted; kept while a repository cannot be listed; a vanished repository answering 401 is not proof', async () => {
    const repos = content();
    repos['app/dangling']!.manifests = repos['app/dangling']!.manifests.filter((m) => m.tags.length > 0 || m.digest === digestOf('untagged|dangling|young'));
    delete repos['app/gone'];
    forbid('app/broken', 'app/gone');
    const r = await nightly('u-2');
    // The repository that could not be listed, and the vanished one whose existence could not be read, are gaps.
    expect(r.gaps).toEqual(expect.arrayContaining([`${HOST}/app/broken`, `${HOST}/app/gone`]));
    const f = await findings();
    expect(f.get(`${HOST}/app/dangling`)).toMatchObject({ status: 'resolved', resolution: 'passed' });
    expect(f.get(`${HOST}/app/broken`)).toMatchObject({ status: 'open', evidence: { count: 1 } });
    expect(f.get(`${HOST}/app/gone`)).toMatchObject({ status: 'open' });
    expect(f.has(`${HOST}/app/clean`)).toBe(false);
  });

  it('a vanished repository resolves as gone after the data plane\'s 404; the unlistable one still stays', async () => {
    forbid('app/broken');
    const r = await nightly('u-3');
    expect(r.gaps).toContain(`${HOST}/app/broken`);
    expect(r.gaps).not.toContain(`${HOST}/app/gone`);
    const f = await findings();
    expect(f.get(`${HOST}/app/gone`)).toMatchObject({ status: 'resolved', resolution: 'gone' });
    expect(f.get(`${HOST}/app/broken`)).toMatchObject({ status: 'open' });
    expect(f.get(`${HOST}/app/dangling`)).toMatchObject({ status: 'resolved', resolution: 'passed' });
  });

  it('readable again: the repository is decided on its own listing (still dangling: stays open, nothing reopens)', async () => {
    forbid();
    const r = await nightly('u-4');
    expect(r.gaps).toEqual([]);
    const f = await findings();
    expect(f.get(`${HOST}/app/broken`)).toMatchObject({ status: 'open', firstSeen: brokenFirstSeen, evidence: { count: 1, oldest: digestOf('untagged|broken|old') } });
    expect([...f.values()].filter((x) => x.status === 'open').map((x) => x.subject)).toEqual([`${HOST}/app/broken`]);
  });
});
