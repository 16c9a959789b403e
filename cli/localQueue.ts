/**
 * Runs a nightly audit locally through the same queue code as Azure: the planner enqueues shards on
 * the Storage queue (Azurite), and a pool of workers receives them, calls the same `processShard` as
 * the queue-triggered Function, deletes on success, lets failures reappear after a short visibility
 * timeout, and moves a message that failed `maxDequeueCount` times to `<queue>-poison`, as the
 * Functions host does.
 *
 * Like the host's queue listener (azure-webjobs-sdk QueueListener: "update a message's visibility when it
 * is halfway to expiring", UpdateQueueMessageVisibilityCommand), a message being processed stays
 * invisible for as long as its shard runs, however long that is; and a message another worker took over
 * (the queue answers 400 PopReceiptMismatch or 404 MessageNotFound) is left to that worker, never a
 * failed run. Each worker holds one message at a time, so none waits unrenewed behind another's shard.
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
  /** Visibility timeout of a received message, renewed at half of it while its shard runs (default 300). */
  visibilityTimeoutSeconds?: number;
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
      let got;
      try {
        got = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS });
      } catch (e) {
        // The SDK already retried; a queue that keeps failing is waited out, not a crashed run.
        deps.log.warn('could not receive shard messages; trying again', { reason: e instanceof Error ? e.message : String(e) });
        await sleep(1000);
        continue;
      }
      const m = got.receivedMessageItems[0];
      if (!m) {
        if (await finished()) return;
        await sleep(100);
        continue;
      }
      const held = { popReceipt: m.popReceipt, lost: false };
      const settle = async (what: string, action: (popReceipt: string) => Promise<unknown>) => {
        if (held.lost) return;
        try {
          await action(held.popReceipt);
        } catch (e) {
          if (!takenOver(e)) throw e;
          held.lost = true;
          deps.log.warn(`shard message taken over by another worker: not ${what}`, { messageId: m.messageId });
        }
      };
      let message;
      try {
        message = parseShardMessage(decodeQueueMessage(m.messageText));
      } catch (e) {
        deps.log.error('malformed shard message moved to the poison queue', { reason: e instanceof Error ? e.message : String(e) });
        await moveToPoison(m.messageText);
        await settle('deleted', (r) => queue.deleteMessage(m.messageId, r));
        poisoned++;
        continue;
      }
      const renewal = keepInvisible(queue, m.messageId, held, options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS, deps);
      try {
        const r = await processShard(deps, message, { dequeueCount: m.dequeueCount, maxDequeueCount: options.maxDequeueCount });
        await renewal.stop();
        await settle('deleted', (pop) => queue.deleteMessage(m.messageId, pop));
        if (r.status === 'done') options.onProgress?.(++done, plan.shards);
      } catch (e) {
        await renewal.stop();
        const reason = e instanceof Error ? e.message : String(e);
        if (e instanceof MessageError || m.dequeueCount >= options.maxDequeueCount) {
          await moveToPoison(m.messageText);
          await settle('deleted', (pop) => queue.deleteMessage(m.messageId, pop));
          poisoned++;
          options.onProgress?.(++done, plan.shards);
          deps.log.error('shard moved to the poison queue', { attempts: m.dequeueCount, reason });
        } else {
          deps.log.warn('shard failed; it will be retried', { attempt: m.dequeueCount, reason });
          await settle('released', (pop) => queue.updateMessage(m.messageId, pop, undefined, options.retryAfterSeconds));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => worker()));
  const run = await deps.runs.getRun(options.runId);
  if (!run) throw new Error(`run ${options.runId} disappeared`);
  return { plan, run, poisoned };
}


const DEFAULT_VISIBILITY_SECONDS = 300;

/** The queue's answer when a message's pop receipt is no longer valid: another receiver took it over, or it is gone. */
function takenOver(e: unknown): boolean {
  const err = e as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  const code = err.code ?? err.details?.errorCode;
  return (err.statusCode === 400 && code === 'PopReceiptMismatch') || (err.statusCode === 404 && (code === 'MessageNotFound' || code === undefined));
}

/**
 * Renews a message's visibility at half its timeout until stopped, keeping the newest pop receipt in
 * `held` (each update returns a new one). A renewal the queue refuses because the message was taken
 * over marks it lost; other failures are logged and tried again at the next tick.
 */
function keepInvisible(queue: QueueClient, messageId: string, held: { popReceipt: string; lost: boolean }, visibilitySeconds: number, deps: Pick<NightlyDeps, 'log'>) {
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (held.lost) return;
    inFlight = queue.updateMessage(messageId, held.popReceipt, undefined, visibilitySeconds).then(
      (r) => {
        if (r.popReceipt) held.popReceipt = r.popReceipt;
      },
      (e: unknown) => {
        if (takenOver(e)) held.lost = true;
        else deps.log.warn('could not renew a shard message\'s visibility', { messageId, reason: e instanceof Error ? e.message : String(e) });
      },
    );
  }, Math.max(250, (visibilitySeconds * 1000) / 2));
  timer.unref?.();
  return {
    stop() {
      clearInterval(timer);
      return inFlight;
    },
  };
}
