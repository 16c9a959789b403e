/**
 * The floor of a nightly run: the shortest wall time that the quotas and the latency allow with ideal
 * parallelism, computed from the calls the run actually made (docs/benchmarks.md explains the model).
 */
import type { ObservedRequest } from './stats.js';
import { round } from './stats.js';

export interface FloorInputs {
  latencyMs: { arm: number; resourceGraph: number; registry: number; logs: number };
  quotas: { resourceGraph: { requests: number; perSeconds: number }; registryReadsPerMinute: Record<string, number>; armReads: { burst: number; refillPerSecond: number } };
  /** Login server (lower-case) -> SKU. */
  skus: Map<string, string>;
  /** Login servers of registries whose admin user is enabled (their shard also reads resourcechanges and the logs). */
  adminEnabled: Set<string>;
}

export interface Floor {
  seconds: number;
  binding: string;
  /** The stricter model: no one-minute ACR burst (a registry's reads / its per-minute rate). */
  strictSeconds: number;
  strictBinding: string;
  parts: {
    resourceGraphQuota: number;
    armQuota: number;
    registryQuotaMax: number;
    registryQuotaSimpleMax: number;
    planChain: number;
    registryShardChainMax: number;
    workloadShardChainMax: number;
  };
  model: Record<string, string>;
}

export function computeFloor(requests: readonly ObservedRequest[], f: FloorInputs): Floor {
  const L = { arm: f.latencyMs.arm / 1000, rg: f.latencyMs.resourceGraph / 1000, reg: f.latencyMs.registry / 1000, logs: f.latencyMs.logs / 1000 };
  // Resource Graph: a window of `requests` per `perSeconds`; the first window is free.
  const rgCalls = requests.filter((r) => r.service === 'resourceGraph').length;
  const q = f.quotas.resourceGraph;
  const resourceGraphQuota = rgCalls ? (Math.ceil(rgCalls / q.requests) - 1) * q.perSeconds + L.rg : 0;

  // ARM reads: per subscription, a bucket of `burst` refilled at `refillPerSecond`.
  const armBySub = new Map<string, number>();
  for (const r of requests) {
    if (r.service !== 'arm') continue;
    const sub = /^\/subscriptions\/([^/]+)/i.exec(r.path)?.[1]?.toLowerCase() ?? 'tenant';
    armBySub.set(sub, (armBySub.get(sub) ?? 0) + 1);
  }
  let armQuota = 0;
  for (const n of armBySub.values()) armQuota = Math.max(armQuota, Math.max(0, n - f.quotas.armReads.burst) / f.quotas.armReads.refillPerSecond + L.arm);

  // Registry data plane, per registry: reads (GET/HEAD) against its SKU's bucket (burst = one minute's worth);
  // and the longest chain of dependent calls.
  const perHost = new Map<string, { reads: number; catalogPages: number; manifestPages: Map<string, number>; manifestGets: number }>();
  for (const r of requests) {
    if (r.service !== 'registry') continue;
    let h = perHost.get(r.host);
    if (!h) perHost.set(r.host, (h = { reads: 0, catalogPages: 0, manifestPages: new Map(), manifestGets: 0 }));
    if (r.method === 'GET' || r.method === 'HEAD') h.reads++;
    if (r.status === 401) continue;
    if (r.path === '/acr/v1/_catalog') h.catalogPages++;
    const m = /^\/acr\/v1\/(.+)\/_manifests$/.exec(r.path);
    if (m) h.manifestPages.set(m[1]!, (h.manifestPages.get(m[1]!) ?? 0) + 1);
    else if (/^\/acr\/v1\/.+\/_manifests\/[^/]+$/.test(r.path)) h.manifestGets++;
  }
  let registryQuotaMax = 0;
  let registryQuotaSimpleMax = 0;
  let registryShardChainMax = 0;
  // ACR tokens (issue 18 item 1, shared/inventory/acrTokens.ts): one AAD -> refresh-token exchange per
  // registry and one access token per scope, asked for up front (no 401 probe). Before the catalog:
  // exchange + catalog token; before a repository's manifests: its repository token.
  const AUTH_CATALOG = 2;
  const AUTH_REPOSITORY = 1;
  for (const [host, h] of perHost) {
    const perMinute = f.quotas.registryReadsPerMinute[f.skus.get(host) ?? 'Standard'] ?? 3000;
    registryQuotaMax = Math.max(registryQuotaMax, Math.max(0, h.reads - perMinute) / (perMinute / 60));
    registryQuotaSimpleMax = Math.max(registryQuotaSimpleMax, (h.reads / perMinute) * 60);
    if (h.catalogPages === 0) continue; // only workload lookups: counted in the workload chain
    const maxRepoPages = Math.max(0, ...h.manifestPages.values());
    const dataPlane = (AUTH_CATALOG + h.catalogPages + AUTH_REPOSITORY + maxRepoPages) * L.reg;
    const admin = f.adminEnabled.has(host) ? Math.max(L.rg, L.arm + L.logs) : 0;
    registryShardChainMax = Math.max(registryShardChainMax, Math.max(dataPlane, L.arm, admin));
  }
  // Workloads shard: the subscription's workload query, then every image lookup in parallel
  // (exchange + repository token + the tag or manifest read).
  const workloadShardChainMax = L.rg + (AUTH_CATALOG + 1) * L.reg;
  // Planning: subscriptions, then registries and workspaces (in parallel), one page each at these sizes.
  const planChain = 2 * L.rg;

  const candidates: Array<[string, number]> = [
    ['Resource Graph quota', resourceGraphQuota],
    ['ARM quota', armQuota],
    ['planning + registry quota', planChain + registryQuotaMax],
    ['planning + longest shard chain', planChain + Math.max(registryShardChainMax, workloadShardChainMax)],
  ];
  const [binding, seconds] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  const strict: Array<[string, number]> = candidates.map(([k, v]) => (k === 'planning + registry quota' ? ['planning + registry quota (no burst)', planChain + registryQuotaSimpleMax] : [k, v]));
  const [strictBinding, strictSeconds] = strict.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    seconds: round(seconds, 3),
    binding,
    strictSeconds: round(strictSeconds, 3),
    strictBinding,
    parts: {
      resourceGraphQuota: round(resourceGraphQuota, 3), armQuota: round(armQuota, 3), registryQuotaMax: round(registryQuotaMax, 3), registryQuotaSimpleMax: round(registryQuotaSimpleMax, 3),
      planChain: round(planChain, 3), registryShardChainMax: round(registryShardChainMax, 3), workloadShardChainMax: round(workloadShardChainMax, 3),
    },
    model: {
      resourceGraphQuota: `(ceil(${rgCalls} calls / ${q.requests}) - 1) x ${q.perSeconds} s + one latency`,
      armQuota: `max over subscriptions of (calls - ${f.quotas.armReads.burst}) / ${f.quotas.armReads.refillPerSecond} per s`,
      registryQuota: 'max over registries of (reads - perMinute) / (perMinute / 60 s) (bucket, burst = one minute); registryQuotaSimpleMax = reads / perMinute (no burst), for reference',
      chains: 'planning 2 x RG latency; registry shard max(arm, admin: max(RG, arm + logs), (exchange + catalog token + catalog pages + repository token + max manifest pages of a repository) x registry latency); workload shard RG + (exchange + token + read) x registry latency',
      strict: 'as above, with the registry quota taken as reads / perMinute (no one-minute burst)',
    },
  };
}
