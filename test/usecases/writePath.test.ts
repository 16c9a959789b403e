/**
 * Issue 18, item 2: nightly writes proportional to change. An unchanged night writes no finding of a
 * nightly-only rule (only rules the push audit also evaluates are rewritten, a few per registry); a
 * change writes exactly the changed findings; a replayed night changes nothing; and every open finding
 * is still shown as last seen by the latest audit that re-confirmed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { RULES } from '../../shared/rules/catalog.js';
import { startHarness, storedFindings, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const PUSH_RULES = new Set(RULES.filter((r) => r.modes.includes('push')).map((r) => r.id));

describe('nightly write path (issue 18, item 2)', () => {
  let h: Harness;
  const written: StoredFinding[][] = [];
  beforeAll(async () => {
    h = await startHarness({
      estate: demoEstate(NOW),
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') },
    });
    // Count every finding row the store is asked to write (the real TableFindingsStore underneath).
    const store = h.host.services.findings;
    const save = store.save.bind(store);
    store.save = async (scopeId, findings) => {
      written.at(-1)?.push(...findings);
      return save(scopeId, findings);
    };
  });
  afterAll(async () => h.close());

  const night = async (runId: string) => {
    written.push([]);
    const s = h.host.services;
    const r = await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId, workers: 3, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });
    return { run: r.run, rows: written.at(-1)! };
  };

  it('an unchanged night rewrites no finding of a nightly-only rule; open findings are shown last seen by it', async () => {
    const first = await night('w-1');
    const opened = first.rows.filter((f) => f.ruleId !== 'audit.scope-readable');
    expect(opened.length).toBeGreaterThan(10);
    const second = await night('w-2');
    expect(second.run.counts?.stillOpen).toBeGreaterThan(10);
    const nightlyOnly = second.rows.filter((f) => !PUSH_RULES.has(f.ruleId) && f.ruleId !== 'audit.scope-readable');
    expect(nightlyOnly, nightlyOnly.map((f) => `${f.ruleId} ${f.subject}`).join('\n')).toEqual([]);
    // What is still written: the few registry findings of rules the push audit also evaluates, and the coverage passes.
    expect(second.rows.length).toBeLessThan(first.rows.length / 2);
    // The open findings of nightly-only rules are shown as seen by the second night, though not rewritten.
    const secondAt = (await h.host.services.runs.getRun('w-2'))!.startedAt;
    for (const f of (await storedFindings(h)).filter((x) => x.status === 'open' && !PUSH_RULES.has(x.ruleId) && x.ruleId !== 'audit.scope-readable')) {
      expect(f.lastSeen >= secondAt, `${f.ruleId} ${f.subject} lastSeen ${f.lastSeen}`).toBe(true);
      expect(f.lastAuditId).toBe('w-1');
    }
  }, 60_000);

  it('a change writes exactly the changed findings', async () => {
    // One stale image is refreshed: its image.fresh finding resolves; nothing else of image.fresh is written.
    const estate = h.emulator.estate as unknown as { registryContent: Record<string, { repositories: Record<string, { manifests: Array<{ digest: string; lastUpdateTime: string; tags: string[] }> }> }> };
    const stale = (await storedFindings(h)).find((f) => f.ruleId === 'image.fresh' && f.status === 'open')!;
    const [, repoAndDigest] = stale.subject.split(/\/(.+)/) as [string, string];
    const [repo, digest] = repoAndDigest.split('@') as [string, string];
    const manifest = estate.registryContent[stale.registry!]!.repositories[repo]!.manifests.find((m) => m.digest === digest)!;
    manifest.lastUpdateTime = NOW.toISOString();
    const third = await night('w-3');
    const fresh = third.rows.filter((f) => f.ruleId === 'image.fresh');
    expect(fresh.map((f) => [f.id, f.status])).toEqual([[stale.id, 'resolved']]);
  }, 60_000);

  it('a replayed night changes nothing and writes no finding of a nightly-only rule', async () => {
    const before = (await storedFindings(h)).map(({ etag: _e, ...f }) => f);
    written.push([]);
    const s = h.host.services;
    // The same run id again (a redelivered plan): its shards are already done, nothing is audited twice.
    await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId: 'w-3', workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 30_000 });
    expect(written.at(-1)!.filter((f) => !PUSH_RULES.has(f.ruleId) && f.ruleId !== 'audit.scope-readable')).toEqual([]);
    const after = (await storedFindings(h)).map(({ etag: _e, ...f }) => f);
    expect(after.map((f) => [f.id, f.status, f.lastAuditId])).toEqual(before.map((f) => [f.id, f.status, f.lastAuditId]));
  }, 60_000);
});
