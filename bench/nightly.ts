/**
 * Nightly benchmark: the synthetic estate (estates/synthetic.ts) served by the emulator in a child
 * process with Azure-like latency and the real quotas (docs/guide STACK.md), Azurite in another child,
 * and in this process the same queue/worker path as the CLI `audit` (cli/localQueue.ts
 * runNightlyLocally). Reports wall time, calls per service, the floor (bench/floor.ts), peak RSS and
 * heap of this process, and findings written per second.
 */
import { runNightlyLocally } from '../cli/localQueue.js';
import { SYNTHETIC_APPROVED_REGISTRIES, syntheticSigningSettings } from '../estates/synthetic.js';
import type { BENCH_SIZES } from './child.js';
import { createServices, managedIdentityCredential } from '../shared/services.js';
import type { Logger } from '../shared/usecases/common.js';
import { startAzuriteChild, startEmulatorChild, type AzuriteChild, type EmulatorCalls, type EmulatorChild } from './children.js';
import { computeFloor, type Floor, type FloorInputs } from './floor.js';
import { memorySampler, observeHttp, round, type MemoryPeaks, type ObservedRequest } from './stats.js';
import { stringInterner } from '../shared/util/intern.js';

export type SizeName = keyof typeof BENCH_SIZES;

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
  /**
   * Nights audited against the same emulator and Azurite (same findings table): 1 = the first night;
   * 2 adds a night over the unchanged estate; 3 adds a night after `changeFraction` of the images were
   * re-pushed (bench/child.ts changeImages). Default 3.
   */
  nights?: number;
  /** Clock advance between nights, in hours (default 24: a nightly cadence). */
  nightHours?: number;
  /** Fraction of the manifests re-pushed before the third night (default 0.01). */
  changeFraction?: number;
  progress?: (line: string) => void;
}

/** One night of a multi-night run (same store throughout). */
export interface NightReport {
  night: number;
  label: 'first' | 'unchanged' | 'changed';
  clock: string;
  /** Manifests re-pushed before this night (0 unless `changed`). */
  changedManifests: number;
  status: string;
  wallSeconds: number;
  cpuSeconds: { auditor: number; emulatorChild: number; azuriteChild: number };
  calls: Record<Svc, number> & { total: number };
  registryAuth: { challenges401: number; tokenRequests: number };
  /** The run record's counts (stillOpen includes the findings re-confirmed without a write). */
  counts: Record<string, number>;
  /**
   * Table entity writes, counted by wrapping the findings store: finding rows handed to `save` (minus
   * conflicts and failures), scope-audit rows (`saveScopeAudit`, one per audited scope), the run's
   * transition rows (`runs.recordChanges`, the digest's material) and the other writes to the runs table
   * (run, shard and context rows: one entity per non-GET request outside a batch).
   */
  tableWrites: { findingRows: number; scopeAuditRows: number; changeRows: number; runRows: number; saveCalls: number; total: number };
  /** Finding rows handed to `save`, by `ruleId lastChange` (what the writes were). */
  findingRowsByRule: Record<string, number>;
  storageRequests: { total: number; byMethod: Record<string, number>; batches: number };
  memory: NightMemory;
  floorSeconds: number;
}

/** Peaks of the auditor (bench) process during one night (bench/stats.ts memorySampler). */
export type NightMemory = Omit<MemoryPeaks, 'samples' | 'snapshot'> & { startRssMb: number; snapshot?: string };

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
  /** Registry calls answered other than 401, by route: catalog pages, manifest-list pages, single-manifest reads (workload images), tag-list pages and referrers (issue 15), other. */
  registryByRoute: { catalog: number; manifestLists: number; manifestReads: number; tagLists: number; referrers: number; other: number };
  /** Percentage of repositories signing and requiring signatures (issue 15; BENCH_SIGNING). */
  signingPercent: number;
  floor: Floor;
  ratioToFloor: number;
  /** Wall time over the stricter floor (no one-minute ACR burst). */
  ratioToStrictFloor: number;
  memory: NightMemory & { baselineRssMb: number };
  cpuSeconds: { auditor: number; emulatorChild: number; azuriteChild: number };
  /** Finding rows actually written on the first night (store wrapper). */
  findingsWritten: number;
  findingsPerSecond: number;
  per1000Manifests: { calls: number; registryCalls: number; wallSeconds: number; cpuSeconds: number };
  warnings: number;
  errors: number;
  /** Every night, first included (the top-level figures above are the first night's). */
  nights: NightReport[];
}

