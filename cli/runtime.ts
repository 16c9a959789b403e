/**
 * The CLI's runtime: real Azure (DefaultAzureCredential) or an estate file served by the loopback
 * emulator (managed identity against the emulator's token endpoint, every SDK client routed through
 * its agent); configured storage, or an embedded in-memory Azurite when none is configured.
 */
import type { StorageConfig } from '../shared/config.js';
import { startAzurite, type RunningAzurite } from '../shared/local/azurite.js';
import { defaultCredential, managedIdentityCredential, type Services } from '../shared/services.js';
import { buildHostServices, loadSettings } from '../shared/host.js';
import type { Logger } from '../shared/usecases/common.js';
import type { Notifications } from '../shared/notify/wiring.js';
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
  // Validate every setting before starting anything: one ConfigError names every problem.
  const settings = loadSettings(process.env, options.overrides ?? {});
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
      credential = defaultCredential(settings.config);
    }

    let storage: StorageConfig = settings.config.storage;
    let azurite: RunningAzurite | undefined;
    const embedded = options.embeddedStorage === true || storage.kind === 'none';
    if (embedded) {
      azurite = await startAzurite();
      closers.push(() => azurite!.close());
      storage = { kind: 'connectionString', connectionString: azurite.connectionString };
    }
    // The same composition as the Functions host; the CLI delivers notifications itself (no queue wake-up).
    const { services, notifications } = buildHostServices({
      settings,
      storage,
      credential,
      ...(emulator ? { agent: emulator.agent } : {}),
      log: options.log,
      ...(options.clock ? { clock: options.clock } : {}),
      wakeDelivery: false,
    });
    if (notifications) closers.push(() => notifications.close());
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
