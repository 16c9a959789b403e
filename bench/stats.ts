/** Small measuring tools: percentiles, a memory sampler, and an observer of this process's outgoing HTTP requests. */
import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import path from 'node:path';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';

export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  if (!values.length) return { n: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { n: sorted.length, mean: sorted.reduce((s, v) => s + v, 0) / sorted.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted[sorted.length - 1]! };
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

export interface MemoryPeaks {
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** The largest heapUsed seen right after a full (mark-compact) GC: the live set, without the garbage V8 had not collected yet. */
  peakLiveHeapMb: number;
  /** Full GCs during the sampling. */
  majorGcs: number;
  /** RSS minus V8's committed heap at the RSS peak (code, native buffers, the loader). */
  nonHeapAtPeakRssMb: number;
  /** External (ArrayBuffer, Buffer) memory at the RSS peak. */
  externalAtPeakRssMb: number;
  samples: number;
  /** Heap snapshot written during the run (BENCH_HEAP_SNAPSHOT), if any. */
  snapshot?: string;
}

export interface MemorySamplerOptions {
  /**
   * Write one V8 heap snapshot into this directory at the first full GC after which the live heap exceeds
   * `snapshotAboveMb` (diagnosis only: writing it stops the process for seconds and doubles its memory).
   */
  snapshotDir?: string;
  snapshotAboveMb?: number;
  snapshotLabel?: string;
}

/**
 * Samples RSS and heapUsed every `everyMs` until stopped; reports the peaks, and the live heap after
 * each full GC (a PerformanceObserver on `gc` entries: heapUsed read when the entry is delivered, right
 * after the collection).
 */
export function memorySampler(everyMs = 50, o: MemorySamplerOptions = {}): { stop(): MemoryPeaks } {
  let peakRss = 0;
  let peakHeap = 0;
  let peakLive = 0;
  let majorGcs = 0;
  let nonHeapAtPeak = 0;
  let externalAtPeak = 0;
  let samples = 0;
  let snapshot: string | undefined;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > peakRss) {
      peakRss = m.rss;
      nonHeapAtPeak = m.rss - m.heapTotal;
      externalAtPeak = m.external;
    }
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      majorGcs++;
      const live = process.memoryUsage().heapUsed;
      if (live > peakLive) peakLive = live;
      if (o.snapshotDir && snapshot === undefined && live > (o.snapshotAboveMb ?? 0) * 1048576) {
        snapshot = v8.writeHeapSnapshot(path.join(o.snapshotDir, `${o.snapshotLabel ?? 'bench'}-${Math.round(live / 1048576)}MB-${Date.now()}.heapsnapshot`));
      }
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  sample();
  const t = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(t);
      gc.disconnect();
      sample();
      const mb = (x: number) => round(x / 1048576, 1);
      return {
        peakRssMb: mb(peakRss), peakHeapUsedMb: mb(peakHeap), peakLiveHeapMb: mb(peakLive), majorGcs, nonHeapAtPeakRssMb: mb(nonHeapAtPeak), externalAtPeakRssMb: mb(externalAtPeak), samples,
        ...(snapshot ? { snapshot } : {}),
      };
    },
  };
}

export type AzureService = 'arm' | 'resourceGraph' | 'registry' | 'logs' | 'identity' | 'storage' | 'other';

export interface ObservedRequest {
  service: AzureService;
  host: string;
  method: string;
  path: string;
  status?: number;
}

export function serviceOf(host: string, path: string): AzureService {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (h === 'management.azure.com') return /^\/providers\/microsoft\.resourcegraph\//i.test(path) ? 'resourceGraph' : 'arm';
  if (h.endsWith('.azurecr.io')) return 'registry';
  if (h === 'api.loganalytics.io' || h === 'api.loganalytics.azure.com') return 'logs';
  if (h === '127.0.0.1' || h === 'localhost') return path.startsWith('/msi/') ? 'identity' : 'storage';
  return 'other';
}

/**
 * Every HTTP request this process sends (node:diagnostics_channel), with its response status:
 * per-host detail that the SDK call counter (`onCall`, per service) does not give.
 */
export function observeHttp(onFinish: (r: ObservedRequest) => void): () => void {
  const started = diagnostics_channel.channel('http.client.request.start');
  const finished = diagnostics_channel.channel('http.client.response.finish');
  const seen = new WeakMap<ClientRequest, ObservedRequest>();
  const onStart = (msg: unknown) => {
    const request = (msg as { request: ClientRequest }).request;
    const host = String(request.getHeader('host') ?? request.host ?? '');
    const path = request.path.split('?')[0] ?? '';
    seen.set(request, { service: serviceOf(host, path), host: host.toLowerCase().replace(/:\d+$/, ''), method: request.method, path });
  };
  const onResponse = (msg: unknown) => {
    const { request, response } = msg as { request: ClientRequest; response: IncomingMessage };
    const r = seen.get(request);
    if (!r) return;
    seen.delete(request);
    onFinish({ ...r, ...(response.statusCode !== undefined ? { status: response.statusCode } : {}) });
  };
  started.subscribe(onStart);
  finished.subscribe(onResponse);
  return () => { started.unsubscribe(onStart); finished.unsubscribe(onResponse); };
}
