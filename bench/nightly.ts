/**
 * Nightly benchmark: the synthetic estate (estates/synthetic.ts) served by the emulator in a child
 * process with Azure-like latency and the real quotas (docs/guide STACK.md), Azurite in another child,
 * and in this process the same queue/worker path as the CLI `audit` (cli/localQueue.ts
 * runNightlyLocally). Reports wall time, calls per service, the floor (bench/floor.ts), peak RSS and
 * heap of this process, and findings written per second.
 */
import { runNightlyLocally } from '../cli/localQueue.js';
import { SYNTHETIC_APPROVED_REGISTRIES, type SYNTHETIC_SIZES } from '../estates/synthetic.js';
import { createServices, managedIdentityCredential } from '../shared/services.js';
import type { Logger } from '../shared/usecases/common.js';
import { startAzuriteChild, startEmulatorChild, type AzuriteChild, type EmulatorCalls, type EmulatorChild } from './children.js';
import { computeFloor, type Floor, type FloorInputs } from './floor.js';
import { memorySampler, observeHttp, round, type ObservedRequest } from './stats.js';

export type SizeName = keyof typeof SYNTHETIC_SIZES;

export const NIGHTLY_LATENCY = { arm: 30, resourceGraph: 200, registry: 20, logs: 300 };
/** STACK.md "Quotas that bound the audit". */
export const NIGHTLY_QUOTAS: FloorInputs['quotas'] = {
  resourceGraph: { requests: 15, perSeconds: 5 },
  registryReadsPerMinute: { Basic: 1000, Standard: 3000, Premium: 10000 },
  armReads: { burst: 250, refillPerSecond: 25 },
};

type Svc = 'arm' | 'resourceGraph' | 'registry' | 'logs';

export interface NightlyOptions {
  size: SizeName;
  workers?: number;
  progress?: (line: string) => void;
}

export interface NightlyReport {
  size: SizeName;
  estate: { subscriptions: number; registries: number; repositories: number; manifests: number; workloads: number; generatedInChildMs: number };
  workers: number;
  concurrencyPerShard: number;
  latencyMs: typeof NIGHTLY_LATENCY;
  quotas: FloorInputs['quotas'];
  run: { status: string; shards: number; poisoned: number; counts: Record<string, number> };
  wallSeconds: number;
  planSeconds: number;
  calls: Record<Svc, number> & { total: number };
  emulatorServed: EmulatorCalls;
  throttled: Record<Svc, number>;
  storageRequests: number;
  /** Registry 401 challenges; token round trips (`/oauth2/exchange` + `/oauth2/token`), of which exchanges; repositories in the estate. */
  registryAuth: { challenges401: number; tokenRequests: number; exchanges: number; repositories: number };
  /** Registry calls answered other than 401, by route: catalog pages, manifest-list pages, single-manifest reads (workload images), other. */
  registryByRoute: { catalog: number; manifestLists: number; manifestReads: number; other: number };
  floor: Floor;
  ratioToFloor: number;
  memory: { peakRssMb: number; peakHeapUsedMb: number; baselineRssMb: number };
  cpuSeconds: { auditor: number; emulatorChild: number; azuriteChild: number };
  findingsWritten: number;
  findingsPerSecond: number;
  per1000Manifests: { calls: number; registryCalls: number; wallSeconds: number; cpuSeconds: number };
  warnings: number;
  errors: number;
}

