/**
 * What the Azure Functions run, without the Functions SDK: each trigger in functions/ parses its input
 * and calls one of these, and each of these calls one use case. Services are built once per process
 * by the composition root (compose.ts) from the app settings and reused across invocations.
 */
import { buildHostServices, type HostServices } from './compose.js';
import { auditPushDelivery, type PushDeliveryResult } from './usecases/auditPushDelivery.js';
import { redrivePoisonedPushes } from './usecases/redrivePushes.js';
import { parseShardMessage, processShard, startNightlyRun, type PlanResult, type ShardResult } from './usecases/nightly.js';
import { serveFindings, type FindingsHttpRequest } from './usecases/readFindings.js';

export { buildHostServices, compose, consoleLogger, loadSettings, type HostServiceOptions, type HostServices, type Settings } from './compose.js';
export { RejectedEventsError } from './usecases/auditPushDelivery.js';
export type RegistryEventsResult = PushDeliveryResult;

let memo: HostServices | undefined;
/** The process-wide services of the Functions host (lazy: nothing is built at import time). */
export function hostServices(): HostServices {
  memo ??= buildHostServices();
  return memo;
}

/** One delivery of registry events (queue message or Event Grid call). */
export async function handleRegistryEvents(host: HostServices, body: unknown, attempt?: { dequeueCount: number; maxDequeueCount: number }): Promise<PushDeliveryResult> {
  return auditPushDelivery(host.services.deps, body, attempt);
}

/** The nightly timer: settle earlier runs, plan this one, re-drive poisoned pushes (one use case). */
export async function handleNightlyTimer(host: HostServices, runId: string): Promise<PlanResult> {
  return startNightlyRun(host.services.deps, runId);
}

/** `acr-auditor redrive`: re-audits the pushes in the poison queue now. */
export async function handleRedrive(host: Pick<HostServices, 'services'>, max?: number) {
  return redrivePoisonedPushes(host.services.deps, host.services.pushPoisonQueue, max ? { max } : {});
}

export async function handleShardMessage(host: HostServices, body: unknown, attempt: { dequeueCount: number; maxDequeueCount: number }): Promise<ShardResult> {
  return processShard(host.services.deps, parseShardMessage(body), attempt);
}

/** The findings page (`html`) or `/api/findings` (`json`): the reader's token is verified, then the query served. */
export async function handleFindingsRequest(host: HostServices, request: FindingsHttpRequest, format: 'html' | 'json') {
  const { services } = host;
  return serveFindings({ findings: services.findings, portalUrl: services.config.cloud.portalUrl, clock: services.deps.clock, access: host.readerAccess }, request, format);
}

export async function handleNotificationDelivery(host: HostServices) {
  if (!host.notifications) return undefined;
  return host.notifications.deliver();
}
