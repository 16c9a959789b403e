/** The nightly estate audit: plans the run and enqueues one shard per registry and per subscription. */
import { randomUUID } from 'node:crypto';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { FUNCTIONS } from '../shared/names.js';
import { handleNightlyTimer, hostServices, type HostServices } from '../shared/host.js';

export function makeNightlyHandler(getHost: () => HostServices = hostServices) {
  return async function nightlyAudit(timer: Timer, context: InvocationContext): Promise<void> {
    const runId = `run-${new Date().toISOString().replace(/[:.]/g, '')}-${context.invocationId?.slice(0, 8) || randomUUID().slice(0, 8)}`;
    const plan = await handleNightlyTimer(getHost(), runId);
    context.log('nightlyAudit', JSON.stringify({ runId, isPastDue: timer.isPastDue, shards: plan.shards, registries: plan.registries, subscriptions: plan.subscriptions, gaps: plan.gaps.length }));
  };
}

app.timer(FUNCTIONS.nightlyAudit, { schedule: '%AUDITOR_NIGHTLY_SCHEDULE%', runOnStartup: false, handler: makeNightlyHandler() });
