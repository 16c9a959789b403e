/**
 * Pushes that could not be audited are never lost. A delivery that keeps failing (the registry's data
 * plane in an outage) is moved by the Functions host to `image-pushed-poison` after its last attempt;
 * on that last attempt each of its events is recorded as a coverage finding naming the event (see
 * `recordUnauditedEvents`), and the nightly run (or `acr-auditor redrive`) re-audits every poisoned
 * delivery: an event audited then resolves its coverage finding and the message is deleted; one that
 * still fails stays in the poison queue for the next re-drive.
 */
export { recordUnauditedEvents } from './auditPushDelivery.js';
import type { EventOutcome } from './auditRegistryEvents.js';
import { auditPushDelivery, type PushDeliveryDeps } from './auditPushDelivery.js';

/** The poison queue, as much of it as the re-drive needs (a Storage queue in Azure and in the CLI). */
export interface PoisonQueue {
  receive(count: number, visibilityTimeoutInSeconds: number): Promise<Array<{ id: string; popReceipt: string; body: unknown; dequeueCount: number }>>;
  delete(id: string, popReceipt: string): Promise<void>;
}

export interface RedriveResult {
  /** Deliveries read from the poison queue. */
  read: number;
  /** Deliveries whose every event was audited now (deleted from the poison queue). */
  redriven: number;
  /** Deliveries that still fail (left in the poison queue). */
  stillFailing: number;
  outcomes: EventOutcome[];
}

/** Re-audits up to `max` poisoned deliveries. Never throws for one delivery: it stays for the next re-drive. */
export async function redrivePoisonedPushes(deps: PushDeliveryDeps, queue: PoisonQueue, options: { max?: number } = {}): Promise<RedriveResult> {
  const max = options.max ?? 500;
  const result: RedriveResult = { read: 0, redriven: 0, stillFailing: 0, outcomes: [] };
  while (result.read < max) {
    const batch = await queue.receive(Math.min(32, max - result.read), 300);
    if (!batch.length) break;
    for (const m of batch) {
      result.read++;
      try {
        const { outcomes } = await auditPushDelivery(deps, m.body);
        result.outcomes.push(...outcomes);
        await queue.delete(m.id, m.popReceipt);
        result.redriven++;
      } catch (e) {
        result.stillFailing++;
        deps.log.warn('a poisoned push still cannot be audited; it stays in the poison queue', { reason: (e instanceof Error ? e.message : String(e)).slice(0, 300) });
      }
    }
  }
  return result;
}
