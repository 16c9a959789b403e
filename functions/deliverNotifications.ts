/**
 * Sends what the outbox holds: woken by a queue message when audits enqueue notifications, and every
 * five minutes by a timer for retries (backoff, Retry-After) and the daily digest of held findings.
 */
import { app, type InvocationContext } from '@azure/functions';
import { FUNCTIONS, QUEUES } from '../shared/names.js';
import { handleNotificationDelivery, hostServices, type HostServices } from '../shared/host.js';

export function makeDeliverHandler(getHost: () => HostServices = hostServices) {
  return async function deliverNotifications(_trigger: unknown, context: InvocationContext): Promise<void> {
    const r = await handleNotificationDelivery(getHost());
    context.log(context.functionName, JSON.stringify(r ?? { skipped: 'no notification channel configured' }));
  };
}

app.storageQueue(FUNCTIONS.deliverNotifications, { queueName: QUEUES.notifications, connection: 'AUDITOR_STORAGE', handler: makeDeliverHandler() });
app.timer(FUNCTIONS.retryNotifications, { schedule: '0 */5 * * * *', handler: makeDeliverHandler() });
