/**
 * Transient Azure failures never become gaps: every call the auditor makes (Resource Graph, ARM, Log
 * Analytics and every registry call, the ACR token exchange included) is retried.
 *
 * The faults are deterministic: `firstPerRequest: N` fails the first N arrivals of each distinct
 * request (method, host, path, query) and then lets it through, whatever the concurrency. The harness
 * retries 3 times (4 attempts), so N = 3 must always succeed and N = 4 must always fail: the negative
 * control proves the test would see a call that is not retried.
 */
import { describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { makeQueueHandler } from '../../functions/onImagePushed.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const SETTINGS = {
  AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
  AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(','),
};
/** The harness's SDK retry count (test/support/harness.ts). */
const MAX_RETRIES = 3;

type Fault = { service: string; status: number | 'reset'; firstPerRequest: number; path?: string };

async function openIds(h: Harness): Promise<string[]> {
  const out: string[] = [];
  for await (const f of h.host.services.findings.listFindings({ status: 'open' })) out.push((f as StoredFinding).id);
  return out.sort();
}

async function nightly(faults: Fault[], quotas?: unknown) {
  const estate = demoEstate(NOW) as Record<string, unknown>;
  if (faults.length || quotas) estate.emulator = { ...(quotas ? { quotas } : {}), faults };
  const h = await startHarness({ estate, settings: SETTINGS, now: NOW });
  try {
    const s = h.host.services;
    // One delivery per shard: a failed attempt is not hidden by the queue's own redelivery.
    const r = await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId: 'run', workers: 3, maxDequeueCount: 1, retryAfterSeconds: 1, timeoutInMs: 60_000 });
    const shards = await s.runs.listShards('run');
    return {
      status: r.run.status,
      gaps: shards.flatMap((x) => x.gaps.map((g) => `${g.scope}: ${g.reason}`)),
      open: await openIds(h),
      faulted: [...h.emulator.faultedRequests().keys()],
      injected: h.emulator.faultsInjected(),
    };
  } finally {
    await h.close();
  }
}

function kinds(faulted: string[]): Set<string> {
  // `registry GET host /acr/v1/team%2Fweb/_manifests?...` -> `GET /acr/v1/{repository}/_manifests`
  return new Set(faulted.map((k) => {
    const [, method, , url] = k.split(' ');
    const path = (url ?? '').replace(/\?.*$/, '');
    return `${method} ${path.replace(/^\/acr\/v1\/(?!_catalog)[^/]+\//, '/acr/v1/{repository}/').replace(/^\/v2\/.+\/(manifests|blobs)\/.+$/, '/v2/{repository}/$1/{reference}')}`;
  }));
}

describe('transient faults on every kind of Azure call are retried, never a gap', () => {
  let clean: Awaited<ReturnType<typeof nightly>>;

  it('a clean nightly run (the reference)', async () => {
    clean = await nightly([]);
    expect(clean.status).toBe('complete');
    expect(clean.open.length).toBeGreaterThan(0);
  });

  it(`nightly: every registry call (challenge, token exchange, catalog, manifests) answering 503 ${MAX_RETRIES} times in a row still gets through`, async () => {
    const r = await nightly([{ service: 'registry', status: 503, firstPerRequest: MAX_RETRIES }]);
    expect(r.gaps).toEqual([]);
    expect(r.status).toBe('complete');
    expect(r.open).toEqual(clean.open);
    const seen = kinds(r.faulted);
    for (const k of ['POST /oauth2/exchange', 'POST /oauth2/token', 'GET /acr/v1/_catalog', 'GET /acr/v1/{repository}/_manifests']) expect(seen, k).toContain(k);
  }, 60_000);

  it('nightly: ARM resets, Log Analytics 500s and Resource Graph 429s (quota and injected) still get through', async () => {
    const r = await nightly([
      { service: 'arm', status: 'reset', firstPerRequest: MAX_RETRIES },
      { service: 'logs', status: 500, firstPerRequest: MAX_RETRIES },
      { service: 'resourceGraph', status: 429, firstPerRequest: 1 },
    ], { resourceGraph: { requests: 3, perSeconds: 1 } });
    expect(r.gaps).toEqual([]);
    expect(r.status).toBe('complete');
    expect(r.open).toEqual(clean.open);
    expect(r.injected.arm).toBeGreaterThan(0);
    expect(r.injected.logs).toBeGreaterThan(0);
    expect(r.injected.resourceGraph).toBeGreaterThan(0);
  }, 60_000);

  it(`negative control: a token call failing ${MAX_RETRIES + 1} times (past the retries) is a gap naming the 503, and the run is partial`, async () => {
    const r = await nightly([{ service: 'registry', status: 503, firstPerRequest: MAX_RETRIES + 1, path: '^/oauth2/token$' }]);
    expect(r.status).toBe('partial');
    expect(r.gaps.some((g) => /503/.test(g))).toBe(true);
  }, 60_000);

  it(`push: every registry call of the push audit (manifest, config blob, token exchange) answering 503 ${MAX_RETRIES} times gives the same findings`, async () => {
    const run = async (faults: Fault[]) => {
      const estate = demoEstate(NOW) as Record<string, unknown>;
      if (faults.length) estate.emulator = { faults };
      const h = await startHarness({ estate, settings: SETTINGS, now: NOW });
      try {
        const handler = makeQueueHandler(() => h.host);
        for (const e of demoPushEvents(NOW)) {
          await handler(e, new InvocationContext({ invocationId: 'i', functionName: 'onImagePushedQueue', logHandler: () => undefined, triggerMetadata: { dequeueCount: 1 } }));
        }
        const gaps: StoredFinding[] = [];
        for await (const f of h.host.services.findings.listFindings({ status: 'open' })) if (f.ruleId === 'audit.scope-readable') gaps.push(f);
        return { open: await openIds(h), gaps, faulted: kinds([...h.emulator.faultedRequests().keys()]), injected: h.emulator.faultsInjected() };
      } finally {
        await h.close();
      }
    };
    const reference = await run([]);
    const faulty = await run([{ service: 'registry', status: 503, firstPerRequest: MAX_RETRIES }, { service: 'arm', status: 503, firstPerRequest: MAX_RETRIES }]);
    expect(faulty.gaps).toEqual([]);
    expect(faulty.open).toEqual(reference.open);
    for (const k of ['POST /oauth2/exchange', 'POST /oauth2/token', 'GET /v2/{repository}/manifests/{reference}']) expect(faulty.faulted, k).toContain(k);
    expect(faulty.injected.arm).toBeGreaterThan(0);
  }, 60_000);
});