export async function runNightlyBench(o: NightlyOptions): Promise<NightlyReport> {
  const log = o.progress ?? (() => undefined);
  const workers = o.workers ?? 16;
  const nights = Math.max(1, o.nights ?? 3);
  const nightMs = (o.nightHours ?? 24) * 3_600_000;
  const changeFraction = o.changeFraction ?? 0.01;
  // Issue 15: the percentage of repositories that sign and require signatures (BENCH_SIGNING, npm run bench -- --signing P).
  const signingPercent = Number(process.env.BENCH_SIGNING ?? 0);
  const now = new Date();
  let emulator: EmulatorChild | undefined;
  let azurite: AzuriteChild | undefined;
  let requests: ObservedRequest[] = [];
  const marks: { firstShardCall?: number } = {};
  let storage = { total: 0, byMethod: {} as Record<string, number>, batches: 0 };
  let runRows = 0;
  const intern = stringInterner();
  const stopObserving = observeHttp((r) => {
    if (r.service === 'storage') {
      storage.total++;
      storage.byMethod[r.method] = (storage.byMethod[r.method] ?? 0) + 1;
      if (r.path.endsWith('$batch')) storage.batches++;
      else if (r.method !== 'GET' && /\/runs(\(|\?|$)/.test(r.path)) runRows++;
      return;
    }
    if (r.service === 'other' || r.service === 'identity') return;
    // Only what the floor needs, with repeated strings shared: the bench's own memory counts in the auditor's RSS.
    requests.push({ service: r.service, host: intern(r.host), method: intern(r.method), path: intern(r.path), ...(r.status !== undefined ? { status: r.status } : {}) });
    if (marks.firstShardCall === undefined && r.service !== 'resourceGraph') marks.firstShardCall = performance.now();
  });
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
    const summary = emulator.summary;
    const floorInputs = {
      latencyMs: NIGHTLY_LATENCY,
      quotas: NIGHTLY_QUOTAS,
      skus: new Map(summary.registries.map((r) => [r.loginServer, r.sku])),
      adminEnabled: new Set(summary.registries.filter((r) => r.adminUserEnabled).map((r) => r.loginServer)),
    };
    const nightReports: NightReport[] = [];
    let first: Omit<NightlyReport, 'nights'> | undefined;
    for (let n = 1; n <= nights; n++) {
      const clock = new Date(now.getTime() + (n - 1) * nightMs);
      const label: NightReport['label'] = n === 1 ? 'first' : n === 2 ? 'unchanged' : 'changed';
      let changedManifests = 0;
      if (label === 'changed') {
        changedManifests = await emulator.changeImages(changeFraction, new Date(clock.getTime() - 3_600_000).toISOString());
        log(`nightly ${o.size}: re-pushed ${changedManifests} manifests (${changeFraction * 100}%) before night ${n}`);
      }
      requests = [];
      storage = { total: 0, byMethod: {}, batches: 0 };
      runRows = 0;
      delete marks.firstShardCall;
      global.gc?.();
      const startRss = process.memoryUsage().rss;
      const calls: Record<Svc, number> = { arm: 0, resourceGraph: 0, registry: 0, logs: 0 };
      // Fresh services each night (as a new Functions instance would have): cold caches, new SDK clients.
      const services = createServices({
        env: {
          AUDITOR_STORAGE: azurite.connectionString,
          AUDITOR_APPROVED_REGISTRIES: SYNTHETIC_APPROVED_REGISTRIES.join(','),
          ...syntheticSigningSettings(signingPercent),
          // Rule selection from the bench's environment: measures what a set of rules costs (e.g. AUDITOR_RULES_DISABLED=<the new ones>).
          ...Object.fromEntries(['AUDITOR_PROFILE', 'AUDITOR_RULES_ENABLED', 'AUDITOR_RULES_DISABLED'].flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : []))),
        },
        credential: managedIdentityCredential(),
        agent: emulator.agent,
        onCall: (s) => { calls[s]++; },
        log: logger,
        clock: () => clock,
      });
      const writes = { findingRows: 0, scopeAuditRows: 0, changeRows: 0, runRows: 0, saveCalls: 0, total: 0 };
      const recordChanges = services.runs.recordChanges.bind(services.runs);
      services.runs.recordChanges = async (runId, changes) => {
        await recordChanges(runId, changes);
        writes.changeRows += changes.length;
      };
      const byRule: Record<string, number> = {};
      const store = services.findings;
      const save = store.save.bind(store);
      // Absent before issue 18 item 2 (the bench also runs against older trees for before/after figures).
      const saveScopeAudit = typeof store.saveScopeAudit === 'function' ? store.saveScopeAudit.bind(store) : undefined;
      store.save = async (scopeId, findings) => {
        const out = await save(scopeId, findings);
        writes.saveCalls++;
        writes.findingRows += findings.length - out.conflicts.length - out.failed.length;
        for (const f of findings) {
          const k = `${f.ruleId} ${f.lastChange ?? '-'}`;
          byRule[k] = (byRule[k] ?? 0) + 1;
        }
        return out;
      };
      // Before item 2 the store had no scope-audit row: a no-op keeps an older tree's shards running.
      if (!saveScopeAudit) (store as { saveScopeAudit?: unknown }).saveScopeAudit = async () => undefined;
      if (saveScopeAudit) {
        store.saveScopeAudit = async (scopeId, audit) => {
          await saveScopeAudit(scopeId, audit);
          writes.scopeAuditRows++;
        };
      }
      const emUsage0 = await emulator.usage();
      const azUsage0 = await azurite.usage();
      const cpu0 = process.cpuUsage();
      // BENCH_HEAP_SNAPSHOT=DIR [BENCH_HEAP_SNAPSHOT_MB=N] [BENCH_HEAP_SNAPSHOT_NIGHT=K]: one heap snapshot (of night K) when the live heap first exceeds N MB after a full GC.
      const mem = memorySampler(50, {
        ...(process.env.BENCH_HEAP_SNAPSHOT && (!process.env.BENCH_HEAP_SNAPSHOT_NIGHT || Number(process.env.BENCH_HEAP_SNAPSHOT_NIGHT) === n) ? { snapshotDir: process.env.BENCH_HEAP_SNAPSHOT, snapshotAboveMb: Number(process.env.BENCH_HEAP_SNAPSHOT_MB ?? 0), snapshotLabel: `${o.size}-night${n}` } : {}),
      });
      const allocations = process.env.BENCH_ALLOC_PROF ? await startAllocationSampling() : undefined;
      const started = performance.now();
      let lastReport = started;
      const result = await runNightlyLocally(services.deps, { queue: services.shardQueue, poison: services.shardPoisonQueue }, {
        runId: `bench-${o.size}-${now.getTime()}-night${n}`,
        workers,
        maxDequeueCount: 5,
        retryAfterSeconds: 1,
        timeoutInMs: 60 * 60_000,
        onProgress: (done, total) => {
          if (performance.now() - lastReport > 10_000 || done === total) {
            lastReport = performance.now();
            log(`nightly ${o.size} night ${n} (${label}): ${done}/${total} shards, ${round((lastReport - started) / 1000, 1)} s`);
          }
        },
      });
      const wallSeconds = (performance.now() - started) / 1000;
      if (allocations) log(`nightly ${o.size} night ${n}: allocation profile ${await allocations.stop(process.env.BENCH_ALLOC_PROF!, `${o.size}-night${n}`)}`);
      const { samples: _samples, ...memory } = mem.stop();
      const nightMemory: NightMemory = { ...memory, startRssMb: round(startRss / 1048576, 1) };
      const cpu = process.cpuUsage(cpu0);
      const [emUsage1, azUsage1, served] = await Promise.all([emulator.usage(), azurite.usage(), emulator.calls()]);
      await emulator.resetCalls();
      writes.runRows = runRows;
      writes.total = writes.findingRows + writes.scopeAuditRows + writes.changeRows + writes.runRows;
      const floor = computeFloor(requests, floorInputs);
      const total = calls.arm + calls.resourceGraph + calls.registry + calls.logs;
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const cpuChildren = {
        auditor: round(cpuSeconds, 2),
        emulatorChild: round((emUsage1.cpu.user + emUsage1.cpu.system - emUsage0.cpu.user - emUsage0.cpu.system) / 1e6, 2),
        azuriteChild: round((azUsage1.cpu.user + azUsage1.cpu.system - azUsage0.cpu.user - azUsage0.cpu.system) / 1e6, 2),
      };
      const runCounts = result.run.counts ?? { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
      const registryAuth = {
        challenges401: requests.filter((r) => r.service === 'registry' && r.status === 401).length,
        tokenRequests: requests.filter((r) => r.service === 'registry' && r.path.startsWith('/oauth2/')).length,
      };
      nightReports.push({
        night: n, label, clock: clock.toISOString(), changedManifests, status: result.run.status,
        wallSeconds: round(wallSeconds, 2), cpuSeconds: cpuChildren, calls: { ...calls, total }, registryAuth,
        counts: { ...runCounts }, tableWrites: writes, findingRowsByRule: byRule, storageRequests: storage,
        memory: nightMemory,
        floorSeconds: floor.seconds,
      });
      log(`nightly ${o.size} night ${n} (${label}): ${round(wallSeconds, 1)} s, CPU ${round(cpuSeconds, 1)} s, finding rows written ${writes.findingRows}, scope-audit rows ${writes.scopeAuditRows}, peak RSS ${memory.peakRssMb} MB, heap ${memory.peakHeapUsedMb} MB, live after full GC ${memory.peakLiveHeapMb} MB${memory.snapshot ? `, snapshot ${memory.snapshot}` : ''}`);
      if (n > 1) continue;
      const throttled: Record<Svc, number> = { arm: 0, resourceGraph: 0, registry: 0, logs: 0 };
      for (const r of requests) if (r.status === 429 && r.service in throttled) throttled[r.service as Svc]++;
      const k = summary.manifests / 1000;
      first = {
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
        storageRequests: storage.total,
        registryAuth: { ...registryAuth, exchanges: requests.filter((r) => r.service === 'registry' && r.path === '/oauth2/exchange').length, repositories: summary.repositories },
        registryByRoute: registryByRoute(requests),
        signingPercent,
        floor,
        ratioToFloor: round(wallSeconds / floor.seconds, 2),
        ratioToStrictFloor: round(wallSeconds / floor.strictSeconds, 2),
        memory: { ...nightMemory, baselineRssMb: round(baselineRss / 1048576, 1) },
        cpuSeconds: cpuChildren,
        findingsWritten: writes.findingRows,
        findingsPerSecond: round(writes.findingRows / wallSeconds, 1),
        per1000Manifests: { calls: round(total / k, 1), registryCalls: round(calls.registry / k, 1), wallSeconds: round(wallSeconds / k, 3), cpuSeconds: round(cpuSeconds / k, 3) },
        warnings: 0,
        errors: 0,
      };
    }
    return { ...first!, warnings: counts.warn, errors: counts.error, nights: nightReports };
  } finally {
    stopObserving();
    await Promise.allSettled([emulator?.stop(), azurite?.stop()]);
  }
}

