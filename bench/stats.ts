/** Small measuring tools: percentiles, a memory sampler, and an observer of this process's outgoing HTTP requests. */
import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

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

/** Samples RSS and heapUsed every `everyMs` until stopped; reports the peaks. */
export function memorySampler(everyMs = 50): { stop(): { peakRssMb: number; peakHeapUsedMb: number; samples: number } } {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  sample();
  const t = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(t);
      sample();
      return { peakRssMb: round(peakRss / 1048576, 1), peakHeapUsedMb: round(peakHeap / 1048576, 1), samples };
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
