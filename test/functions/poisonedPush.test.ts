/**
 * Issue 9, case 5: a push during an outage is never lost. The registry's data plane answers 503 on
 * every call: each delivery of the queue message fails (the Functions host retries it 5 times, then
 * moves it to image-pushed-poison). On the last attempt the event becomes a coverage finding naming
 * it; after the outage the nightly timer re-drives the poison queue: the provenance finding opens, the
 * coverage finding resolves, and the poison queue is empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES, demoEstate, demoImages } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { makeQueueHandler } from '../../functions/onImagePushed.js';
import { handleNightlyTimer } from '../../shared/host.js';
import { encodeQueueMessage } from '../../shared/services.js';
import { MAX_DEQUEUE_COUNT, poisonQueue, QUEUES } from '../../shared/names.js';
import { queueClient } from '../../shared/storage/clients.js';
import { imageSubject } from '../../shared/rules/subjects.js';
import { startHarness, storedFindings, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');

describe('a push during a registry outage (issue 9, case 5)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      estate: demoEstate(NOW),
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') },
    });
  });
  afterAll(async () => h.close());

  it('becomes a coverage finding naming the event on its last attempt, and is re-audited by the next nightly run', async () => {
    const events = demoPushEvents(NOW) as Array<Record<string, unknown>>;
    const unlabeled = events[1]!;
    const reg = DEMO_REGISTRIES.dev;
    const images = demoImages(NOW);
    const subject = imageSubject(reg.loginServer, images.unlabeled.repository, images.unlabeled.digest);
    // The outage: every data-plane call answers 503, past the SDK's retries.
    h.emulator.estate.emulator = { ...(h.emulator.estate.emulator ?? {}), faults: [{ service: 'registry', status: 503, firstPerRequest: 10 }] } as never;
    const handler = makeQueueHandler(() => h.host);
    for (let attempt = 1; attempt <= MAX_DEQUEUE_COUNT; attempt++) {
      const ctx = new InvocationContext({ invocationId: `try-${attempt}`, functionName: 'onImagePushedQueue', logHandler: () => undefined, triggerMetadata: { dequeueCount: attempt } });
      await expect(handler(unlabeled, ctx)).rejects.toThrow(/could not be audited now/);
      const gaps = (await storedFindings(h)).filter((f) => f.ruleId === 'audit.scope-readable' && f.subject.includes(String(unlabeled.id)));
      // Only the last attempt records the event: earlier ones are retried by the queue.
      expect(gaps.length, `attempt ${attempt}`).toBe(attempt === MAX_DEQUEUE_COUNT ? 1 : 0);
    }
    expect(h.emulator.faultsInjected().registry).toBeGreaterThan(0);
    const gap = (await storedFindings(h)).find((f) => f.ruleId === 'audit.scope-readable' && f.subject.includes(String(unlabeled.id)))!;
    expect(gap).toMatchObject({ status: 'open', scopeId: reg.id.toLowerCase() });
    expect(gap.message).toMatch(/poison queue/);
    expect((await storedFindings(h)).some((f) => f.subject === subject && f.ruleId === 'image.provenance-labeled')).toBe(false);

    // The host moves the message to the poison queue (as the Functions host does after maxDequeueCount).
    const poison = queueClient(h.host.services.storage, poisonQueue(QUEUES.imagePushed), h.host.services.credential);
    await poison.createIfNotExists();
    await poison.sendMessage(encodeQueueMessage(unlabeled));

    // The outage ends; the next nightly run re-drives the poison queue.
    h.emulator.estate.emulator = { ...(h.emulator.estate.emulator ?? {}), faults: [] } as never;
    await handleNightlyTimer(h.host, 'run-after-outage');
    const after = await storedFindings(h);
    expect(after.find((f) => f.subject === subject && f.ruleId === 'image.provenance-labeled')).toMatchObject({ status: 'open' });
    expect(after.find((f) => f.id === gap.id)).toMatchObject({ status: 'resolved', resolution: 'passed' });
    const left = await poison.peekMessages({ numberOfMessages: 32 });
    expect(left.peekedMessageItems).toHaveLength(0);
  }, 60_000);
});
