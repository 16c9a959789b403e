/**
 * One delivery of registry events (a queue message or an Event Grid call): parse, audit each event,
 * publish the committed changes to the outbox. The Functions, the CLI's `event` command, the demo and
 * the poison re-drive all call this one use case. On the delivery's last attempt, events that still
 * cannot be audited become coverage findings naming them before the delivery goes to the poison queue,
 * where the nightly run re-drives it.
 */
import { parseEventBatch, type ParsedBatch, type RegistryEvent } from '../events/parse.js';
import { auditRegistryEvents, recordEventGap, TransientAuditError, type EventAuditDeps, type EventOutcome } from './auditRegistryEvents.js';
import type { NotificationSink } from './ports.js';

export interface PushDeliveryDeps extends EventAuditDeps {
  notify?: NotificationSink;
}

export interface PushDeliveryResult {
  parsed: ParsedBatch;
  outcomes: EventOutcome[];
}

/** A delivery that contained events that can never be processed (the message belongs in the poison queue). */
export class RejectedEventsError extends Error {
  constructor(readonly rejected: ParsedBatch['rejected']) {
    super(`rejected ${rejected.length} event(s): ${rejected.map((r) => `event ${r.index}${r.eventId ? ` (${r.eventId})` : ''}: ${r.field}: ${r.reason}`).join('; ')}`);
    this.name = 'RejectedEventsError';
  }
}

export async function auditPushDelivery(deps: PushDeliveryDeps, body: unknown, attempt?: { dequeueCount: number; maxDequeueCount: number }): Promise<PushDeliveryResult> {
  const parsed = parseEventBatch(body);
  return { parsed, outcomes: await auditAndPublishEvents(deps, parsed.events, attempt) };
}

/** The same for events already parsed (the CLI reads several files, then audits them as one delivery). */
export async function auditAndPublishEvents(deps: PushDeliveryDeps, events: readonly RegistryEvent[], attempt?: { dequeueCount: number; maxDequeueCount: number }): Promise<EventOutcome[]> {
  let outcomes: EventOutcome[];
  try {
    outcomes = await auditRegistryEvents(events, deps);
  } catch (e) {
    if (e instanceof TransientAuditError && attempt && attempt.dequeueCount >= attempt.maxDequeueCount) {
      await recordUnauditedEvents(deps, e.events, `${e.message} (after ${attempt.dequeueCount} attempts)`);
    }
    throw e;
  }
  if (deps.notify) {
    for (const o of outcomes) if (o.changes.length) await deps.notify.publish(o.changes, { kind: 'event', eventId: o.eventId });
  }
  return outcomes;
}

/** Records events of a delivery that is about to be poisoned as coverage findings naming each event. */
export async function recordUnauditedEvents(deps: EventAuditDeps, events: readonly RegistryEvent[], reason: string): Promise<number> {
  for (const [index, event] of events.entries()) {
    await recordEventGap(deps, event, index, new Error(`not audited after every attempt (moved to the poison queue; re-driven by the next nightly run or \`acr-auditor redrive\`): ${reason}`));
  }
  return events.length;
}
