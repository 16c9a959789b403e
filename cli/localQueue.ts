/**
 * Runs a nightly audit locally through the same queue code as Azure: the planner enqueues shards on
 * the Storage queue (Azurite), and a pool of workers receives them, calls the same `processShard` as
 * the queue-triggered Function, deletes on success, lets failures reappear after a short visibility
 * timeout, and moves a message that failed `maxDequeueCount` times to `<queue>-poison`, as the
 * Functions host does.
 */
import type { QueueClient } from '@azure/storage-queue';
import { decodeQueueMessage } from '../shared/services.js';
import { MessageError, parseShardMessage, processShard, startNightlyRun, type NightlyDeps, type PlanResult } from '../shared/usecases/nightly.js';
import { sleep } from '../shared/util/concurrency.js';
import type { RunRecord } from '../shared/runs/tableRunStore.js';

export interface LocalRunOptions {
  runId: string;
  workers: number;
  maxDequeueCount: number;
  /** Seconds a failed message stays invisible before its next attempt. */
  retryAfterSeconds: number;
  /** Give up waiting after this long (the run is then reported as it stands). */
  timeoutInMs: number;
  onProgress?: (done: number, total: number) => void;
}

export interface LocalRunResult {
  plan: PlanResult;
  run: RunRecord;
  poisoned: number;
}

export async function runNightlyLocally(deps: NightlyDeps, queues: { queue: QueueClient; poison: QueueClient }, options: LocalRunOptions): Promise<LocalRunResult> {
  const { queue, poison } = queues;
  await Promise.all([queue.createIfNotExists(), poison.createIfNotExists()]);
  const moveToPoison = (text: string) => poison.sendMessage(text);
  const plan = await startNightlyRun(deps, options.runId);
  let done = 0;
  let poisoned = 0;
  const deadline = Date.now() + options.timeoutInMs;
  const finished = async () => (await deps.runs.getRun(options.runId))?.status !== 'running';

  const worker = async () => {
    while (Date.now() < deadline) {
      const got = await queue.receiveMessages({ numberOfMessages: 4, visibilityTimeout: 300 });
      if (got.receivedMessageItems.length === 0) {
        if (await finished()) return;
        await sleep(100);
        continue;
      }
      for (const m of got.receivedMessageItems) {
        let message;
        try {
          message = parseShardMessage(decodeQueueMessage(m.messageText));
        } catch (e) {
          deps.log.error('malformed shard message moved to the poison queue', { reason: e instanceof Error ? e.message : String(e) });
          await moveToPoison(m.messageText);
          await queue.deleteMessage(m.messageId, m.popReceipt);
          poisoned++;
          continue;
        }
        try {
          const r = await processShard(deps, message, { dequeueCount: m.dequeueCount, maxDequeueCount: options.maxDequeueCount });
          await queue.deleteMessage(m.messageId, m.popReceipt);
          if (r.status === 'done') options.onProgress?.(++done, plan.shards);
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e);
          if (e instanceof MessageError || m.dequeueCount >= options.maxDequeueCount) {
            await moveToPoison(m.messageText);
            await queue.deleteMessage(m.messageId, m.popReceipt);
            poisoned++;
            options.onProgress?.(++done, plan.shards);
            deps.log.error('shard moved to the poison queue', { attempts: m.dequeueCount, reason });
          } else {
            deps.log.warn('shard failed; it will be retried', { attempt: m.dequeueCount, reason });
            await queue.updateMessage(m.messageId, m.popReceipt, undefined, options.retryAfterSeconds);
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => worker()));
  const run = await deps.runs.getRun(options.runId);
  if (!run) throw new Error(`run ${options.runId} disappeared`);
  return { plan, run, poisoned };
}

