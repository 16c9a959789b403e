import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import { makeQueueHandler } from '../../functions/onImagePushed.js';
import { makeDeliverHandler } from '../../functions/deliverNotifications.js';
import { startLocalTeamsReceiver, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const ctx = (name: string) => new InvocationContext({ invocationId: 'inv', functionName: name, logHandler: () => undefined, triggerMetadata: { dequeueCount: 1 } });

describe('alerts wired through the audits (outbox on Azurite, a real local Teams receiver)', () => {
  let h: Harness;
  let teams: LocalTeamsReceiver;
  beforeAll(async () => {
    teams = await startLocalTeamsReceiver();
    h = await startHarness({
      estate: demoEstate(NOW),
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_TEAMS_WEBHOOK_URL: teams.url, AUDITOR_IMMEDIATE_MIN_SEVERITY: 'high' },
    });
  });
  afterAll(async () => {
    await h.close();
    await teams.close();
  });

  const nightly = (runId: string) =>
    runNightlyLocally(h.host.services.deps, { queue: h.host.services.shardQueue, poison: h.host.services.shardPoisonQueue }, { runId, workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });

  it('a nightly run sends one digest card (and one immediate card for newly vulnerable running workloads); re-running the audit and the delivery sends nothing more', async () => {
    await nightly('n-1');
    const deliver = makeDeliverHandler(() => h.host);
    await deliver(undefined, ctx('deliverNotifications'));
    // The demo runs a vulnerable image in two workloads: the digest, plus the immediate vulnerable-workloads card.
    expect(teams.delivered).toHaveLength(2);
    const cards = teams.delivered.map((d) => JSON.stringify(d.card));
    for (const card of cards) expect(card).toContain('AdaptiveCard');
    expect(cards.filter((c) => /newly vulnerable running workloads/i.test(c))).toHaveLength(1);
    await nightly('n-2');
    await deliver(undefined, ctx('deliverNotifications'));
    await deliver(undefined, ctx('retryNotifications'));
    expect(teams.delivered).toHaveLength(2);
  });

  it('a push by the admin account into a registry with admin enabled alerts at once only when it opens something high', async () => {
    const before = teams.delivered.length;
    const [adminPush] = demoPushEvents(NOW) as Array<Record<string, unknown>>;
    // Already open from the nightly run (admin logins): re-confirmed, no second alert.
    await makeQueueHandler(() => h.host)(adminPush, ctx('onImagePushedQueue'));
    await makeDeliverHandler(() => h.host)(undefined, ctx('deliverNotifications'));
    expect(teams.delivered.length).toBe(before);
  });

  it('a push that opens a high finding (admin account used on contosodev) alerts at once, once', async () => {
    const before = teams.delivered.length;
    const push = structuredClone((demoPushEvents(NOW) as Array<{ id: string; data: { actor: { name: string } } }>)[1]!);
    push.id = '9e1f0c3a-0000-4000-8000-0000000000aa';
    push.data.actor.name = 'contosodev';
    const handler = makeQueueHandler(() => h.host);
    await handler(push, ctx('onImagePushedQueue'));
    await handler(push, ctx('onImagePushedQueue')); // redelivered
    await makeDeliverHandler(() => h.host)(undefined, ctx('deliverNotifications'));
    expect(teams.delivered.length).toBe(before + 1);
    expect(JSON.stringify(teams.delivered.at(-1)!.card)).toContain('Registry admin account is not used');
  });
});
