import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHETIC_APPROVED_REGISTRIES, syntheticEstate } from '../../estates/synthetic.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const DAY = 86_400_000;

type Content = Record<string, { repositories: Record<string, { manifests: Array<{ digest: string; tags: string[]; lastUpdateTime: string }> }> }>;

describe('a registry larger than one write chunk (1,500 manifests, all stale)', () => {
  let h: Harness;
  let content: Content;
  beforeAll(async () => {
    const estate = syntheticEstate({ seed: 7, subscriptions: 1, registries: 1, repositoriesPerRegistry: 3, manifestsPerRepository: 500, workloads: 0, now: NOW, staleFraction: 1, adminEnabledFraction: 0 });
    content = estate.registryContent as unknown as Content;
    h = await startHarness({ estate, now: NOW, settings: { AUDITOR_APPROVED_REGISTRIES: SYNTHETIC_APPROVED_REGISTRIES.join(',') } });
  });
  afterAll(async () => h.close());

  const imageFindings = async (): Promise<StoredFinding[]> => {
    const out: StoredFinding[] = [];
    for await (const f of h.host.services.findings.listFindings()) if (f.ruleId === 'image.fresh') out.push(f);
    return out;
  };
  const nightly = (runId: string) =>
    runNightlyLocally(h.host.services.deps, { queue: h.host.services.shardQueue, poison: h.host.services.shardPoisonQueue }, { runId, workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 120_000 });

  it('opens one finding per stale tagged manifest across chunks, and counts them all', async () => {
    const tagged = Object.values(content).flatMap((c) => Object.values(c.repositories).flatMap((r) => r.manifests)).filter((m) => m.tags.length > 0);
    expect(tagged.length).toBeGreaterThan(1000);
    const r = await nightly('c-1');
    const open = (await imageFindings()).filter((f) => f.status === 'open');
    expect(open).toHaveLength(tagged.length);
    const shards = await h.host.services.runs.listShards('c-1');
    expect(shards.reduce((n, s) => n + (s.counts?.opened ?? 0), 0)).toBe(r.run.counts!.opened);
    expect(r.run.counts!.opened).toBeGreaterThanOrEqual(tagged.length);
  });

  it('resolves refreshed manifests as passed and a deleted repository as gone, leaving the rest open', async () => {
    // Mutate the emulator's own (validated) copy of the estate: the next requests see it.
    const live = (h.emulator.estate as unknown as { registryContent: Content }).registryContent;
    const [loginServer, registry] = Object.entries(live)[0]!;
    const repos = Object.keys(registry.repositories);
    const refreshed = registry.repositories[repos[0]!]!.manifests;
    for (const m of refreshed) m.lastUpdateTime = new Date(NOW.getTime() - 2 * DAY).toISOString();
    delete registry.repositories[repos[1]!];
    await nightly('c-2');
    const all = await imageFindings();
    const inRepo = (repo: string) => all.filter((f) => f.subject.startsWith(`${loginServer}/${repo}@`));
    const taggedIn = (repo: string) => (registry.repositories[repo]?.manifests ?? []).filter((m) => m.tags.length).length;
    expect(inRepo(repos[0]!).every((f) => f.status === 'resolved' && f.resolution === 'passed')).toBe(true);
    expect(inRepo(repos[1]!).length).toBeGreaterThan(0);
    expect(inRepo(repos[1]!).every((f) => f.status === 'resolved' && f.resolution === 'gone')).toBe(true);
    expect(inRepo(repos[2]!).filter((f) => f.status === 'open')).toHaveLength(taggedIn(repos[2]!));
  });
});
