/**
 * Push-handler benchmark: the queue-triggered Function's handler (functions/onImagePushed.ts,
 * makeQueueHandler) on generated ImagePushed events, against the emulator (child process) and Azurite
 * (child process), at 0 ms and at 20 ms of service latency.
 *
 * Per event: wall time, CPU time of this process (sequential runs only), Azure round trips per
 * service (the SDK call counter `onCall`, attributed to the event through AsyncLocalStorage so it
 * stays exact under concurrency) and Storage round trips; each event is classified as the first of
 * its registry in the run (registry-state cache miss), the first of its repository, or already seen.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import functionsSdk from '@azure/functions';
import { makeQueueHandler } from '../functions/onImagePushed.js';
import { buildHostServices, type HostServices } from '../shared/host.js';
import { managedIdentityCredential } from '../shared/services.js';
import type { Logger } from '../shared/usecases/common.js';
import { startAzuriteChild, startEmulatorChild, type AzuriteChild, type EmulatorChild } from './children.js';
import { PUSH_APPROVED_BASE_IMAGES, PUSH_APPROVED_REGISTRIES, pushEstate, pushEvents, type ImageKind, type PushedImage } from './pushEstate.js';
import { distribution, observeHttp, round, type Distribution } from './stats.js';

type Svc = 'arm' | 'resourceGraph' | 'registry' | 'logs';
interface Counter { arm: number; resourceGraph: number; registry: number; logs: number; storage: number; identity: number }
const zero = (): Counter => ({ arm: 0, resourceGraph: 0, registry: 0, logs: 0, storage: 0, identity: 0 });
const azureOf = (c: Counter) => c.arm + c.resourceGraph + c.registry + c.logs;

export interface PushOptions {
  events: number;
  /** Events per throughput cell (default min(events, 2000); 20 ms sequential cells use a quarter). */
  throughputEvents?: number;
  seed?: number;
  concurrency?: number;
  progress?: (line: string) => void;
  /** Latencies of the per-event runs (default [0, 20]). */
  latencies?: number[];
  /** Skip the throughput cells (profiling, smoke test). */
  skipThroughput?: boolean;
}

type Class = 'firstRegistry' | 'firstRepository' | 'seen';

interface EventSample {
  ms: number;
  cpuMs?: number;
  calls: Counter;
  cls: Class;
  kind: ImageKind;
}

export interface ClassSummary {
  events: number;
  wallMs: Distribution;
  azureCallsPerEvent: { mean: number; max: number; byService: Record<Svc, number> };
  storageCallsPerEvent: number;
}

export interface LatencyRun {
  latencyMs: number;
  events: number;
  batch: number;
  concurrency: number;
  wallMs: Distribution;
  cpuMs?: Distribution;
  throughputPerSecond: number;
  azureCallsPerEvent: { mean: number; byService: Record<Svc, number> };
  storageCallsPerEvent: number;
  byClass: Record<Class, ClassSummary>;
  seenByKind: Record<ImageKind, { events: number; azureCallsMean: number; azureCallsMax: number; p95Ms: number }>;
  seenWithinTwoCalls: number;
  seenSingleArchWithinTwoCalls: number;
  /** Events of an already-seen registry that still re-read it from ARM (cache entry older than the bound). */
  seenArmRereads: number;
  /** p50/p95 wall and storage round trips per fifth of the run, in order: shows whether cost grows as findings accumulate. */
  byQuintile: Array<{ p50: number; p95: number; storageCallsPerEvent: number }>;
  errors: number;
}

export interface ThroughputCell {
  latencyMs: number;
  batch: number;
  concurrency: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  azureCallsPerEvent: number;
}

export interface PushReport {
  machine: string;
  estate: { registries: number; repositories: number; pushedImages: number; kinds: Record<ImageKind, number>; adminPushes: number; generatedMs: number };
  registryCacheSeconds: number;
  azurite: 'child process';
  emulator: 'child process';
  runs: LatencyRun[];
  throughput: ThroughputCell[];
  targets: { p95OwnWorkMs: { target: number; actual: number; met: boolean }; seenCallsPerEvent: { target: number; actualMean: number; actualMaxSingleArch: number; met: boolean } };
}

