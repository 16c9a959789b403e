/**
 * Issue 9, "never wrong, never lost": end to end (real SDK clients on the loopback emulator, real
 * Azurite), each case asserting the final state of the findings AND that the condition it is about
 * really happened (the forbidden scope or the fault was hit, the gap was recorded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_EXPECTATIONS, DEMO_REGISTRIES, DEMO_SUBSCRIPTIONS, demoEstate, demoImages } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { makeQueueHandler } from '../../functions/onImagePushed.js';
import { startLocalTeamsReceiver, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import { decodeQueueMessage } from '../../shared/services.js';
import { findingId } from '../../shared/findings/keys.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import type { FindingChange, RuleResult } from '../../shared/domain/finding.js';
import { imageSubject } from '../../shared/rules/subjects.js';
import { persistScope } from '../../shared/usecases/common.js';
import { auditRegistry } from '../../shared/usecases/auditRegistry.js';
import { auditRegistryEvents } from '../../shared/usecases/auditRegistryEvents.js';
import { parseEventBatch } from '../../shared/events/parse.js';
import { parseShardMessage, processShard, startNightlyRun } from '../../shared/usecases/nightly.js';
import { plainManifest } from '../../estates/images.js';
import { EVENT_SUBJECT_PREFIX } from '../../shared/rules/audit.scope-readable.js';
import { runNightly, startHarness, storedFindings, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const SETTINGS = {
  AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
  AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(','),
};
const COVERAGE = 'audit.scope-readable';

// Estate documents are plain JSON; the tests reach into them freely.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Estate = Record<string, any>;

function ctx(name = 'onImagePushedQueue'): InvocationContext {
  return new InvocationContext({ invocationId: `t-${Math.random().toString(16).slice(2)}`, functionName: name, logHandler: () => undefined, triggerMetadata: { dequeueCount: 1 } });
}

async function byId(h: Harness, id: string): Promise<StoredFinding | undefined> {
  return (await storedFindings(h)).find((f) => f.id === id);
}

function estateOf(h: Harness): Estate {
  return h.emulator.estate as unknown as Estate;
}

function setSwitches(h: Harness, switches: Record<string, unknown>) {
  h.emulator.estate = { ...h.emulator.estate, emulator: switches } as never;
}

function registryRowOf(h: Harness, id: string): Estate {
  return estateOf(h).resources.find((r: Estate) => r.id.toLowerCase() === id.toLowerCase());
}

function deleteEvent(push: Estate, id: string, timestamp: string): Estate {
  return {
    ...structuredClone(push),
    id,
    eventType: 'Microsoft.ContainerRegistry.ImageDeleted',
    eventTime: timestamp,
    data: {
      id: `${id.slice(0, -4)}dddd`,
      timestamp,
      action: 'delete',
      target: { mediaType: push.data.target.mediaType, digest: push.data.target.digest, repository: push.data.target.repository },
      request: push.data.request,
      actor: push.data.actor,
      source: push.data.source,
    },
  };
}

const harnesses: Harness[] = [];
async function harness(estate: unknown, settings: Record<string, string> = SETTINGS): Promise<Harness> {
  const h = await startHarness({ estate, settings, now: NOW });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

describe('issue 9: never wrong, never lost', () => {
  it('1. inconclusive is not gone: a stale workload image whose registry is forbidden or answers 503 keeps its finding open', async () => {
    const h = await harness(demoEstate(NOW));
    const prod = DEMO_REGISTRIES.prod;
    const stale = DEMO_EXPECTATIONS['workload.image-fresh']!.fail.find((s) => s.subject.includes('team/invoice-func'))!;
    const id = findingId('workload.image-fresh', stale.resourceId, stale.subject);
    expect((await runNightly(h, 'run-1')).run.status).toBe('complete');
    const opened = (await byId(h, id))!;
    expect(opened).toMatchObject({ status: 'open', lastAuditId: 'run-1' });

    // The image is rebuilt (fresh now): a readable registry would resolve the finding as passed.
    const manifest = estateOf(h).registryContent[prod.loginServer].repositories['team/invoice-func'].manifests.find((m: Estate) => m.tags.includes('1.0.3'));
    manifest.lastUpdateTime = new Date(NOW.getTime() - 86_400_000).toISOString();

    // Night 2: the registry's data plane is forbidden.
    setSwitches(h, { forbidden: [prod.loginServer] });
    const r2 = await runNightly(h, 'run-2');
    expect(r2.run.status).toBe('partial');
    const prodGaps = (await h.host.services.runs.listShards('run-2')).find((s) => s.key === prod.id.toLowerCase())!.gaps;
    expect(prodGaps.some((g) => g.status === 401 || g.status === 403), JSON.stringify(prodGaps)).toBe(true);
    let now = (await byId(h, id))!;
    expect(now).toMatchObject({ status: 'open', lastAuditId: 'run-1', observedAt: opened.observedAt });
    expect(now.history!.some((e) => e.kind === 'resolved')).toBe(false);

    // Night 3: readable, but every registry call answers 503 (more often than the SDK retries).
    setSwitches(h, { faults: [{ service: 'registry', status: 503, firstPerRequest: 10 }] });
    const r3 = await runNightly(h, 'run-3');
    expect(h.emulator.faultsInjected().registry).toBeGreaterThan(0);
    expect(r3.run.status).toBe('partial');
    const gaps3 = (await h.host.services.runs.listShards('run-3')).flatMap((s) => s.gaps);
    expect(gaps3.some((g) => /503/.test(g.reason) || g.status === 503), JSON.stringify(gaps3.slice(0, 3))).toBe(true);
    now = (await byId(h, id))!;
    expect(now).toMatchObject({ status: 'open', lastAuditId: 'run-1', observedAt: opened.observedAt });

    // Control: readable and healthy again, the rebuilt image resolves the finding (so "open" above meant "not observed").
    setSwitches(h, {});
    expect((await runNightly(h, 'run-4')).run.status).toBe('complete');
    expect(await byId(h, id)).toMatchObject({ status: 'resolved', resolution: 'passed', lastAuditId: 'run-4' });
  }, 60_000);

  it('2. not visible is not deleted: a forbidden resource group or subscription keeps its findings; a real deletion resolves them as gone', async () => {
    // (a) The platform registry's resource group becomes forbidden.
    const platform = DEMO_REGISTRIES.platform;
    const h = await harness(demoEstate(NOW));
    await runNightly(h, 'rg-1');
    const before = (await storedFindings(h)).filter((f) => f.scopeId === platform.id.toLowerCase() && f.status === 'open');
    expect(before.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['registry.admin-user-disabled', 'image.fresh']));
    setSwitches(h, { forbidden: [`/subscriptions/${platform.subscriptionId}/resourceGroups/rg-acr-platform`] });
    const r2 = await runNightly(h, 'rg-2');
    expect(r2.run.status).toBe('partial');
    expect(r2.plan.registries).toBe(6); // Resource Graph no longer lists it
    const gap = r2.run.planningGaps.find((g) => g.scope.toLowerCase() === platform.id.toLowerCase());
    expect(gap, JSON.stringify(r2.run.planningGaps)).toMatchObject({ status: 403, reason: expect.stringMatching(/no longer visible/) });
    let after = await storedFindings(h);
    for (const f of before) expect(after.find((a) => a.id === f.id), f.ruleId).toMatchObject({ status: 'open' });
    expect(after.find((f) => f.ruleId === COVERAGE && f.scopeId === platform.id.toLowerCase())).toMatchObject({ status: 'open', message: expect.stringMatching(/no longer visible/) });

    // (b) A whole subscription forbidden (AUDITOR_SUBSCRIPTION_IDS empty: every visible subscription).
    const prodSub = DEMO_SUBSCRIPTIONS.prod;
    const h2 = await harness(demoEstate(NOW));
    await runNightly(h2, 'sub-1');
    const prodScopes = new Set([DEMO_REGISTRIES.prod.id.toLowerCase(), DEMO_REGISTRIES.edge.id.toLowerCase(), `/subscriptions/${prodSub}`]);
    const prodOpen = (await storedFindings(h2)).filter((f) => prodScopes.has(f.scopeId) && f.status === 'open');
    expect(prodOpen.length).toBeGreaterThan(0);
    // ca-api-canary (dev subscription) runs contosoprod/team/api:1.6.0, a tag that does not exist.
    const canary = DEMO_EXPECTATIONS['workload.image-fresh']!.fail.find((s) => s.subject.includes(`${DEMO_REGISTRIES.prod.loginServer}/team/api:1.6.0`))!;
    const canaryId = findingId('workload.image-fresh', canary.resourceId, canary.subject);
    expect(await byId(h2, canaryId)).toMatchObject({ status: 'open', subscriptionId: DEMO_SUBSCRIPTIONS.dev });
    setSwitches(h2, { forbidden: [`/subscriptions/${prodSub}`] });
    const s2 = await runNightly(h2, 'sub-2');
    expect(s2.run.status).toBe('partial');
    expect(s2.plan.subscriptions).toBe(2);
    expect(s2.run.planningGaps.find((g) => g.scope === `/subscriptions/${prodSub}`), JSON.stringify(s2.run.planningGaps)).toMatchObject({ status: 403 });
    after = await storedFindings(h2);
    for (const f of prodOpen) expect(after.find((a) => a.id === f.id), `${f.ruleId} ${f.subject}`).toMatchObject({ status: 'open' });
    expect(after.find((f) => f.ruleId === COVERAGE && f.resourceId === `/subscriptions/${prodSub}`)).toMatchObject({ status: 'open' });
    const canaryAfter = (await byId(h2, canaryId))!;
    expect(canaryAfter.status).toBe('open');
    expect(canaryAfter.resolution).toBeUndefined();
    expect(canaryAfter.history!.some((e) => e.kind === 'resolved')).toBe(false);

    // (c) Positive control: the registry really deleted (ARM 404) -> its findings resolve as gone.
    setSwitches(h2, {});
    const prod = DEMO_REGISTRIES.prod;
    const prodRegistryOpen = (await storedFindings(h2)).filter((f) => f.scopeId === prod.id.toLowerCase() && f.status === 'open' && f.ruleId !== COVERAGE);
    expect(prodRegistryOpen.length).toBeGreaterThan(0);
    h2.emulator.estate = { ...h2.emulator.estate, resources: estateOf(h2).resources.filter((r: Estate) => r.id.toLowerCase() !== prod.id.toLowerCase()) } as never;
    const armBefore = h2.emulator.calls().arm ?? 0;
    await runNightly(h2, 'sub-3');
    expect((h2.emulator.calls().arm ?? 0)).toBeGreaterThan(armBefore);
    after = await storedFindings(h2);
    for (const f of prodRegistryOpen) expect(after.find((a) => a.id === f.id), `${f.ruleId} ${f.subject}`).toMatchObject({ status: 'resolved', resolution: 'gone' });
  }, 90_000);

  it('3. a stale snapshot does not override a newer observation (registry.admin-user-disabled)', async () => {
    const h = await harness(demoEstate(NOW));
    const deps = h.host.services.deps;
    const platform = DEMO_REGISTRIES.platform;
    const scopeId = platform.id.toLowerCase();
    const id = findingId('registry.admin-user-disabled', platform.id, platform.id);
    await runNightly(h, 'night-1');
    const nightlyRow = (await byId(h, id))!;
    expect(nightlyRow).toMatchObject({ status: 'open', lastAuditId: 'night-1' });

    // The admin user is turned off; a push re-reads ARM and resolves the finding.
    registryRowOf(h, platform.id).properties.adminUserEnabled = false;
    const armBefore = h.emulator.calls().arm ?? 0;
    const [adminPush] = demoPushEvents(NOW) as Estate[];
    await makeQueueHandler(() => h.host)(adminPush, ctx());
    expect(h.emulator.calls().arm ?? 0).toBeGreaterThan(armBefore);
    const pushed = (await byId(h, id))!;
    expect(pushed).toMatchObject({ status: 'resolved', resolution: 'passed', lastAuditId: `evt-${adminPush!.id}` });
    expect(pushed.observedAt! > nightlyRow.observedAt!).toBe(true);

    // An older observation (read before the push's) arrives afterwards: nothing changes.
    const failing = (observedAt: string): RuleResult => ({
      scopeId, resourceId: platform.id, subject: platform.id, subscriptionId: platform.subscriptionId, registry: platform.loginServer,
      ruleId: 'registry.admin-user-disabled', status: 'fail', message: 'admin user is enabled', evidence: { adminUserEnabled: true },
      severity: 'high', conclusive: true, observedAt,
    });
    const older = new Date(Date.parse(pushed.observedAt!) - 1).toISOString();
    const stale = await persistScope(deps, { auditId: 'late-shard', scopeId, results: [failing(older)] });
    expect(stale.changes).toEqual([]);
    expect(stale.stale).toBe(1);
    const still = (await byId(h, id))!;
    expect(still).toMatchObject({ status: 'resolved', resolution: 'passed', lastAuditId: `evt-${adminPush!.id}`, observedAt: pushed.observedAt });
    expect(still.history!.some((e) => e.kind === 'reopened')).toBe(false);

    // The converse: a newer observation wins.
    const newer = new Date(Date.parse(pushed.observedAt!) + 1).toISOString();
    const fresh = await persistScope(deps, { auditId: 'newer-shard', scopeId, results: [failing(newer)] });
    expect(fresh.changes.map((c) => c.kind)).toEqual(['reopened']);
    expect(await byId(h, id)).toMatchObject({ status: 'open', lastAuditId: 'newer-shard', observedAt: newer });
  }, 60_000);

  it('4. a late delete does not resolve a live image: push, re-push, then an older delete; then the real delete resolves it as gone', async () => {
    const h = await harness(demoEstate(NOW));
    const handler = makeQueueHandler(() => h.host);
    const dev = DEMO_REGISTRIES.dev;
    const img = demoImages(NOW).unlabeled;
    const subject = imageSubject(dev.loginServer, img.repository, img.digest);
    const id = findingId('image.provenance-labeled', dev.id, subject);
    const base = (demoPushEvents(NOW) as Estate[])[1]!;
    const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
    const push1 = structuredClone(base);
    push1.id = 'a4c0ffee-0000-4000-8000-000000000001';
    push1.eventTime = push1.data.timestamp = at(30);
    const push2 = structuredClone(base);
    push2.id = 'a4c0ffee-0000-4000-8000-000000000002';
    push2.data.id = 'a4c0ffee-0000-4000-8000-00000000d002';
    push2.eventTime = push2.data.timestamp = at(10);
    const del = deleteEvent(push1, 'a4c0ffee-0000-4000-8000-000000000003', at(20));

    await handler(push1, ctx());
    expect(await byId(h, id)).toMatchObject({ status: 'open', lastAuditId: `evt-${push1.id}` });
    await handler(push2, ctx());
    const registryBefore = h.emulator.calls().registry ?? 0;
    const outcomes = await auditRegistryEvents(parseEventBatch(del).events, h.host.services.deps);
    // The delete was checked against the registry (the manifest still exists) and ignored.
    expect(h.emulator.calls().registry ?? 0).toBeGreaterThan(registryBefore);
    expect(outcomes).toEqual([expect.objectContaining({ status: 'ignored', reason: expect.stringMatching(/still exists/) })]);
    const live = (await byId(h, id))!;
    expect(live.status).toBe('open');
    expect(live.history!.some((e) => e.kind === 'resolved')).toBe(false);

    // The manifest really goes: the same delete, delivered again, resolves the finding as gone.
    const repo = estateOf(h).registryContent[dev.loginServer].repositories[img.repository];
    repo.manifests = repo.manifests.filter((m: Estate) => m.digest !== img.digest);
    await handler(del, ctx());
    expect(await byId(h, id)).toMatchObject({ status: 'resolved', resolution: 'gone', lastAuditId: `evt-${del.id}` });
  }, 60_000);
  it('6. a new finding is alerted once: a nightly shard opens it, a push re-confirms it before the run completes', async () => {
    const teams: LocalTeamsReceiver = await startLocalTeamsReceiver();
    const platform = DEMO_REGISTRIES.platform;
    const id = findingId('registry.admin-user-disabled', platform.id, platform.id);
    const target = { ruleId: 'registry.admin-user-disabled', id, resourceName: platform.name };
    /** Plans a run, processes its shards one by one from the queue, the admin push after shard number `pushAfter` (-1: before any). */
    const scenario = async (pushAfter: number) => {
      const h = await harness(demoEstate(NOW), { ...SETTINGS, AUDITOR_TEAMS_WEBHOOK_URL: teams.url, AUDITOR_IMMEDIATE_MIN_SEVERITY: 'high' });
      const s = h.host.services;
      await s.shardQueue.createIfNotExists();
      const plan = await startNightlyRun(s.deps, 'n6');
      const got = await s.shardQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
      expect(got.receivedMessageItems.length).toBe(plan.shards);
      const messages = got.receivedMessageItems.map((m) => ({ m, msg: parseShardMessage(decodeQueueMessage(m.messageText)) }));
      const isPlatform = (x: (typeof messages)[number]) => x.msg.kind === 'registry' && x.msg.registryId.toLowerCase() === platform.id.toLowerCase();
      const ordered = [...messages.filter(isPlatform), ...messages.filter((x) => !isPlatform(x))];
      expect(isPlatform(ordered[0]!)).toBe(true);
      const kinds: { shard?: string | undefined; push?: string | undefined } = {};
      const push = async () => {
        // The admin account pushes into contosoplatform while the run is still running (through the host's use case, as the trigger does).
        const [adminPush] = demoPushEvents(NOW) as Estate[];
        const outcomes = await auditRegistryEvents(parseEventBatch(adminPush).events, s.deps);
        for (const o of outcomes) if (o.changes.length) await s.deps.notify!.publish(o.changes, { kind: 'event', eventId: o.eventId });
        kinds.push = outcomes.flatMap((o) => o.changes).find((c) => c.finding.id === id)?.kind;
        expect((await s.runs.getRun('n6'))!.status).toBe('running');
      };
      if (pushAfter < 0) await push();
      for (const [i, { m, msg }] of ordered.entries()) {
        const r = await processShard(s.deps, msg, { dequeueCount: 1, maxDequeueCount: 3 });
        await s.shardQueue.deleteMessage(m.messageId, m.popReceipt);
        expect(r.status).toBe('done');
        if (i === 0) kinds.shard = r.outcome!.changes.find((c) => c.finding.id === id)?.kind;
        if (i === pushAfter) await push();
        expect(r.runCompleted).toBe(i === ordered.length - 1);
      }
      expect((await s.runs.getRun('n6'))!.status).toBe('complete');
      const rows: OutboxRecord[] = [];
      for await (const r of h.host.notifications!.outbox.listNotifications({ includePayload: true })) rows.push(r);
      expect(rows.some((r) => r.originKey === 'nightly:n6' && r.kind === 'digest')).toBe(true);
      const count = (pred: (key: string) => boolean) => rows.filter((r) => pred(r.originKey)).reduce((n, r) => n + newMentions(r.payload, target), 0);
      return { kinds, inDigest: count((k) => k === 'nightly:n6'), atPush: count((k) => k.startsWith('event:')) };
    };
    try {
      // The shard opens it, the push re-confirms it: announced once, by the digest.
      expect(await scenario(0)).toEqual({ kinds: { shard: 'opened', push: 'still_open' }, inDigest: 1, atPush: 0 });
      // The converse: the push opens it (immediate card), the shard re-confirms it: not in the digest again.
      expect(await scenario(-1)).toEqual({ kinds: { shard: 'still_open', push: 'opened' }, inDigest: 0, atPush: 1 });
    } finally {
      await teams.close();
    }
  }, 60_000);

  it('7. a concurrent push and nightly shard on the same registry do not overwrite each other (15 rounds)', async () => {
    const h = await harness(demoEstate(NOW), { ...SETTINGS, AUDITOR_REGISTRY_CACHE_SECONDS: '0' });
    const deps = h.host.services.deps;
    const platform = DEMO_REGISTRIES.platform;
    const scopeId = platform.id.toLowerCase();
    const workspaces = Object.fromEntries(await deps.azure.graph.workspaceCustomerIds());
    const [adminPush] = demoPushEvents(NOW) as Estate[];
    const ROUNDS = 15;
    const TRANSITIONS = new Set(['opened', 'reopened', 'escalated', 'resolved', 'suppressed', 'unsuppressed']);
    /** Announced transitions: finding id -> [auditId, kind][] */
    const announced = new Map<string, Array<[string, string]>>();
    const announce = (auditId: string, changes: readonly FindingChange[]) => {
      for (const c of changes) {
        if (!TRANSITIONS.has(c.kind)) continue;
        const list = announced.get(c.finding.id) ?? [];
        list.push([auditId, c.kind]);
        announced.set(c.finding.id, list);
      }
    };
    for (let i = 0; i < ROUNDS; i++) {
      // The admin user flips every round, so every round has a transition for both actors to race on.
      registryRowOf(h, platform.id).properties.adminUserEnabled = i % 2 === 0;
      const push = structuredClone(adminPush!);
      push.id = `7e570000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      // The shard persists image results in chunks: its committed transitions are reported through
      // onCommitted, as processShard records them for the digest.
      const shardDeps = { ...deps, onCommitted: async (_scope: string, changes: readonly FindingChange[]) => announce(`shard-${i}`, changes) };
      const [events] = await Promise.all([
        auditRegistryEvents(parseEventBatch(push).events, deps),
        auditRegistry({ auditId: `shard-${i}`, registryId: platform.id, workspaces }, shardDeps),
      ]);
      for (const o of events) announce(`evt-${push.id}`, o.changes);
    }
    const rows = (await storedFindings(h)).filter((f) => f.scopeId === scopeId);
    const admin = rows.find((f) => f.ruleId === 'registry.admin-user-disabled')!;
    // Every round changed the admin finding exactly once: opened, then resolved / reopened in turn.
    expect(admin.history!.map((e) => e.kind)).toEqual(['opened', ...Array.from({ length: ROUNDS - 1 }, (_, i) => (i % 2 === 0 ? 'resolved' : 'reopened'))]);
    expect(admin.status).toBe('reopened' === admin.history!.at(-1)!.kind ? 'open' : 'resolved');
    for (const f of rows) {
      const history = f.history ?? [];
      expect(history.filter((e) => e.kind === 'opened').length, `${f.ruleId} ${f.subject}`).toBeLessThanOrEqual(1);
      const keys = history.map((e) => `${e.auditId}|${e.kind}`);
      expect(new Set(keys).size, `duplicate history entries for ${f.ruleId}`).toBe(keys.length);
      // What was announced is exactly what the row records, actor by actor: nothing lost, nothing twice.
      const said = (announced.get(f.id) ?? []).map(([a, k]) => `${a}|${k}`).sort();
      expect(said, `${f.ruleId} ${f.subject}`).toEqual([...keys].sort());
      expect((announced.get(f.id) ?? []).filter(([, k]) => k === 'opened').length).toBeLessThanOrEqual(1);
    }
    // Both actors committed transitions into the registry's findings.
    const actors = new Set(rows.flatMap((f) => (f.history ?? []).map((e) => (e.auditId.startsWith('evt-') ? 'push' : 'shard'))));
    expect([...actors].sort()).toEqual(['push', 'shard']);
    // The race really happened: conditional writes conflicted and were re-read and re-decided.
    expect(h.logs.filter((l) => l.message.startsWith('findings changed meanwhile')).length).toBeGreaterThan(0);
  }, 60_000);

  it('8. one malformed registry document does not fail a push batch; SecuredByPerimeter is inconclusive', async () => {
    const h = await harness(demoEstate(NOW));
    const { dev, shadow, prod } = DEMO_REGISTRIES;
    await runNightly(h, 'pre');
    const devNetwork = findingId('registry.public-network-restricted', dev.id, dev.id);
    const prodNetwork = findingId('registry.public-network-restricted', prod.id, prod.id);
    expect(await byId(h, devNetwork)).toMatchObject({ status: 'open' });
    expect(await byId(h, prodNetwork)).toBeUndefined();

    // A newer API value on the 2nd event's registry (and on contosoprod); a document the mapper refuses on the 3rd's.
    registryRowOf(h, dev.id).properties.publicNetworkAccess = 'SecuredByPerimeter';
    registryRowOf(h, prod.id).properties.publicNetworkAccess = 'SecuredByPerimeter';
    registryRowOf(h, shadow.id).properties.adminUserEnabled = 'maybe';
    const batch = (demoPushEvents(NOW) as Estate[]).map((e, i) => ({ ...structuredClone(e), id: `8a7c0000-0000-4000-8000-00000000000${i}` }));
    await expect(makeQueueHandler(() => h.host)(batch, ctx())).resolves.toBeUndefined();

    const rows = await storedFindings(h);
    const images = demoImages(NOW);
    // Events 1 and 2 were audited.
    expect(rows.find((f) => f.id === findingId('image.provenance-labeled', dev.id, imageSubject(dev.loginServer, images.unlabeled.repository, images.unlabeled.digest))))
      .toMatchObject({ status: 'open', lastAuditId: `evt-${batch[1]!.id}` });
    expect(rows.find((f) => f.id === findingId('registry.admin-user-unused', DEMO_REGISTRIES.platform.id, DEMO_REGISTRIES.platform.id))).toMatchObject({ lastAuditId: `evt-${batch[0]!.id}` });
    // Event 3 is a coverage gap naming the event and the field.
    const gap = rows.find((f) => f.ruleId === COVERAGE && f.subject.startsWith(`${EVENT_SUBJECT_PREFIX}${batch[2]!.id}`));
    expect(gap, rows.filter((f) => f.ruleId === COVERAGE).map((f) => f.subject).join('\n')).toMatchObject({ status: 'open', scopeId: shadow.id.toLowerCase() });
    expect(gap!.message).toMatch(/adminUserEnabled/);
    const logged = h.logs.find((l) => l.level === 'error' && l.fields?.eventId === batch[2]!.id)!;
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).not.toMatch(/\n\s+at /);
    expect(rows.some((f) => f.lastAuditId === `evt-${batch[2]!.id}` && f.ruleId !== COVERAGE)).toBe(false);

    // The nightly run reads SecuredByPerimeter: inconclusive. contosodev's open finding stays as it was; contosoprod gets none.
    const devBefore = (await byId(h, devNetwork))!;
    await runNightly(h, 'post');
    const devAfter = (await byId(h, devNetwork))!;
    expect(devAfter).toMatchObject({ status: 'open', lastAuditId: devBefore.lastAuditId, observedAt: devBefore.observedAt });
    expect(await byId(h, prodNetwork)).toBeUndefined();
    // ... and the malformed registry is a planning gap of the run, never "compliant".
    expect((await h.host.services.runs.getRun('post'))!.planningGaps.some((g) => g.scope.toLowerCase() === shadow.id.toLowerCase() && /adminUserEnabled/.test(g.reason))).toBe(true);
  }, 60_000);

  it('9. many gaps: 150 forbidden repositories are all reported, none lost', async () => {
    const estate = demoEstate(NOW) as Estate;
    const edge = DEMO_REGISTRIES.edge;
    const names = Array.from({ length: 150 }, (_, i) => `bulk/repo-${String(i).padStart(3, '0')}`);
    estate.registryContent[edge.loginServer].repositories = Object.fromEntries(
      names.map((n) => [n, { manifests: [plainManifest(NOW, { seed: `${edge.loginServer}/${n}`, tags: ['1.0'], ageDays: 3, sizeMb: 10 })] }]),
    );
    estate.emulator = { forbidden: names.map((n) => `${edge.loginServer}/${n}`) };
    const h = await harness(estate);
    const r = await runNightly(h, 'many');
    expect(r.run.status).toBe('partial');
    const shard = (await h.host.services.runs.listShards('many')).find((s) => s.key === edge.id.toLowerCase())!;
    expect(shard.status).toBe('done');
    expect(shard.gapsOmitted ?? 0).toBe(0);
    const gapScopes = new Set(shard.gaps.map((g) => g.scope));
    for (const n of names) expect(gapScopes.has(`${edge.loginServer}/${n}`), n).toBe(true);
    expect(shard.gaps.every((g) => g.status === 401 || g.status === 403)).toBe(true);
    const coverage = (await storedFindings(h)).filter((f) => f.ruleId === COVERAGE && f.scopeId === edge.id.toLowerCase() && f.status === 'open');
    expect(new Set(coverage.map((f) => f.subject))).toEqual(new Set(names.map((n) => `${edge.loginServer}/${n}`)));
  }, 60_000);

});

/** Mentions of one finding as new ("New") in a notification payload: detailed items, digest lines, held items. */
function newMentions(payload: unknown, f: { ruleId: string; id: string; resourceName: string }): number {
  let n = 0;
  // Card text is in TextRuns (raw, not markdown): the text of a block is its runs joined.
  const runs = (x: any): string => (x?.type === 'RichTextBlock' ? (x.inlines ?? []).map((r: any) => r.text).join('') : '');
  const facts = (x: any): Record<string, string> => Object.fromEntries((x?.items ?? []).filter((c: any) => c.type === 'ColumnSet')
    .map((c: any) => [runs(c.columns[0].items[0]), runs(c.columns[1].items[0])]));
  // A push card on one resource says where once, in a container of fact rows only, before the findings.
  let cardResource: string | undefined;
  const findPlace = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(findPlace);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (o.type === 'Container' && Array.isArray(o.items) && o.items.length && o.items.every((x: any) => x.type === 'ColumnSet')) cardResource ??= facts(o).Resource;
    for (const x of Object.values(o)) findPlace(x);
  };
  findPlace(payload);
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (o.type === 'Container' && Array.isArray(o.items)) {
      // A detailed item: its heading says "New"; its facts name the rule and the resource.
      const factSet = o.items.find((x: any) => x.type === 'Container' && x.items?.some((c: any) => c.type === 'ColumnSet'));
      if (runs(o.items[0]).endsWith(' · New') && factSet) {
        const fs = facts(factSet);
        if (fs.Rule === f.ruleId && (fs.Resource ?? cardResource) === f.resourceName) n++;
        return;
      }
      // A digest group: its second line is the rule id; one line per finding ("HIGH New · <resource> ...").
      if (runs(o.items[1]) === f.ruleId) {
        for (const x of o.items) if (runs(x).includes(` New · ${f.resourceName}`)) n++;
        return;
      }
    }
    if (typeof o.findingId === 'string' && o.findingId === f.id && o.change === 'opened') n++;
    for (const x of Object.values(o)) walk(x);
  };
  walk(payload);
  return n;
}
