/**
 * The CLI's runtime: real Azure (DefaultAzureCredential) or an estate file served by the loopback
 * emulator (managed identity against the emulator's token endpoint, every SDK client routed through
 * its agent); configured storage, or an embedded in-memory Azurite when none is configured.
 */
import type { TokenCredential } from '@azure/core-auth';
import { environment, useLocalManagedIdentity, type StorageConfig } from '../shared/config.js';
import type { RunningAzurite } from '../shared/local/azurite.js';
import { defaultCredential, managedIdentityCredential, type Services } from '../shared/services.js';
import { buildHostServices, loadSettings } from '../shared/host.js';
import type { Logger } from '../shared/usecases/common.js';
import type { Notifications } from '../shared/notify/wiring.js';
// The emulator and the embedded Azurite are dev-only (devDependencies): loaded lazily, only when used.
import type { Estate, RunningEmulator } from '../emulator/index.js';
import { cutAtWord, errorLine } from './output.js';
import { resolve } from 'node:path';

/** No usable Azure credential: the CLI says what to do and exits 2 (a configuration problem). */
export class CredentialError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialError';
  }
}

const UNAVAILABLE = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError']);
const REFUSED = new Set(['AuthenticationError', 'AuthenticationRequiredError']);

/**
 * Asks for one token before anything runs, so that a missing credential is one clear message instead of
 * every scope of the audit turning into a gap. The token is cached by the credential: nothing is wasted.
 */
export async function checkCredential(credential: TokenCredential, scope: string): Promise<void> {
  try {
    await credential.getToken(scope);
  } catch (e) {
    if (!(e instanceof Error) || !(UNAVAILABLE.has(e.name) || REFUSED.has(e.name))) throw e;
    const errors = (e as Error & { errors?: unknown[] }).errors;
    const underlying: unknown[] = errors?.length ? errors : [e];
    const cause = cutAtWord(underlying.map((x) => errorLine(x instanceof Error ? x.message : String(x), 1000)).join('; '), 240);
    const what = UNAVAILABLE.has(e.name) ? 'no Azure credential found' : 'the Azure credential was refused';
    throw new CredentialError(
      `${what}: run \`az login\`, or set a managed identity (AZURE_CLIENT_ID for a user-assigned one) or a workload identity ` +
        `(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE); or audit an estate file with --estate FILE (cause: ${cause})`,
      { cause: e },
    );
  }
}

export interface RuntimeOptions {
  estateFile?: string;
  estate?: unknown;
  overrides?: Record<string, string | undefined>;
  log: Logger;
  clock?: () => Date;
  /** Force the embedded Azurite even when storage is configured (the demo). */
  embeddedStorage?: boolean;
  /**
   * Where the embedded Azurite keeps its data: a directory (disk persistence, kept across runs) or in
   * memory for this run. Given (--store DIR / --ephemeral), it is used even when storage is configured;
   * absent, the AUDITOR_LOCAL_STORE setting applies whenever the embedded Azurite runs.
   */
  store?: LocalStore;
  /** Reads stored findings only (findings, report, notifications): no Azure call, so no credential check. */
  storageOnly?: boolean;
}

export type LocalStore = { kind: 'directory'; dir: string } | { kind: 'ephemeral' };

export interface Runtime {
  services: Services;
  emulator?: RunningEmulator;
  azurite?: RunningAzurite;
  embeddedStorage: boolean;
  /** The local directory holding the findings, when the embedded Azurite persists to disk. */
  storeDir?: string;
  /** Present when a notification channel is configured. */
  notifications?: Notifications;
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  // Validate every setting before starting anything: one ConfigError names every problem.
  const settings = loadSettings(environment(), options.overrides ?? {});
  let estate: Estate | undefined;
  const emulatorModule = options.estateFile !== undefined || options.estate !== undefined ? await import('../emulator/index.js') : undefined;
  if (options.estateFile) estate = await emulatorModule!.loadEstateFile(options.estateFile);
  else if (options.estate !== undefined) estate = emulatorModule!.loadEstate(options.estate, 'estate');

  const closers: Array<() => Promise<void>> = [];
  try {
    let emulator: RunningEmulator | undefined;
    let credential;
    if (estate) {
      emulator = await emulatorModule!.startEmulator({ estate, ...(options.clock ? { now: options.clock } : {}) });
      closers.push(() => emulator!.close());
      // The real managed-identity protocol, against the emulator's token endpoint (as the Functions host sets it).
      useLocalManagedIdentity(emulator.identityEndpoint, emulator.identityHeader);
      credential = managedIdentityCredential();
    } else {
      credential = defaultCredential(settings.config);
      if (!options.storageOnly) await checkCredential(credential, settings.config.cloud.armScope);
    }

    let storage: StorageConfig = settings.config.storage;
    let azurite: RunningAzurite | undefined;
    const embedded = options.embeddedStorage === true || options.store !== undefined || storage.kind === 'none';
    const local = options.store ?? settings.config.localStore;
    const storeDir = embedded && local.kind === 'directory' ? resolve(local.dir) : undefined;
    if (embedded) {
      const { startAzurite } = await import('../shared/local/azurite.js');
      azurite = await startAzurite(storeDir ? { dir: storeDir } : {});
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
      ...(storeDir ? { storeDir } : {}),
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