export async function runNightlyBench(o: NightlyOptions): Promise<NightlyReport> {
  const log = o.progress ?? (() => undefined);
  const workers = o.workers ?? 16;
  const now = new Date();
  let emulator: EmulatorChild | undefined;
  let azurite: AzuriteChild | undefined;
  const requests: ObservedRequest[] = [];
  const marks: { firstShardCall?: number } = {};
  let started = 0;
  const stopObserving = observeHttp((r) => {
    if (r.service === 'storage') { storageRequests++; return; }
    if (r.service === 'other' || r.service === 'identity') return;
    // Only what the floor needs: keep the request small.
    requests.push({ service: r.service, host: r.host, method: r.method, path: r.path, ...(r.status !== undefined ? { status: r.status } : {}) });
    if (marks.firstShardCall === undefined && r.service !== 'resourceGraph') marks.firstShardCall = performance.now();
  });
  let storageRequests = 0;
  try {
    log(`nightly ${o.size}: starting the emulator (generating the estate in the child) and Azurite`);
    [emulator, azurite] = await Promise.all([
      startEmulatorChild({ kind: 'emulator', estate: { preset: o.size }, now: now.toISOString(), latencyMs: NIGHTLY_LATENCY, quotas: NIGHTLY_QUOTAS }),
      startAzuriteChild(),
    ]);
    process.env.IDENTITY_ENDPOINT = emulator.identityEndpoint;
    process.env.IDENTITY_HEADER = emulator.identityHeader;
    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    const counts = { warn: 0, error: 0 };
    const logger: Logger = { info() {}, warn() { counts.warn++; }, error(m, f) { counts.error++; log(`error: ${m} ${JSON.stringify(f ?? {})}`); } };
    const calls: Record<Svc, number> = { arm: 0, resourceGraph: 0, registry: 0, logs: 0 };
    const services = createServices({
      env: { AUDITOR_STORAGE: azurite.connectionString, AUDITOR_APPROVED_REGISTRIES: SYNTHETIC_APPROVED_REGISTRIES.join(',') },
      credential: managedIdentityCredential(),
      agent: emulator.agent,
      onCall: (s) => { calls[s]++; },
      log: logger,
      clock: () => now,
    });
    const emUsage0 = await emulator.usage();
    const azUsage0 = await azurite.usage();
    const cpu0 = process.cpuUsage();
    const mem = memorySampler(50);
    started = performance.now();
    let lastReport = started;
    const result = await runNightlyLocally(services.deps, { queue: services.shardQueue, poison: services.shardPoisonQueue }, {
      runId: `bench-${o.size}-${now.getTime()}`,
      workers,
      maxDequeueCount: 5,
      retryAfterSeconds: 1,
      timeoutInMs: 60 * 60_000,
      onProgress: (done, total) => {
        if (performance.now() - lastReport > 10_000 || done === total) {
          lastReport = performance.now();
          log(`nightly ${o.size}: ${done}/${total} shards, ${round((lastReport - started) / 1000, 1)} s`);
        }
      },
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const memory = mem.stop();
    const cpu = process.cpuUsage(cpu0);
    const [emUsage1, azUsage1, served] = await Promise.all([emulator.usage(), azurite.usage(), emulator.calls()]);
    const summary = emulator.summary;
    const floor = computeFloor(requests, {
      latencyMs: NIGHTLY_LATENCY,
      quotas: NIGHTLY_QUOTAS,
      skus: new Map(summary.registries.map((r) => [r.loginServer, r.sku])),
      adminEnabled: new Set(summary.registries.filter((r) => r.adminUserEnabled).map((r) => r.loginServer)),
    });
    const throttled: Record<Svc, number> = { arm: 0, resourceGraph: 0, registry: 0, logs: 0 };
    for (const r of requests) if (r.status === 429 && r.service in throttled) throttled[r.service as Svc]++;
    const runCounts = result.run.counts ?? { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
    const findingsWritten = runCounts.opened + runCounts.stillOpen + runCounts.resolved + runCounts.suppressed;
    const total = calls.arm + calls.resourceGraph + calls.registry + calls.logs;
    const k = summary.manifests / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      size: o.size,
      estate: { subscriptions: summary.subscriptions, registries: summary.registries.length, repositories: summary.repositories, manifests: summary.manifests, workloads: summary.workloads, generatedInChildMs: round(emulator.generatedMs, 0) },
      workers,
      concurrencyPerShard: services.config.concurrency,
      latencyMs: NIGHTLY_LATENCY,
      quotas: NIGHTLY_QUOTAS,
      run: { status: result.run.status, shards: result.plan.shards, poisoned: result.poisoned, counts: { ...runCounts } },
      wallSeconds: round(wallSeconds, 2),
      planSeconds: round(((marks.firstShardCall ?? started) - started) / 1000, 2),
      calls: { ...calls, total },
      emulatorServed: served,
      throttled,
      storageRequests,
      registryAuth: {
        challenges401: requests.filter((r) => r.service === 'registry' && r.status === 401).length,
        tokenRequests: requests.filter((r) => r.service === 'registry' && r.path.startsWith('/oauth2/')).length,
        exchanges: requests.filter((r) => r.service === 'registry' && r.path === '/oauth2/exchange').length,
        repositories: summary.repositories,
      },
      registryByRoute: registryByRoute(requests),
      floor,
      ratioToFloor: round(wallSeconds / floor.seconds, 2),
      memory: { ...memory, baselineRssMb: round(baselineRss / 1048576, 1) },
      cpuSeconds: {
        auditor: round(cpuSeconds, 2),
        emulatorChild: round((emUsage1.cpu.user + emUsage1.cpu.system - emUsage0.cpu.user - emUsage0.cpu.system) / 1e6, 2),
        azuriteChild: round((azUsage1.cpu.user + azUsage1.cpu.system - azUsage0.cpu.user - azUsage0.cpu.system) / 1e6, 2),
      },
      findingsWritten,
      findingsPerSecond: round(findingsWritten / wallSeconds, 1),
      per1000Manifests: { calls: round(total / k, 1), registryCalls: round(calls.registry / k, 1), wallSeconds: round(wallSeconds / k, 3), cpuSeconds: round(cpuSeconds / k, 3) },
      warnings: counts.warn,
      errors: counts.error,
    };
  } finally {
    stopObserving();
    await Promise.allSettled([emulator?.stop(), azurite?.stop()]);
  }
}

function registryByRoute(requests: ObservedRequest[]): NightlyReport['registryByRoute'] {
  const out = { catalog: 0, manifestLists: 0, manifestReads: 0, other: 0 };
  for (const r of requests) {
    if (r.service !== 'registry' || r.status === 401 || r.path.startsWith('/oauth2/')) continue;
    if (r.path === '/acr/v1/_catalog') out.catalog++;
    else if (/\/_manifests$/.test(r.path)) out.manifestLists++;
    else if (/\/_manifests\/[^/]+$/.test(r.path)) out.manifestReads++;
    else out.other++;
  }
  return out;
}
