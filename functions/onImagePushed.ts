/**
 * Push-time audit. Two triggers, one use case:
 *   - onImagePushedQueue (what infra deploys): Event Grid delivers ImagePushed / ImageDeleted to the
 *     `image-pushed` Storage queue (identity-based delivery, retries, dead-lettering); a message that
 *     keeps failing goes to `image-pushed-poison` after host.json's maxDequeueCount;
 *   - onImagePushedEventGrid: a direct Event Grid subscription (webhook to the Functions host).
 * Both accept the Event Grid schema and CloudEvents 1.0, one event or a batch.
 */
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { FUNCTIONS, MAX_DEQUEUE_COUNT, QUEUES } from '../shared/names.js';
import { handleRegistryEvents, hostServices, RejectedEventsError, type HostServices } from '../shared/host.js';

function summary(r: Awaited<ReturnType<typeof handleRegistryEvents>>) {
  return {
    audited: r.outcomes.filter((o) => o.status === 'audited').length,
    ignored: r.parsed.ignored.length + r.outcomes.filter((o) => o.status === 'ignored').length,
    rejected: r.parsed.rejected.length,
    opened: r.outcomes.reduce((n, o) => n + o.changes.filter((c) => c.kind === 'opened' || c.kind === 'reopened').length, 0),
  };
}

export function makeQueueHandler(getHost: () => HostServices = hostServices) {
  return async function onImagePushedQueue(message: unknown, context: InvocationContext): Promise<void> {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    // On the last attempt, events that still cannot be audited become coverage findings naming them
    // before the host moves the message to image-pushed-poison (re-driven by the nightly run).
    const r = await handleRegistryEvents(getHost(), message, { dequeueCount, maxDequeueCount: MAX_DEQUEUE_COUNT });
    for (const i of r.parsed.ignored) context.log(`event ${i.index} ignored: ${i.reason}`);
    for (const o of r.outcomes) if (o.status === 'ignored') context.log(`event ${o.eventId} ignored: ${o.reason}`);
    context.log('onImagePushedQueue', JSON.stringify({ ...summary(r), dequeueCount: context.triggerMetadata?.dequeueCount }));
    // The good events are audited; a message holding a rejected one is failed so that it reaches the poison queue.
    if (r.parsed.rejected.length) throw new RejectedEventsError(r.parsed.rejected);
  };
}

export function makeEventGridHandler(getHost: () => HostServices = hostServices) {
  return async function onImagePushedEventGrid(event: EventGridEvent, context: InvocationContext): Promise<void> {
    const r = await handleRegistryEvents(getHost(), event);
    for (const rej of r.parsed.rejected) context.error(`event rejected: ${rej.field}: ${rej.reason}`);
    context.log('onImagePushedEventGrid', JSON.stringify(summary(r)));
    // A malformed event cannot get better by retrying: it is reported and failed, so Event Grid dead-letters it.
    if (r.parsed.rejected.length) throw new RejectedEventsError(r.parsed.rejected);
  };
}

app.storageQueue(FUNCTIONS.onImagePushedQueue, { queueName: QUEUES.imagePushed, connection: 'AUDITOR_STORAGE', handler: makeQueueHandler() });
app.eventGrid(FUNCTIONS.onImagePushedEventGrid, { handler: makeEventGridHandler() });
