/**
 * Real local parts for end-to-end tests: the loopback Azure emulator (HTTPS, real SDK clients, real
 * managed-identity protocol) serving an estate, and an embedded Azurite for tables and queues.
 */
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { buildHostServices, type HostServices } from '../../shared/host.js';
import { managedIdentityCredential } from '../../shared/services.js';
import { clockStartingAt } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/usecases/common.js';
import { loadEstate, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import type { NightlyDeps } from '../../shared/usecases/nightly.js';

export interface Harness {
  emulator: RunningEmulator;
  azurite: RunningAzurite;
  host: HostServices;
  logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  estate: unknown;
  settings?: Record<string, string>;
  now?: Date;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const emulator = await startEmulator({ estate: loadEstate(o.estate, 'test estate'), ...(o.now ? { now: () => o.now! } : {}) });
  const azurite = await startAzurite();
  process.env.IDENTITY_ENDPOINT = emulator.identityEndpoint;
  process.env.IDENTITY_HEADER = emulator.identityHeader;
  const logs: Harness['logs'] = [];
  const log: Logger = {
    info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  const host = buildHostServices({
    env: { AUDITOR_STORAGE: azurite.connectionString, ...o.settings },
    credential: managedIdentityCredential(),
    agent: emulator.agent,
    log,
    retry: { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 2000 },
    ...(o.now ? { clock: clockStartingAt(o.now) } : {}),
  });
  return {
    emulator,
    azurite,
    host,
    logs,
    async close() {
      await host.notifications?.close();
      await azurite.close();
      await emulator.close();
    },
  };
}

/** Every finding row in the harness's store. */
export async function storedFindings(h: Harness): Promise<StoredFinding[]> {
  const out: StoredFinding[] = [];
  for await (const f of h.host.services.findings.listFindings()) out.push(f);
  return out;
}

/** A nightly run through the local queue runner (cli/localQueue.ts, as the CLI runs it) on the harness's queues. */
export function runNightly(h: Harness, runId: string, o: { workers?: number; deps?: NightlyDeps } = {}) {
  const s = h.host.services;
  return runNightlyLocally(o.deps ?? s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId, workers: o.workers ?? 3, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });
}
