/**
 * What the Azure Functions run, without the Functions SDK: each trigger in functions/ parses its input
 * and calls one of these. Services are built once per process from the app settings (managed
 * identity, identity-based storage) and reused across invocations.
 */
import { ConfigError, loadConfig, type AuditorConfig } from './config.js';
import { hasChannel, loadNotifyConfig, type NotifyConfig } from './notify/config.js';
import { createNotifications, type Notifications } from './notify/wiring.js';
import { QUEUES } from './names.js';
import { createServices, encodeQueueMessage, type ServiceOptions, type Services } from './services.js';
import { queueClient } from './storage/clients.js';
import { parseEventBatch, type ParsedBatch } from './events/parse.js';
import { auditRegistryEvents, TransientAuditError, type EventOutcome } from './usecases/auditRegistryEvents.js';
import { recordUnauditedEvents, redrivePoisonedPushes } from './usecases/redrivePushes.js';
import type { Logger } from './usecases/common.js';
import { parseShardMessage, processShard, startNightlyRun, type PlanResult, type ShardResult } from './usecases/nightly.js';

export interface HostServices {
  services: Services;
  notifications?: Notifications;
}

/** JSON lines on stdout/stderr: the Functions host ships them to Application Insights. Never secrets. */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

export interface Settings {
  config: AuditorConfig;
  notify: NotifyConfig;
}

/** Every setting, core and notifications, validated together: one ConfigError names every problem. */
export function loadSettings(env: Record<string, string | undefined> = process.env, overrides: Record<string, string | undefined> = {}): Settings {
  const merged = { ...env, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
      return undefined;
    }
  };
  const config = attempt(() => loadConfig(merged));
  const notify = attempt(() => loadNotifyConfig(merged));
  if (!config || !notify) throw new ConfigError(problems);
  return { config, notify };
}

export interface HostServiceOptions extends Partial<ServiceOptions> {
  /** Settings already validated by the caller. */
  settings?: Settings;
  /** Post a wake-up message to the notifications queue when notifications are enqueued (default true: the
   * Functions host delivers from that queue; the CLI delivers itself). */
  wakeDelivery?: boolean;
}

/** Builds the host's services: storage, inventory and, when a channel is configured, notifications. */
export function buildHostServices(options: HostServiceOptions = {}): HostServices {
  const log = options.log ?? consoleLogger;
  const { config, notify } = options.settings ?? loadSettings(options.env ?? process.env, options.overrides ?? {});
  const base = createServices({ ...options, config, log });
  if (!hasChannel(notify)) return { services: base };
  let onEnqueued: ((ids: readonly string[]) => Promise<void>) | undefined;
  if (options.wakeDelivery !== false) {
    const wake = queueClient(base.storage, QUEUES.notifications, base.credential);
    let wakeReady: Promise<unknown> | undefined;
    onEnqueued = async (ids) => {
      wakeReady ??= wake.createIfNotExists();
      await wakeReady;
      await wake.sendMessage(encodeQueueMessage({ v: 1, ids: ids.slice(0, 50) }));
    };
  }
  const notifications = createNotifications({
    config: notify,
    storage: base.storage,
    credential: base.credential,
    portalUrl: config.cloud.portalUrl,
    clock: base.deps.clock,
    log: (line) => log.info(line),
    ...(onEnqueued ? { onEnqueued } : {}),
  });
  base.deps.notify = notifications.sink;
  return { services: base, notifications };
}

let memo: HostServices | undefined;
/** The process-wide services of the Functions host (lazy: nothing is built at import time). */
export function hostServices(): HostServices {
  memo ??= buildHostServices();
  return memo;
}

/** A delivery that contained events that can never be processed (the message belongs in the poison queue). */
export class RejectedEventsError extends Error {
  constructor(readonly rejected: ParsedBatch['rejected']) {
    super(`rejected ${rejected.length} event(s): ${rejected.map((r) => `event ${r.index}${r.eventId ? ` (${r.eventId})` : ''}: ${r.field}: ${r.reason}`).join('; ')}`);
    this.name = 'RejectedEventsError';
  }
}

export interface RegistryEventsResult {
  parsed: ParsedBatch;
  outcomes: EventOutcome[];
}

/**
 * Audits the events of one delivery; publishes their changes to the outbox. Rejected events are
 * reported, never half-written. On the delivery's last attempt (`attempt`), events that still cannot be
 * audited are recorded as coverage findings naming them before the delivery goes to the poison queue,
 * where the nightly run re-drives it.
 */
export async function handleRegistryEvents(host: HostServices, body: unknown, attempt?: { dequeueCount: number; maxDequeueCount: number }): Promise<RegistryEventsResult> {
  const { services } = host;
  const parsed = parseEventBatch(body);
  let outcomes: EventOutcome[];
  try {
    outcomes = await auditRegistryEvents(parsed.events, services.deps);
  } catch (e) {
    if (e instanceof TransientAuditError && attempt && attempt.dequeueCount >= attempt.maxDequeueCount) {
      await recordUnauditedEvents(services.deps, e.events, `${e.message} (after ${attempt.dequeueCount} attempts)`);
    }
    throw e;
  }
  await publishOutcomes(host, outcomes);
  return { parsed, outcomes };
}

async function publishOutcomes(host: HostServices, outcomes: readonly EventOutcome[]): Promise<void> {
  const notify = host.services.deps.notify;
  if (!notify) return;
  for (const o of outcomes) if (o.changes.length) await notify.publish(o.changes, { kind: 'event', eventId: o.eventId });
}

/** The nightly timer: settle earlier runs and plan this one, then re-drive poisoned pushes (best effort). */
export async function handleNightlyTimer(host: HostServices, runId: string): Promise<PlanResult> {
  const plan = await startNightlyRun(host.services.deps, runId);
  try {
    const r = await redrivePoisonedPushes(host.services.deps, host.services.pushPoisonQueue, { publish: (o) => publishOutcomes(host, o) });
    if (r.read) host.services.deps.log.info('poisoned pushes re-driven', { read: r.read, redriven: r.redriven, stillFailing: r.stillFailing });
  } catch (e) {
    host.services.deps.log.warn('could not re-drive poisoned pushes', { reason: e instanceof Error ? e.message : String(e) });
  }
  return plan;
}

/** `acr-auditor redrive`: re-audits the pushes in the poison queue now. */
export async function handleRedrive(host: HostServices, max?: number) {
  return redrivePoisonedPushes(host.services.deps, host.services.pushPoisonQueue, { ...(max ? { max } : {}), publish: (o) => publishOutcomes(host, o) });
}

export async function handleShardMessage(host: HostServices, body: unknown, attempt: { dequeueCount: number; maxDequeueCount: number }): Promise<ShardResult> {
  return processShard(host.services.deps, parseShardMessage(body), attempt);
}

export async function handleNotificationDelivery(host: HostServices) {
  if (!host.notifications) return undefined;
  return host.notifications.deliver();
}
