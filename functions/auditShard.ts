/** One shard of a nightly run: a registry, or a subscription's workloads. */
import { app, type InvocationContext } from '@azure/functions';
import { FUNCTIONS, MAX_DEQUEUE_COUNT, QUEUES } from '../shared/names.js';
import { handleShardMessage, hostServices, type HostServices } from '../shared/host.js';

export { MAX_DEQUEUE_COUNT };

export function makeShardHandler(getHost: () => HostServices = hostServices) {
  return async function auditShard(message: unknown, context: InvocationContext): Promise<void> {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    const r = await handleShardMessage(getHost(), message, { dequeueCount, maxDequeueCount: MAX_DEQUEUE_COUNT });
    context.log('auditShard', JSON.stringify({ status: r.status, scope: r.outcome?.scopeId, gaps: r.outcome?.gaps.length ?? 0, changes: r.outcome?.changes.length ?? 0, runCompleted: r.runCompleted ?? false }));
  };
}

app.storageQueue(FUNCTIONS.auditShard, { queueName: QUEUES.auditShard, connection: 'AUDITOR_STORAGE', handler: makeShardHandler() });
