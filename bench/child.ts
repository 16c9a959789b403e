/**
 * Child-process entry of the benchmarks: runs the loopback emulator or an embedded Azurite in its own
 * process, so that their CPU and memory are not counted as the auditor's. Spoken to over IPC
 * (bench/children.ts): `start` -> `ready`, then `calls`, `resetCalls`, `setLatency`, `usage`, `stop`.
 * The emulator generates its estate itself from a few parameters (a preset name and a seed), so the
 * 95 MB of a large estate never cross the process boundary.
 */
import { createHash } from 'node:crypto';
import { loadEstate, startEmulator, type RunningEmulator } from '../emulator/index.js';
import { SYNTHETIC_SIZES, syntheticEstate } from '../estates/synthetic.js';
import type { EstateDocument } from '../estates/build.js';
import { startAzurite, type RunningAzurite } from '../shared/local/azurite.js';
import { pushEstate } from './pushEstate.js';

export type Latency = { arm?: number; resourceGraph?: number; registry?: number; logs?: number };
export type Quotas = {
  resourceGraph?: { requests: number; perSeconds: number };
  registryReadsPerMinute?: { Basic?: number; Standard?: number; Premium?: number };
  armReads?: { burst: number; refillPerSecond: number };
};

/**
 * The nightly sizes: the synthetic presets, and `large-slice`, a fifth of the large estate with the same
 * registries (40 repositories x 50 manifests, 5 sub-assessments each) and workloads per subscription, so a
 * shard holds what a large shard holds (per-shard memory as at large, in a fifth of the time).
 */
export const BENCH_SIZES = {
  ...SYNTHETIC_SIZES,
  'large-slice': { ...SYNTHETIC_SIZES.large, subscriptions: 4, registries: 20, workloads: 2_000 },
} as const;

export type ChildSpec =
  | { kind: 'azurite' }
  | { kind: 'emulator'; estate: { preset: 'push'; seed: number; images: number } | { preset: keyof typeof BENCH_SIZES }; now: string; latencyMs?: Latency; quotas?: Quotas };

export type ChildRequest =
  | { id: number; op: 'calls' | 'resetCalls' | 'usage' | 'stop' }
  | { id: number; op: 'setLatency'; latencyMs: Latency }
  | { id: number; op: 'changeImages'; fraction: number; at: string };

/**
 * Re-pushes about `fraction` of the estate's manifests (chosen by a hash of the digest): each
 * chosen manifest is replaced by a new image under the same tags (new digest, created at `at`), as a
 * rebuild pushed over an existing tag. Each touched repository gets a new manifest array, so the
 * emulator's per-array indexes are rebuilt. Returns the number of manifests replaced.
 */
function changeImages(doc: { registryContent: Record<string, { repositories: Record<string, { manifests: Array<Record<string, unknown> & { digest: string }> }> }> }, fraction: number, at: string): number {
  const stride = Math.max(1, Math.round(1 / fraction));
  let changed = 0;
  for (const host of Object.keys(doc.registryContent).sort()) {
    const repos = doc.registryContent[host]!.repositories;
    for (const name of Object.keys(repos).sort()) {
      const repo = repos[name]!;
      let copy: typeof repo.manifests | undefined;
      repo.manifests.forEach((m, i) => {
        // Chosen by a hash of the digest, not by position: a positional stride aliases with the synthetic
        // estate's fixed manifests per repository (every 100th manifest is always the oldest, untagged one).
        if (parseInt(createHash('sha256').update(`pick:${m.digest}`).digest('hex').slice(0, 8), 16) % stride !== 0) return;
        copy ??= [...repo.manifests];
        const hex = createHash('sha256').update(`changed:${host}/${name}@${m.digest}:${at}`).digest('hex');
        copy[i] = { ...m, digest: `sha256:${hex}`, createdTime: at, lastUpdateTime: at };
        changed++;
      });
      if (copy) repo.manifests = copy;
    }
  }
  return changed;
}

function send(message: unknown): void {
  process.send!(message);
}

async function main(): Promise<void> {
  const spec = await new Promise<ChildSpec>((resolve) => process.once('message', (m) => resolve(m as ChildSpec)));
  let emulator: RunningEmulator | undefined;
  let azurite: RunningAzurite | undefined;
  if (spec.kind === 'azurite') {
    azurite = await startAzurite();
    send({ type: 'ready', connectionString: azurite.connectionString });
  } else {
    const now = new Date(spec.now);
    const t0 = performance.now();
    let doc: EstateDocument;
    if (spec.estate.preset === 'push') doc = pushEstate({ seed: spec.estate.seed, images: spec.estate.images, now }).estate;
    // BENCH_SUBASSESSMENTS=N overrides the preset's sub-assessments per manifest (0: the nightly run without Defender rows, to measure their cost).
    // BENCH_SIGNING=P (npm run bench -- --signing P): P% of the repositories sign their tagged images (issue 15).
    else doc = syntheticEstate({ ...BENCH_SIZES[spec.estate.preset], now, ...(process.env.BENCH_SUBASSESSMENTS !== undefined ? { subAssessmentsPerManifest: Number(process.env.BENCH_SUBASSESSMENTS) } : {}), ...(process.env.BENCH_SIGNING ? { signingPercent: Number(process.env.BENCH_SIGNING) } : {}) });
    doc.emulator = { ...(spec.latencyMs ? { latencyMs: spec.latencyMs } : {}), ...(spec.quotas ? { quotas: spec.quotas } : {}) };
    const estate = loadEstate(doc, `bench ${spec.estate.preset}`);
    const generatedMs = performance.now() - t0;
    const registries = doc.resources.filter((r) => String(r.type).toLowerCase() === 'microsoft.containerregistry/registries').map((r) => {
      const p = r.properties as { loginServer: string; adminUserEnabled?: boolean };
      return { loginServer: p.loginServer.toLowerCase(), sku: String((r.sku as { name?: string } | undefined)?.name ?? 'Standard'), adminUserEnabled: p.adminUserEnabled === true };
    });
    let repositories = 0;
    let manifests = 0;
    for (const c of Object.values(doc.registryContent)) for (const repo of Object.values(c.repositories)) { repositories++; manifests += repo.manifests.length; }
    const workloads = doc.resources.filter((r) => /^(microsoft\.containerinstance|microsoft\.app|microsoft\.web)\//i.test(String(r.type))).length;
    const summary = { subscriptions: doc.subscriptions.length, registries, repositories, manifests, workloads };
    emulator = await startEmulator({ estate, now: () => now });
    send({ type: 'ready', port: emulator.port, caPem: emulator.caPem, identityEndpoint: emulator.identityEndpoint, identityHeader: emulator.identityHeader, generatedMs, summary });
  }
  process.on('message', (raw) => {
    const m = raw as ChildRequest;
    void (async () => {
      let result: unknown;
      switch (m.op) {
        case 'calls': result = emulator?.calls(); break;
        case 'resetCalls': emulator?.resetCalls(); break;
        case 'setLatency': if (emulator) emulator.estate.emulator.latencyMs = m.latencyMs; break;
        case 'changeImages': result = emulator ? changeImages(emulator.estate as unknown as Parameters<typeof changeImages>[0], m.fraction, m.at) : 0; break;
        case 'usage': result = { cpu: process.cpuUsage(), rss: process.memoryUsage().rss }; break;
        case 'stop':
          await emulator?.close();
          await azurite?.close();
          send({ id: m.id, result: null });
          process.disconnect();
          return;
      }
      send({ id: m.id, result });
    })();
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  process.exitCode = 1;
});
