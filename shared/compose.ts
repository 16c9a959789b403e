/**
 * The composition root: every dependency of the Functions, the CLI and the demo is built here, once,
 * from validated settings, and never changed afterwards (the result is frozen). Only the
 * configuration module reads the environment.
 */
import { ConfigError, environment, loadConfig, type AuditorConfig } from './config.js';
import { hasChannel, loadNotifyConfig, type NotifyConfig } from './notify/config.js';
import { createNotifications, type Notifications } from './notify/wiring.js';
import { QUEUES } from './names.js';
import { createServices, defaultCredential, encodeQueueMessage, type ServiceOptions, type Services } from './services.js';
import { queueClient } from './storage/clients.js';
import type { Logger } from './usecases/common.js';
import { OpenIdSigningKeys } from './auth/openIdKeys.js';
import type { ReaderAccessOptions } from './auth/readerAccess.js';

export interface HostServices {
  readonly services: Services;
  readonly notifications?: Notifications;
  /** Who may read the findings page and API (the tenant's signing keys are fetched on first use). */
  readonly readerAccess: ReaderAccessOptions;
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
export function loadSettings(env: Record<string, string | undefined> = environment(), overrides: Record<string, string | undefined> = {}): Settings {
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

/** Builds every dependency once from settings already validated (see loadSettings). */
export function compose(settings: Settings, options: HostServiceOptions = {}): HostServices {
  const log = options.log ?? consoleLogger;
  const { config, notify } = settings;
  const storage = options.storage ?? config.storage;
  const credential = options.credential ?? defaultCredential(config);
  const clock = options.clock ?? (() => new Date());
  let notifications: Notifications | undefined;
  if (hasChannel(notify)) notifications = createNotifications({
    config: notify,
    storage,
    credential,
    portalUrl: config.cloud.portalUrl,
    clock,
    log: (line) => log.info(line),
    ...wakeUp(options, storage, credential),
  });
  const services = createServices({ ...options, config, storage, credential, clock, log, ...(notifications ? { notify: notifications.sink } : {}) });
  const { findingsAccess } = config;
  const readerAccess: ReaderAccessOptions = {
    access: findingsAccess,
    authorityHost: config.cloud.authorityHost,
    keys: new OpenIdSigningKeys({ authorityHost: config.cloud.authorityHost, tenantId: findingsAccess.tenantId ?? 'common', clock, ...(options.agent ? { agent: options.agent } : {}) }),
    now: clock,
  };
  return Object.freeze({ services, readerAccess, ...(notifications ? { notifications } : {}) });
}

/** The host's services from the environment (or given settings): the Functions host's entry. */
export function buildHostServices(options: HostServiceOptions = {}): HostServices {
  return compose(options.settings ?? loadSettings(options.env ?? environment(), options.overrides ?? {}), options);
}

/** The Functions host delivers from the notifications queue: enqueuing wakes it (the CLI delivers itself). */
function wakeUp(options: HostServiceOptions, storage: ServiceOptions['storage'] & object, credential: NonNullable<ServiceOptions['credential']>): { onEnqueued?: (ids: readonly string[]) => Promise<void> } {
  let onEnqueued: ((ids: readonly string[]) => Promise<void>) | undefined;
  if (options.wakeDelivery !== false) {
    const wake = queueClient(storage, QUEUES.notifications, credential);
    let wakeReady: Promise<unknown> | undefined;
    onEnqueued = async (ids) => {
      wakeReady ??= wake.createIfNotExists();
      await wakeReady;
      await wake.sendMessage(encodeQueueMessage({ v: 1, ids: ids.slice(0, 50) }));
    };
  }
  return onEnqueued ? { onEnqueued } : {};
}

