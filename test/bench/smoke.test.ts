/**
 * Smoke test of the benchmark code at a tiny size: the report has the expected fields and counts.
 * No timing assertions (timings depend on the machine); `npm run bench` is where figures come from.
 */
import { describe, expect, it } from 'vitest';
import { computeFloor } from '../../bench/floor.js';
import { runPushBench } from '../../bench/push.js';
import { formatPush } from '../../bench/report.js';
import { parseBenchArgs } from '../../bench/run.js';
import { distribution, memorySampler, type ObservedRequest } from '../../bench/stats.js';
import { NIGHTLY_LATENCY, NIGHTLY_QUOTAS } from '../../bench/nightly.js';

describe('bench', () => {
  it('parses its options and rejects unknown sizes', () => {
    expect(parseBenchArgs(['--json', '--only', 'push', '--events', '50'])).toMatchObject({ json: true, only: 'push', events: 50, sizes: ['small', 'medium', 'large'] });
    expect(parseBenchArgs(['--sizes', 'small,medium']).sizes).toEqual(['small', 'medium']);
    expect(parseBenchArgs(['--sizes', 'large-slice']).sizes).toEqual(['large-slice']);
    expect(() => parseBenchArgs(['--sizes', 'huge'])).toThrow(/unknown size/);
    expect(() => parseBenchArgs(['--only', 'both'])).toThrow(/--only/);
    expect(parseBenchArgs([])).toMatchObject({ nights: 3, nightHours: 24, compiled: false });
    expect(parseBenchArgs(['--compiled']).compiled).toBe(true);
    expect(parseBenchArgs(['--nights', '1', '--night-hours', '0'])).toMatchObject({ nights: 1, nightHours: 0 });
    expect(() => parseBenchArgs(['--nights', '0'])).toThrow(/--nights/);
  });

  it('samples memory: peaks of RSS and heap, and what is not heap at the RSS peak', () => {
    const m = memorySampler(5).stop();
    expect(m.peakRssMb).toBeGreaterThan(0);
    expect(m.peakHeapUsedMb).toBeGreaterThan(0);
    expect(m.peakHeapUsedMb).toBeLessThan(m.peakRssMb);
    expect(m.nonHeapAtPeakRssMb).toBeGreaterThan(0);
    expect(m.majorGcs).toBeGreaterThanOrEqual(0);
    expect(m.snapshot).toBeUndefined();
  });

  it('computes percentiles and the floor from observed calls', () => {
    expect(distribution([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toMatchObject({ n: 10, p50: 5, p95: 10, max: 10 });
    const reqs: ObservedRequest[] = [
      ...Array.from({ length: 31 }, (): ObservedRequest => ({ service: 'resourceGraph', host: 'management.azure.com', method: 'POST', path: '/providers/Microsoft.ResourceGraph/resources', status: 200 })),
      { service: 'registry', host: 'r.azurecr.io', method: 'GET', path: '/acr/v1/_catalog', status: 200 },
      { service: 'registry', host: 'r.azurecr.io', method: 'GET', path: '/acr/v1/team/api/_manifests', status: 200 },
    ];
    const floor = computeFloor(reqs, { latencyMs: NIGHTLY_LATENCY, quotas: NIGHTLY_QUOTAS, skus: new Map([['r.azurecr.io', 'Basic']]), adminEnabled: new Set() });
    // 31 Resource Graph calls: two windows of 5 s after the first, plus one call's latency.
    expect(floor.parts.resourceGraphQuota).toBeCloseTo(10.2, 5);
    expect(floor.binding).toBe('Resource Graph quota');
    // Registry chain after issue 18 item 1: exchange + catalog token + 1 catalog page + repository token + 1 manifest page.
    expect(floor.parts.registryShardChainMax).toBeCloseTo(5 * NIGHTLY_LATENCY.registry / 1000, 5);
    expect(floor.strictSeconds).toBeGreaterThanOrEqual(floor.seconds);
  });

  it('runs the push benchmark on a few events against the emulator and Azurite (child processes)', async () => {
    const r = await runPushBench({ events: 24, latencies: [0], skipThroughput: true });
    const run = r.runs[0]!;
    expect(run.events).toBe(24);
    expect(run.errors).toBe(0);
    expect(run.byClass.firstRegistry.events + run.byClass.firstRepository.events + run.byClass.seen.events).toBe(24);
    expect(run.byClass.firstRegistry.azureCallsPerEvent.byService.arm).toBeGreaterThan(0);
    expect(run.wallMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) }));
    expect(run.byQuintile).toHaveLength(5);
    expect(r.registryCacheSeconds).toBe(60);
    expect(r.estate.pushedImages).toBe(24);
    expect(formatPush(r)).toContain('Push handler');
  }, 60_000);
});
