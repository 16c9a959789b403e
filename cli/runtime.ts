/**
 * The CLI's runtime: real Azure (DefaultAzureCredential) or an estate file served by the loopback
 * emulator (managed identity against the emulator's token endpoint, every SDK client routed through
 * its agent); configured storage, or an embedded in-memory Azurite when none is configured.
 */
import { loadConfig, type StorageConfig } from '../shared/config.js';
import { startAzurite, type RunningAzurite } from '../shared/local/azurite.js';
import { createServices, defaultCredential, managedIdentityCredential, type Services } from '../shared/services.js';
import type { Logger } from '../shared/usecases/common.js';
import type { NotificationSink } from '../shared/usecases/nightly.js';
import { loadNotifyConfig } from '../shared/notify/config.js';
import { createNotifications, type Notifications } from '../shared/notify/wiring.js';
import { loadEstate, loadEstateFile, startEmulator, type Estate, type RunningEmulator } from '../emulator/index.js';

export interface RuntimeOptions {
  estateFile?: string;
  estate?: unknown;
  overrides?: Record<string, string | undefined>;
  log: Logger;
  clock?: () => Date;
  /** Force the embedded Azurite even when storage is configured (the demo). */
  embeddedStorage?: boolean;
}

export interface Runtime {
  services: Services;
  emulator?: RunningEmulator;
  azurite?: RunningAzurite;
  embeddedStorage: boolean;
  /** Present when a notification channel is configured. */
  notifications?: Notifications;
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  // Validate settings before starting anything: one ConfigError names every problem.
  const config = loadConfig(process.env, options.overrides ?? {});
  const notifyConfig = loadNotifyConfig({ ...process.env, ...definedOnly(options.overrides ?? {}) });
  let estate: Estate | undefined;
  if (options.estateFile) estate = await loadEstateFile(options.estateFile);
  else if (options.estate !== undefined) estate = loadEstate(options.estate, 'estate');

  const closers: Array<() => Promise<void>> = [];
  try {
    let emulator: RunningEmulator | undefined;
    let credential;
    if (estate) {
      emulator = await startEmulator({ estate, ...(options.clock ? { now: options.clock } : {}) });
      closers.push(() => emulator!.close());
      // The real managed-identity protocol, against the emulator's token endpoint (as the Functions host sets it).
      process.env.IDENTITY_ENDPOINT = emulator.identityEndpoint;
      process.env.IDENTITY_HEADER = emulator.identityHeader;
      credential = managedIdentityCredential();
    } else {
      credential = defaultCredential(config);
    }

    let storage: StorageConfig = config.storage;
    let azurite: RunningAzurite | undefined;
    const embedded = options.embeddedStorage === true || storage.kind === 'none';
    if (embedded) {
      azurite = await startAzurite();
      closers.push(() => azurite!.close());
      storage = { kind: 'connectionString', connectionString: azurite.connectionString };
    }
    const clock = options.clock ?? (() => new Date());
    let notifications: Notifications | undefined;
    let sink: NotificationSink | undefined;
    const channels = Object.keys(notifyConfig.teamsWebhooks).length + (notifyConfig.email ? 1 : 0) + (notifyConfig.eventGridTopicEndpoint ? 1 : 0);
    if (channels > 0) {
      notifications = createNotifications({
        config: notifyConfig,
        storage,
        credential,
        portalUrl: config.cloud.portalUrl,
        clock,
        log: (line) => options.log.info(line),
      });
      closers.push(() => notifications!.close());
      sink = notifications.sink;
    }
    const services = createServices({
      overrides: options.overrides ?? {},
      storage,
      credential,
      ...(emulator ? { agent: emulator.agent } : {}),
      log: options.log,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(sink ? { notify: sink } : {}),
    });
    return {
      services,
      ...(emulator ? { emulator } : {}),
      ...(azurite ? { azurite } : {}),
      embeddedStorage: embedded,
      ...(notifications ? { notifications } : {}),
      async close() {
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

function definedOnly(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
