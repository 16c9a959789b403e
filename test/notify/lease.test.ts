import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { TableOutbox, type OutboxRecord } from '../../shared/notify/outbox.js';
import { deliverPending, leaseInMsFor, minimumLeaseInMs, type DeliverSummary, type Notifier, type SendOptions } from '../../shared/notify/deliver.js';
import { TeamsNotifier } from '../../shared/notify/teams.js';
import { startLocalTeamsReceiver, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import { DEFAULT_POLICY, planNotifications, type NotifyPolicy } from '../../shared/notify/plan.js';
import { aChange, NOW } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

const policy: NotifyPolicy = { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { teams: true } }] };
const ctx = (runId: string) => ({ origin: { kind: 'nightly' as const, runId }, now: NOW, portalUrl: 'https://portal.azure.com' });
const POST_IN_MS = 9_000;

/** A virtual clock the test moves; the receiver holds each post until the test releases it. */
function slowWebhook(receiver: LocalTeamsReceiver) {
  const state = { elapsed: 0, held: [] as Array<() => void>, wake: undefined as (() => void) | undefined };
  receiver.respondWith(() => {
    state.elapsed += POST_IN_MS; // each post "takes" 9 s of the virtual clock
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    state.held.push(release);
    state.wake?.();
    return { status: 202, release: gate };
  });
  const waitForHeld = async (n: number): Promise<void> => {
    for (let guard = 0; guard < 1_000 && state.held.length < n; guard++) await new Promise<void>((r) => (state.wake = r));
  };
  return { state, clock: () => new Date(NOW.getTime() + state.elapsed), waitForHeld };
}

describe('delivery leases (Azurite, a slow loopback webhook)', () => {
  let azurite: RunningAzurite;
  let receiver: LocalTeamsReceiver;
  let outbox: TableOutbox;
  let n = 0;
  const teams = () => new TeamsNotifier({ webhooks: { default: receiver.url }, requestTimeoutInMs: 30_000, minIntervalInMs: 0 });

  beforeAll(async () => {
    azurite = await startAzurite();
    receiver = await startLocalTeamsReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await azurite?.close();
  });
  beforeEach(() => {
    outbox = TableOutbox.fromConnectionString(azurite.connectionString, { tableName: `lease${++n}` });
    receiver.respondWith(undefined);
  });

  it('40 notifications, a 9 s webhook, a second pass 5+ minutes later: exactly one post per notification', async () => {
    const planned = Array.from({ length: 40 }, (_, i) =>
      planNotifications([aChange('opened', { id: `f${String(i).padStart(31, '0')}`, message: `finding number ${i} now` })], ctx(`run-slow-${i}`), policy)).flat();
    expect(planned).toHaveLength(40);
    await outbox.enqueue(planned);
    const before = receiver.delivered.length;
    const { state, clock, waitForHeld } = slowWebhook(receiver);
    const pass = (now: Date) => deliverPending({ outbox, channels: CHANNELS, notifiers: { teams: teams() } }, { now, clock, maxAttempts: 4 });

    const a = pass(clock());
    let b: Promise<DeliverSummary> | undefined;
    let finished = false;
    const bothDone = a.then(async () => {
      await b;
      finished = true;
      state.wake?.();
    });
    for (let guard = 0; guard < 200 && !finished; guard++) {
      await Promise.race([waitForHeld(1), bothDone]);
      if (!b && state.elapsed >= 5 * 60_000) {
        // The first pass is posting (its post is held); a second pass starts 5+ minutes after the first.
        b = pass(clock());
        await Promise.race([waitForHeld(2), bothDone]);
      }
      while (state.held.length) state.held.shift()!();
    }
    await bothDone;
    const [ra, rb] = [await a, await b!];
    const cards = receiver.delivered.slice(before).map((c) => JSON.stringify(c.card));
    for (let i = 0; i < 40; i++) expect(cards.filter((c) => c.includes(`finding number ${i} now`)), `notification ${i}`).toHaveLength(1);
    expect(cards).toHaveLength(40);
    expect(ra.sent + rb.sent).toBe(40);
    const sent: OutboxRecord[] = [];
    for await (const r of outbox.listNotifications({ status: 'sent' })) sent.push(r);
    expect(sent).toHaveLength(40);
  });

  it('a row whose lease expired while its sender waited (pacing) and that another sender took is not posted again', async () => {
    const [planned] = planNotifications([aChange('opened', { message: 'paced finding' })], ctx('run-paced'), policy);
    await outbox.enqueue([planned!]);
    const before = receiver.delivered.length;
    let elapsed = 0;
    const clock = () => new Date(NOW.getTime() + elapsed);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inSend = new Promise<void>((r) => (entered = r));
    const inner = teams();
    // The real Teams notifier behind a pacing wait the test controls.
    const paced: Notifier = {
      channel: 'teams',
      postTimeoutInMs: inner.postTimeoutInMs,
      async send(rec: OutboxRecord, o?: SendOptions) {
        entered();
        await gate;
        return inner.send(rec, o);
      },
    };
    const a = deliverPending({ outbox, channels: CHANNELS, notifiers: { teams: paced } }, { now: clock(), clock, maxAttempts: 4 });
    await inSend;
    elapsed = 60 * 60_000; // the first sender's lease is long gone
    const b = await deliverPending({ outbox, channels: CHANNELS, notifiers: { teams: teams() } }, { now: clock(), clock, maxAttempts: 4 });
    expect(b).toMatchObject({ due: 1, sent: 1 });
    release();
    expect(await a).toMatchObject({ sent: 0, skipped: 1 });
    expect(receiver.delivered.length - before).toBe(1);
    expect(await outbox.get(planned!.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('the lease exceeds the post timeout with margin, in code', async () => {
    expect(leaseInMsFor({ postTimeoutInMs: 10_000 })).toBe(5 * 60_000);
    expect(leaseInMsFor({ postTimeoutInMs: 300_000 })).toBe(minimumLeaseInMs(300_000));
    expect(minimumLeaseInMs(300_000)).toBeGreaterThan(2 * 300_000);
    expect(() => leaseInMsFor({ postTimeoutInMs: 30_000 }, 40_000)).toThrow(RangeError);
    await expect(deliverPending({ outbox, channels: CHANNELS, notifiers: { teams: teams() } }, { now: NOW, maxAttempts: 3, leaseInMs: 31_000 })).rejects.toThrow(/leaseInMs/);
  });
});
