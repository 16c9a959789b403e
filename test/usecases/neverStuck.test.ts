/**
 * Issue 10, "never stuck": estate content and interrupted runs that must not wedge the nightly run.
 * End to end: real SDK clients on the loopback emulator, real Azurite, the real shard queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, demoEstate } from '../../estates/demo.js';
import { containerGroupRow } from '../../estates/build.js';
import { decodeQueueMessage } from '../../shared/services.js';
import { findingId } from '../../shared/findings/keys.js';
import { RULES } from '../../shared/rules/catalog.js';
import { workloadImageSubject } from '../../shared/rules/subjects.js';
import { parseShardMessage, planNightlyAudit, processShard, startNightlyRun, type NightlyDeps, type ShardMessage } from '../../shared/usecases/nightly.js';
import { runNightly, startHarness, storedFindings, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const SETTINGS = {
  AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
  AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(','),
};
const COVERAGE = 'audit.scope-readable';
const HOUR = 3_600_000;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Estate = Record<string, any>;

const harnesses: Harness[] = [];
async function harness(estate: unknown): Promise<Harness> {
  const h = await startHarness({ estate, settings: SETTINGS, now: NOW });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

/** Receives and processes every shard message on the queue (any run) until it is empty. */
async function drain(h: Harness, deps: NightlyDeps): Promise<Array<{ message: ShardMessage; status: string }>> {
  const q = h.host.services.shardQueue;
  const out: Array<{ message: ShardMessage; status: string }> = [];
  for (;;) {
    const got = await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
    if (!got.receivedMessageItems.length) return out;
    for (const m of got.receivedMessageItems) {
      const message = parseShardMessage(decodeQueueMessage(m.messageText));
      const r = await processShard(deps, message, { dequeueCount: m.dequeueCount, maxDequeueCount: 3 });
      await q.deleteMessage(m.messageId, m.popReceipt);
      out.push({ message, status: r.status });
    }
  }
}

