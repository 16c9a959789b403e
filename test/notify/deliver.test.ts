import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { TableOutbox, type OutboxRecord } from '../../shared/notify/outbox.js';
import { deliverPending } from '../../shared/notify/deliver.js';
import { TeamsNotifier } from '../../shared/notify/teams.js';
import { startLocalTeamsReceiver, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import { DEFAULT_POLICY, planNotifications, type NotifyPolicy } from '../../shared/notify/plan.js';
import { aChange, manyOpened, NOW, validateCard } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

const policy: NotifyPolicy = { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { teams: true } }] };
const ctx = (runId: string) => ({ origin: { kind: 'nightly' as const, runId }, now: NOW, portalUrl: 'https://portal.azure.com' });
const at = (ms: number) => new Date(NOW.getTime() + ms);

async function all(it: AsyncIterable<OutboxRecord>): Promise<OutboxRecord[]> {
  const out: OutboxRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('outbox + Teams delivery (Azurite, loopback webhook)', () => {
  let azurite: RunningAzurite;
  let receiver: LocalTeamsReceiver;
  let outbox: TableOutbox;
  let logs: string[];
  let n = 0;
  const teams = () => new TeamsNotifier({ webhooks: { default: receiver.url }, requestTimeoutInMs: 500, minIntervalInMs: 0 });
  const deliver = (now: Date, maxAttempts = 4) =>
    deliverPending({ outbox, channels: CHANNELS, notifiers: { teams: teams() }, log: (l) => logs.push(l) }, { now, clock: () => now, maxAttempts, baseBackoffInMs: 1_000 });

  beforeAll(async () => {
    azurite = await startAzurite();
    receiver = await startLocalTeamsReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await azurite?.close();
  });
  beforeEach(() => {
    // A fresh table per test keeps the cases independent.
    outbox = TableOutbox.fromConnectionString(azurite.connectionString, { tableName: `notify${++n}` });
    receiver.respondWith(undefined);
    logs = [];
  });

  it('enqueue twice -> one row, delivered once; re-running deliver sends nothing new', async () => {
    const planned = planNotifications(manyOpened(40), ctx('run-a'), policy);
    expect(await outbox.enqueue(planned)).toEqual({ inserted: [planned[0]!.id], existing: [] });
    expect(await outbox.enqueue(planNotifications(manyOpened(40), ctx('run-a'), policy))).toEqual({ inserted: [], existing: [planned[0]!.id] });
    expect(await all(outbox.listNotifications())).toHaveLength(1);
    const before = receiver.delivered.length;
    expect(await deliver(NOW)).toMatchObject({ due: 1, sent: 1 });
    expect(await deliver(at(60_000))).toMatchObject({ due: 0, sent: 0 });
    await outbox.enqueue(planned);
    expect(await deliver(at(120_000))).toMatchObject({ due: 0, sent: 0 });
    expect(receiver.delivered.length - before).toBe(1);
    const [row] = await all(outbox.listNotifications({ status: 'sent' }));
    expect(row).toMatchObject({ status: 'sent', attempts: 1, sentAt: NOW.toISOString() });
    expect(validateCard(receiver.delivered.at(-1)!.card)).toEqual([]);
    const secret = new URL(receiver.url).searchParams.get('sig')!;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('429 with Retry-After then 200 -> delivered on the retry with attempts=2', async () => {
    const start = receiver.requests;
    receiver.respondWith((i) => (i === start + 1 ? { status: 429, headers: { 'retry-after': '120' } } : undefined));
    await outbox.enqueue(planNotifications([aChange('opened')], ctx('run-429'), policy));
    expect(await deliver(NOW)).toMatchObject({ retried: 1 });
    const [pending] = await all(outbox.listNotifications({ status: 'pending' }));
    expect(pending!.nextAttemptAt).toBe(at(120_000).toISOString());
    expect(pending!.lastError).toMatch(/^teams webhook 127\.0\.0\.1:\d+: HTTP 429/);
    expect(await deliver(at(60_000))).toMatchObject({ due: 0 });
    expect(await deliver(at(120_000))).toMatchObject({ sent: 1 });
    const [sent] = await all(outbox.listNotifications({ status: 'sent' }));
    expect(sent!.attempts).toBe(2);
  });

  it('500 forever -> failed with the last error after maxAttempts, and no more attempts', async () => {
    receiver.respondWith(() => ({ status: 500, body: `oops ${receiver.url}` }));
    await outbox.enqueue(planNotifications([aChange('opened')], ctx('run-500'), policy));
    const start = receiver.requests;
    let t = NOW.getTime();
    for (let i = 0; i < 3; i++) {
      await deliver(new Date(t), 3);
      t += 3_600_000;
    }
    expect(await deliver(new Date(t), 3)).toMatchObject({ due: 0 });
    expect(receiver.requests - start).toBe(3);
    const [failed] = await all(outbox.listNotifications({ status: 'failed' }));
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed!.lastError).toMatch(/HTTP 500 oops <url>/);
    expect(failed!.lastError).not.toContain(new URL(receiver.url).searchParams.get('sig')!);
  });

  it('a 4xx (bad webhook) gives up after 3 attempts even with a higher maxAttempts', async () => {
    receiver.respondWith(() => ({ status: 404 }));
    await outbox.enqueue(planNotifications([aChange('opened')], ctx('run-404'), policy));
    let t = NOW.getTime();
    for (let i = 0; i < 5; i++) {
      await deliver(new Date(t), 8);
      t += 3_600_000;
    }
    const [failed] = await all(outbox.listNotifications({ status: 'failed' }));
    expect(failed).toMatchObject({ attempts: 3 });
  });

  it('a timeout is retried and then delivered', async () => {
    const start = receiver.requests;
    receiver.respondWith((i) => (i === start + 1 ? { status: 202, delayInMs: 2_000 } : undefined));
    await outbox.enqueue(planNotifications([aChange('opened')], ctx('run-timeout'), policy));
    expect(await deliver(NOW)).toMatchObject({ retried: 1 });
    const [pending] = await all(outbox.listNotifications({ status: 'pending' }));
    expect(pending!.lastError).toMatch(/timed out after 500 ms/);
    expect(await deliver(at(3_600_000))).toMatchObject({ sent: 1 });
  });

  it('two concurrent deliverers send each notification once', async () => {
    const before = receiver.delivered.length;
    const ns = [1, 2, 3].flatMap((i) => planNotifications([aChange('opened')], ctx(`run-conc-${i}`), policy));
    await outbox.enqueue(ns);
    const [a, b] = await Promise.all([deliver(NOW), deliver(NOW)]);
    expect(a!.sent + b!.sent).toBe(3);
    expect(receiver.delivered.length - before).toBe(3);
  });

  it('held push-time items become one daily digest after the day ends', async () => {
    const before = receiver.delivered.length;
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await outbox.enqueue(planNotifications([aChange('opened', { id: id.repeat(32), severity: 'medium' })],
        { origin: { kind: 'event', eventId: `e${i}` }, now: NOW, portalUrl: 'https://portal.azure.com' }, policy));
    }
    expect(await deliver(at(60_000))).toMatchObject({ composed: 0, due: 0 });
    const next = new Date('2025-03-05T00:05:00Z');
    expect(await deliver(next)).toMatchObject({ composed: 1, sent: 1 });
    expect(await deliver(new Date('2025-03-05T00:10:00Z'))).toMatchObject({ composed: 0, sent: 0 });
    expect(receiver.delivered.length - before).toBe(1);
    expect(JSON.stringify(receiver.delivered.at(-1)!.card)).toContain('3 new');
    expect(await all(outbox.listNotifications({ status: 'merged' }))).toHaveLength(3);
  });

  it('stores payloads above the 64 KiB property limit in chunks', async () => {
    const big = planNotifications(manyOpened(120), ctx('run-big'), { ...policy, feeds: { eventgrid: true } })
      .filter((x) => x.channel === 'eventgrid');
    expect(JSON.stringify(big[0]!.payload).length).toBeGreaterThan(32_768);
    await outbox.enqueue(big);
    const got = await outbox.get(big[0]!.id);
    expect(got!.payload).toEqual(big[0]!.payload);
    const raw = TableClient.fromConnectionString(azurite.connectionString, `notify${n}`, { allowInsecureConnection: true });
    const e = await raw.getEntity(big[0]!.partition, big[0]!.id);
    expect(Number(e.payloadChunks)).toBeGreaterThan(1);
  });
});