function silentLog(counter: { warn: number; error: number }): Logger {
  return { info() {}, warn() { counter.warn++; }, error() { counter.error++; } };
}

function ctx(): InstanceType<typeof functionsSdk.InvocationContext> {
  return new functionsSdk.InvocationContext({ invocationId: `bench-${Math.random().toString(16).slice(2)}`, functionName: 'onImagePushedQueue', logHandler: () => undefined, triggerMetadata: { dequeueCount: 1 } });
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function runPushBench(o: PushOptions): Promise<PushReport> {
  const log = o.progress ?? (() => undefined);
  const seed = o.seed ?? 42;
  const now = new Date();
  const concurrency = o.concurrency ?? 8;
  const t0 = performance.now();
  const { estate, images } = pushEstate({ seed, images: o.events, now });
  const generatedMs = performance.now() - t0;
  const kinds = { labels: 0, annotated: 0, unlabeled: 0, multiarch: 0 } as Record<ImageKind, number>;
  for (const i of images) kinds[i.kind]++;

  let emulator: EmulatorChild | undefined;
  let azurite: AzuriteChild | undefined;
  const als = new AsyncLocalStorage<Counter>();
  const stopObserving = observeHttp((r) => {
    if (r.service === 'storage' || r.service === 'identity') {
      const c = als.getStore();
      if (c) c[r.service]++;
    }
  });
  try {
    [emulator, azurite] = await Promise.all([
      startEmulatorChild({ kind: 'emulator', estate: { preset: 'push', seed, images: o.events }, now: now.toISOString(), latencyMs: { arm: 0, resourceGraph: 0, registry: 0, logs: 0 } }),
      startAzuriteChild(),
    ]);
    process.env.IDENTITY_ENDPOINT = emulator.identityEndpoint;
    process.env.IDENTITY_HEADER = emulator.identityHeader;
    const credential = managedIdentityCredential();
    const em = emulator;
    const az = azurite;
    let table = 0;
    const onCall = (s: Svc) => { const c = als.getStore(); if (c) c[s]++; };
    const errors = { warn: 0, error: 0 };
    let cacheSeconds = 60;
    const hostFor = (): HostServices => {
      const host = buildHostServices({
        env: {
          AUDITOR_STORAGE: az.connectionString,
          AUDITOR_APPROVED_REGISTRIES: PUSH_APPROVED_REGISTRIES.join(','),
          AUDITOR_APPROVED_BASE_IMAGES: PUSH_APPROVED_BASE_IMAGES.join(','),
          AUDITOR_FINDINGS_TABLE: `benchpush${++table}`,
        },
        credential,
        agent: em.agent,
        onCall,
        log: silentLog(errors),
      });
      cacheSeconds = host.services.config.registryCacheSeconds;
      return host;
    };

    /** One run: fresh services (cold registry cache, new SDK clients) and a fresh findings table. */
    const run = async (latencyMs: number, batch: number, conc: number, count: number, phase: string, sequentialCpu: boolean) => {
      await em.setLatency({ arm: latencyMs, resourceGraph: latencyMs, registry: latencyMs, logs: latencyMs });
      const host = hostFor();
      const handler = makeQueueHandler(() => host);
      const subset = images.slice(0, count);
      const events = pushEvents(subset, now, phase);
      const seenRegistries = new Set<string>();
      const seenRepos = new Set<string>();
      const batches: Array<{ events: Record<string, unknown>[]; imgs: PushedImage[] }> = [];
      for (let i = 0; i < events.length; i += batch) batches.push({ events: events.slice(i, i + batch), imgs: subset.slice(i, i + batch) });
      const samples: EventSample[] = [];
      let failures = 0;
      const started = performance.now();
      await pool(batches, conc, async (b) => {
        const classes = b.imgs.map((img): Class => {
          const repoKey = `${img.loginServer}/${img.repository}`;
          const cls: Class = !seenRegistries.has(img.registryId) ? 'firstRegistry' : !seenRepos.has(repoKey) ? 'firstRepository' : 'seen';
          seenRegistries.add(img.registryId);
          seenRepos.add(repoKey);
          return cls;
        });
        const counter = zero();
        const cpu0 = sequentialCpu ? process.cpuUsage() : undefined;
        const s = performance.now();
        try {
          await als.run(counter, () => handler(b.events.length === 1 ? b.events[0] : b.events, ctx()));
        } catch {
          failures++;
        }
        const ms = performance.now() - s;
        const cpu = cpu0 ? process.cpuUsage(cpu0) : undefined;
        if (b.events.length === 1) {
          samples.push({ ms, ...(cpu ? { cpuMs: (cpu.user + cpu.system) / 1000 } : {}), calls: counter, cls: classes[0]!, kind: b.imgs[0]!.kind });
        } else {
          const per = zero();
          for (const k of Object.keys(per) as Array<keyof Counter>) per[k] = counter[k] / b.events.length;
          for (let i = 0; i < b.events.length; i++) samples.push({ ms: ms / b.events.length, calls: per, cls: classes[i]!, kind: b.imgs[i]!.kind });
        }
      });
      const seconds = (performance.now() - started) / 1000;
      await host.notifications?.close();
      return { samples, seconds, failures };
    };

    const summarise = (samples: EventSample[]): ClassSummary => {
      const by = (k: Svc) => round(samples.reduce((s, e) => s + e.calls[k], 0) / Math.max(1, samples.length), 3);
      return {
        events: samples.length,
        wallMs: roundDist(distribution(samples.map((e) => e.ms))),
        azureCallsPerEvent: { mean: round(samples.reduce((s, e) => s + azureOf(e.calls), 0) / Math.max(1, samples.length), 3), max: Math.max(0, ...samples.map((e) => azureOf(e.calls))), byService: { arm: by('arm'), resourceGraph: by('resourceGraph'), registry: by('registry'), logs: by('logs') } },
        storageCallsPerEvent: round(samples.reduce((s, e) => s + e.calls.storage, 0) / Math.max(1, samples.length), 3),
      };
    };

    const latencyRun = async (latencyMs: number, conc: number): Promise<LatencyRun> => {
      log(`push: ${o.events} events, ${latencyMs} ms latency, batch 1, concurrency ${conc}`);
      const { samples, seconds, failures } = await run(latencyMs, 1, conc, o.events, `lat${latencyMs}`, conc === 1);
      const all = summarise(samples);
      const seen = samples.filter((e) => e.cls === 'seen');
      const seenByKind = {} as LatencyRun['seenByKind'];
      for (const k of ['labels', 'annotated', 'unlabeled', 'multiarch'] as ImageKind[]) {
        const xs = seen.filter((e) => e.kind === k);
        seenByKind[k] = { events: xs.length, azureCallsMean: round(xs.reduce((s, e) => s + azureOf(e.calls), 0) / Math.max(1, xs.length), 3), azureCallsMax: Math.max(0, ...xs.map((e) => azureOf(e.calls))), p95Ms: round(distribution(xs.map((e) => e.ms)).p95) };
      }
      const single = seen.filter((e) => e.kind !== 'multiarch');
      return {
        latencyMs, events: samples.length, batch: 1, concurrency: conc,
        wallMs: all.wallMs,
        ...(conc === 1 ? { cpuMs: roundDist(distribution(samples.map((e) => e.cpuMs ?? 0))) } : {}),
        throughputPerSecond: round(samples.length / seconds, 1),
        azureCallsPerEvent: { mean: all.azureCallsPerEvent.mean, byService: all.azureCallsPerEvent.byService },
        storageCallsPerEvent: all.storageCallsPerEvent,
        byClass: { firstRegistry: summarise(samples.filter((e) => e.cls === 'firstRegistry')), firstRepository: summarise(samples.filter((e) => e.cls === 'firstRepository')), seen: summarise(seen) },
        seenByKind,
        seenWithinTwoCalls: round(seen.filter((e) => azureOf(e.calls) <= 2).length / Math.max(1, seen.length), 4),
        seenSingleArchWithinTwoCalls: round(single.filter((e) => azureOf(e.calls) <= 2).length / Math.max(1, single.length), 4),
        seenArmRereads: seen.filter((e) => e.calls.arm > 0).length,
        byQuintile: [0, 1, 2, 3, 4].map((q) => {
          const xs = samples.slice(Math.floor((q * samples.length) / 5), Math.floor(((q + 1) * samples.length) / 5));
          const d = distribution(xs.map((e) => e.ms));
          return { p50: round(d.p50), p95: round(d.p95), storageCallsPerEvent: round(xs.reduce((s, e) => s + e.calls.storage, 0) / Math.max(1, xs.length), 3) };
        }),
        errors: failures,
      };
    };

    // Warm-up (JIT, managed-identity token, TLS sessions): not reported.
    log('push: warm-up');
    await run(0, 1, 1, Math.min(300, o.events), 'warmup', false);

    const runs: LatencyRun[] = [];
    for (const l of o.latencies ?? [0, 20]) runs.push(await latencyRun(l, l === 0 ? 1 : concurrency));

    const throughput: ThroughputCell[] = [];
    const tEvents = o.throughputEvents ?? Math.min(o.events, 2000);
    for (const latencyMs of o.skipThroughput ? [] : [0, 20]) {
      for (const conc of [1, concurrency]) {
        for (const batch of [1, 10, 100]) {
          const count = latencyMs > 0 && conc === 1 ? Math.max(batch, Math.floor(tEvents / 4)) : tEvents;
          log(`push throughput: ${count} events, ${latencyMs} ms, batch ${batch}, concurrency ${conc}`);
          const r = await run(latencyMs, batch, conc, count, `tp${latencyMs}-${batch}-${conc}`, false);
          throughput.push({
            latencyMs, batch, concurrency: conc, events: r.samples.length, seconds: round(r.seconds, 2), eventsPerSecond: round(r.samples.length / r.seconds, 1),
            azureCallsPerEvent: round(r.samples.reduce((s, e) => s + azureOf(e.calls), 0) / Math.max(1, r.samples.length), 3),
          });
        }
      }
    }

    const zeroRun = runs[0]!;
    const seenSingleMax = Math.max(0, ...(['labels', 'annotated', 'unlabeled'] as ImageKind[]).map((k) => zeroRun.seenByKind[k].azureCallsMax));
    return {
      machine: '',
      estate: {
        registries: Object.keys(estate.registryContent).length,
        repositories: Object.values(estate.registryContent).reduce((s, c) => s + Object.keys(c.repositories).length, 0),
        pushedImages: images.length, kinds, adminPushes: images.filter((i) => i.admin).length, generatedMs: round(generatedMs, 0),
      },
      registryCacheSeconds: cacheSeconds,
      azurite: 'child process',
      emulator: 'child process',
      runs,
      throughput,
      targets: {
        p95OwnWorkMs: { target: 15, actual: zeroRun.wallMs.p95, met: zeroRun.wallMs.p95 < 15 },
        seenCallsPerEvent: { target: 2, actualMean: zeroRun.byClass.seen.azureCallsPerEvent.mean, actualMaxSingleArch: seenSingleMax, met: seenSingleMax <= 2 },
      },
    };
  } finally {
    stopObserving();
    await Promise.allSettled([emulator?.stop(), azurite?.stop()]);
  }
}

function roundDist(d: Distribution): Distribution {
  return { n: d.n, mean: round(d.mean), p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
