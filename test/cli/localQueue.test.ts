/**
 * The local nightly runner (CLI and benchmarks) behaves like the Functions host's queue listener: a shard
 * that runs longer than its message's visibility timeout keeps its message (renewed at half the timeout),
 * so no other worker takes it over and the run ends once, complete. Before this, a shard that outlived
 * the timeout was processed twice and the first worker's delete failed with 400 PopReceiptMismatch,
 * which ended the whole run ("Unexpected status code: 400" in the large benchmark).
 * Real parts: the loopback emulator (with registry latency, so shards are slow) and Azurite's queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

describe('local nightly runner', () => {
  it('keeps a slow shard\'s message invisible for as long as the shard runs: each shard is processed once and the run completes', async () => {
    const estate = { ...demoEstate(NOW), emulator: { latencyMs: { registry: 400 } } };
    const h = await startHarness({ estate, settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') }, now: NOW });
    harnesses.push(h);
    const s = h.host.services;
    // Count the renewals (the real client still does every call).
    let renewals = 0;
    const update = s.shardQueue.updateMessage.bind(s.shardQueue);
    s.shardQueue.updateMessage = ((...args: Parameters<typeof update>) => {
      if (args[3] === 1) renewals++;
      return update(...args);
    }) as typeof update;
    const result = await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, {
      runId: 'slow-shards',
      workers: 3,
      maxDequeueCount: 3,
      retryAfterSeconds: 1,
      visibilityTimeoutSeconds: 1,
      timeoutInMs: 120_000,
    });
    // The premise: shards outlived the 1 s visibility timeout and were renewed (else the test proves nothing).
    expect(renewals).toBeGreaterThan(0);
    expect(result.poisoned).toBe(0);
    expect(result.run.status).toBe('complete');
    // No message was taken over: no shard ran twice, no delete was refused.
    expect(h.logs.filter((l) => /duplicate message|taken over/.test(l.message))).toEqual([]);
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
    // Nothing is left on the queue.
    const left = await s.shardQueue.peekMessages({ numberOfMessages: 32 });
    expect(left.peekedMessageItems).toEqual([]);
  }, 180_000);
});