describe('issue 10: never stuck', () => {
  it('2. registry tags (50 tags, 512-character names, 256 non-ASCII characters each) do not break the planner', async () => {
    const estate = demoEstate(NOW) as Estate;
    const edge = DEMO_REGISTRIES.edge;
    const row = estate.resources.find((r: Estate) => r.id === edge.id);
    row.tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${String(i).padStart(2, '0')}-${'ñ'.repeat(509)}`, '漢字テスト'.repeat(51) + 'ü']));
    expect(Object.keys(row.tags)[0]!.length).toBe(512);
    expect((Object.values(row.tags)[0] as string).length).toBe(256);
    const h = await harness(estate);
    // The tags really are served to the auditor.
    expect(Object.keys((await h.host.services.azure.arm.getRegistry(edge.id)).tags)).toHaveLength(50);
    const r = await runNightly(h, 'tags');
    expect(r.plan.registries).toBe(7);
    expect(r.run.status).toBe('complete');
    const shards = await h.host.services.runs.listShards('tags');
    expect(shards.every((s) => s.status === 'done')).toBe(true);
    // Messages carry ids only.
    for (const s of shards) {
      expect(s.message!.length).toBeLessThan(400);
      expect(s.message).not.toContain('ñ');
    }
  }, 30_000);

  it('3. a 2,000-character changedBy in resourcechanges: the shard and the run complete, the evidence holds it truncated', async () => {
    const estate = demoEstate(NOW) as Estate;
    const platform = DEMO_REGISTRIES.platform;
    const longName = `${'x'.repeat(1_990)}@contoso.com`;
    const change = estate.resourcechanges.find((c: Estate) => c.properties.targetResourceId.toLowerCase() === platform.id.toLowerCase());
    change.properties.changeAttributes.changedBy = longName;
    const h = await harness(estate);
    const r = await runNightly(h, 'long');
    expect(r.run.status).toBe('complete');
    const shard = (await h.host.services.runs.listShards('long')).find((s) => s.key === platform.id.toLowerCase())!;
    expect(shard).toMatchObject({ status: 'done', gaps: [] });
    const admin = (await storedFindings(h)).find((f) => f.id === findingId('registry.admin-user-disabled', platform.id, platform.id))!;
    expect(admin.status).toBe('open');
    const enabledBy = admin.evidence.enabledBy as string;
    expect(enabledBy.startsWith('x'.repeat(200))).toBe(true);
    expect(enabledBy).toMatch(/…\[truncated\]$/);
    expect(enabledBy.length).toBeLessThan(300);
  }, 30_000);

  it('4. a run cannot stay running forever: past its deadline it is closed failed; a planning stopped half-way is resumed', async () => {
    // (a) A run planned and never processed; the next night (21 h later) closes it and plans its own.
    const h = await harness(demoEstate(NOW));
    const s = h.host.services;
    await s.shardQueue.createIfNotExists();
    const old = await startNightlyRun(s.deps, 'stuck');
    expect((await s.runs.getRun('stuck'))!.status).toBe('running');
    const later: NightlyDeps = { ...s.deps, clock: () => new Date(s.deps.clock().getTime() + 21 * HOUR) };
    const next = await startNightlyRun(later, 'next');
    const stuck = (await s.runs.getRun('stuck'))!;
    expect(stuck.status).toBe('failed');
    const stuckShards = await s.runs.listShards('stuck');
    expect(stuckShards).toHaveLength(old.shards);
    for (const sh of stuckShards) {
      expect(sh.status).toBe('failed');
      expect(sh.gaps[0]!.reason).toMatch(/passed its deadline/);
    }
    expect(stuck.planningGaps.filter((g) => /passed its deadline/.test(g.reason))).toHaveLength(old.shards);
    const coverage = (await storedFindings(h)).filter((f) => f.ruleId === COVERAGE && f.status === 'open' && /passed its deadline/.test(f.message));
    expect(new Set(coverage.map((f) => f.scopeId))).toEqual(new Set(stuckShards.map((x) => x.key)));
    expect(next.fresh).toBe(true);
    expect(next.shards).toBe(old.shards);
    // The old run's messages are skipped; the new run completes (and its audits resolve the deadline gaps).
    const processed = await drain(h, later);
    expect(processed.filter((p) => p.message.runId === 'stuck').every((p) => p.status === 'skipped')).toBe(true);
    expect((await s.runs.getRun('next'))!.status).toBe('complete');
    expect((await storedFindings(h)).filter((f) => f.ruleId === COVERAGE && f.status === 'open')).toEqual([]);

    // (b) A planning that stopped half-way: the queue fails (503) after the first message.
    const h2 = await harness(demoEstate(NOW));
    const s2 = h2.host.services;
    await s2.shardQueue.createIfNotExists();
    let sent = 0;
    const failing: NightlyDeps = {
      ...s2.deps,
      queue: {
        send: async (m) => {
          if (sent++ >= 1) throw new RestError('The server is busy.', { statusCode: 503 });
          await s2.deps.queue.send(m);
        },
      },
    };
    await expect(planNightlyAudit(failing, 'half')).rejects.toThrow(/busy/);
    const half = (await s2.runs.getRun('half'))!;
    expect(half).toMatchObject({ status: 'running' });
    expect(half.plannedAt).toBeUndefined();
    const halfShards = await s2.runs.listShards('half');
    expect(halfShards.filter((x) => x.enqueuedAt)).toHaveLength(1);
    // The next night, within the deadline: the missing messages are sent, then both runs complete.
    const laterOk: NightlyDeps = { ...s2.deps, clock: () => new Date(s2.deps.clock().getTime() + 2 * HOUR) };
    await startNightlyRun(laterOk, 'after-half');
    expect(h2.logs.some((l) => l.message === 'resumed a run whose planning stopped half-way' && l.fields?.runId === 'half' && l.fields?.sent === halfShards.length - 1)).toBe(true);
    expect((await s2.runs.listShards('half')).every((x) => x.enqueuedAt)).toBe(true);
    const done = await drain(h2, laterOk);
    expect(done.filter((p) => p.message.runId === 'half')).toHaveLength(halfShards.length);
    expect((await s2.runs.getRun('half'))!.status).toBe('complete');
    expect((await s2.runs.getRun('after-half'))!.status).toBe('complete');
  }, 60_000);

  it('5. U+2028 / U+2029 in a workload image: the workload shard completes without a gap; the subject shows the escaped text', async () => {
    const estate = demoEstate(NOW) as Estate;
    const sub = DEMO_SUBSCRIPTIONS.shared;
    const image = `${DEMO_REGISTRIES.platform.loginServer}/tools/db-migrate:1.2.0\u2028injected\u2029line`;
    const row = containerGroupRow({ tenantId: DEMO_TENANT_ID, subscriptionId: sub, resourceGroup: 'rg-ops', name: 'aci-separators', location: 'westeurope', tags: {}, containers: [{ name: 'sep', image }] });
    estate.resources.push(row);
    const h = await harness(estate);
    for (const runId of ['sep-1', 'sep-2']) {
      const r = await runNightly(h, runId);
      expect(r.run.status).toBe('complete');
      const shard = (await h.host.services.runs.listShards(runId)).find((s) => s.key === `/subscriptions/${sub}`)!;
      expect(shard).toMatchObject({ status: 'done', gaps: [] });
    }
    const ofRow = (await storedFindings(h)).filter((f) => f.resourceId.toLowerCase() === (row.id as string).toLowerCase());
    // Issue 14: the workload also has workload-level findings (subject: its id); the image rules are the ones
    // whose subject carries the image.
    const imageRules = new Set(RULES.filter((r) => r.target === 'workloadImage').map((r) => r.id));
    const mine = ofRow.filter((f) => imageRules.has(f.ruleId));
    expect(mine.length).toBeGreaterThan(0);
    for (const f of ofRow.filter((x) => !imageRules.has(x.ruleId))) expect(f.subject).toBe(row.id);
    const escaped = workloadImageSubject('sep', image).replace('\u2028', '\\u2028').replace('\u2029', '\\u2029');
    for (const f of mine) {
      expect(f.subject).toBe(escaped);
      expect(f.subject).not.toMatch(/[\u2028\u2029]/);
      // The same finding on both nights (the id is stable): opened once, still open.
      expect(f.history!.filter((e) => e.kind === 'opened')).toHaveLength(1);
      expect(f.status).toBe('open');
    }
  }, 30_000);
});