/**
 * BENCH_ALLOC_PROF=DIR: V8's sampling heap profiler over one night, counting objects already collected
 * too (`includeObjectsCollectedByMajorGC/MinorGC`), so the profile shows where the night allocates, garbage
 * included (what drives the heap's growth between collections), not only what is live at the end.
 * Chrome DevTools protocol HeapProfiler.startSampling; the .heapprofile opens in DevTools.
 */
async function startAllocationSampling(): Promise<{ stop(dir: string, label: string): Promise<string> }> {
  const { Session } = await import('node:inspector');
  const { writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 65_536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return {
    async stop(dir, label) {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      session.disconnect();
      const file = path.join(dir, `${label}-${Date.now()}.heapprofile`);
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}

function registryByRoute(requests: ObservedRequest[]): NightlyReport['registryByRoute'] {
  const out = { catalog: 0, manifestLists: 0, manifestReads: 0, tagLists: 0, referrers: 0, other: 0 };
  for (const r of requests) {
    if (r.service !== 'registry' || r.status === 401 || r.path.startsWith('/oauth2/')) continue;
    if (r.path === '/acr/v1/_catalog') out.catalog++;
    else if (/\/_manifests$/.test(r.path)) out.manifestLists++;
    else if (/\/_manifests\/[^/]+$/.test(r.path)) out.manifestReads++;
    else if (/\/_tags$/.test(r.path)) out.tagLists++;
    else if (/\/referrers\/[^/]+$/.test(r.path)) out.referrers++;
    else out.other++;
  }
  return out;
}
