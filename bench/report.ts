/** Text rendering of the bench reports. */
import type { NightlyReport } from './nightly.js';
import type { PushReport } from './push.js';

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const yes = (b: boolean) => (b ? 'MET' : 'MISSED');

export function formatPush(p: PushReport): string {
  const out: string[] = [];
  out.push('== Push handler (functions/onImagePushed.ts makeQueueHandler; emulator and Azurite in child processes) ==');
  out.push(`estate: ${p.estate.registries} registries, ${p.estate.repositories} repositories, ${p.estate.pushedImages} pushed images with content ` +
    `(${Object.entries(p.estate.kinds).map(([k, v]) => `${k} ${v}`).join(', ')}; admin pushes ${p.estate.adminPushes})`);
  out.push(`registry-state cache bound: AUDITOR_REGISTRY_CACHE_SECONDS = ${p.registryCacheSeconds} s (entries older than that are re-read from ARM; at most 1,000 registries, LRU)`);
  out.push('');
  out.push(table(
    ['run', 'events', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'CPU p50/p95 ms', 'Azure calls/event', 'storage calls/event', 'events/s', 'errors'],
    p.runs.map((r) => [`${r.latencyMs} ms latency, concurrency ${r.concurrency}`, r.events, r.wallMs.p50, r.wallMs.p95, r.wallMs.p99, r.wallMs.max,
      r.cpuMs ? `${r.cpuMs.p50}/${r.cpuMs.p95}` : '-', r.azureCallsPerEvent.mean, r.storageCallsPerEvent, r.throughputPerSecond, r.errors]),
  ));
  for (const r of p.runs) {
    out.push('');
    out.push(`-- ${r.latencyMs} ms latency: by class (first event of a registry = cache miss; first of a repository; already seen)`);
    out.push(table(['class', 'events', 'p50 ms', 'p95 ms', 'p99 ms', 'Azure calls/event (mean, max)', 'arm', 'registry', 'storage/event'],
      (['firstRegistry', 'firstRepository', 'seen'] as const).map((c) => {
        const s = r.byClass[c];
        return [c, s.events, s.wallMs.p50, s.wallMs.p95, s.wallMs.p99, `${s.azureCallsPerEvent.mean}, ${s.azureCallsPerEvent.max}`, s.azureCallsPerEvent.byService.arm, s.azureCallsPerEvent.byService.registry, s.storageCallsPerEvent];
      })));
    out.push(table(['already seen, by image kind', 'events', 'Azure calls mean', 'max', 'p95 ms'],
      Object.entries(r.seenByKind).map(([k, v]) => [k, v.events, v.azureCallsMean, v.azureCallsMax, v.p95Ms])));
    out.push(`already seen: ${(r.seenWithinTwoCalls * 100).toFixed(1)}% within 2 Azure calls (single-arch: ${(r.seenSingleArchWithinTwoCalls * 100).toFixed(1)}%); ARM re-reads after the cache bound: ${r.seenArmRereads}`);
    out.push(`by fifth of the run (p50/p95 ms, storage calls/event): ${r.byQuintile.map((q) => `${q.p50}/${q.p95} (${q.storageCallsPerEvent})`).join(' | ')}`);
  }
  out.push('');
  out.push('-- throughput (events/s; batch 1 = one event per Storage queue message, 10 and 100 = Event Grid batches; concurrency = invocations in flight)');
  out.push(table(['latency', 'batch', 'concurrency', 'events', 'seconds', 'events/s', 'Azure calls/event'],
    p.throughput.map((t) => [`${t.latencyMs} ms`, t.batch, t.concurrency, t.events, t.seconds, t.eventsPerSecond, t.azureCallsPerEvent])));
  out.push('');
  const t = p.targets;
  out.push(`target: p95 at 0 ms < ${t.p95OwnWorkMs.target} ms of our own work: ${t.p95OwnWorkMs.actual} ms — ${yes(t.p95OwnWorkMs.met)} (wall time: includes loopback HTTPS to the emulator and Azurite writes)`);
  out.push(`target: <= ${t.seenCallsPerEvent.target} Azure calls per event for a registry already seen: mean ${t.seenCallsPerEvent.actualMean}, max for single-arch images ${t.seenCallsPerEvent.actualMaxSingleArch} — ${yes(t.seenCallsPerEvent.met)} (multi-arch indexes read index + 2 x (manifest + config))`);
  return out.join('\n') + '\n';
}

export function formatNightly(rs: NightlyReport[]): string {
  const out: string[] = [];
  const l = rs[0]!.latencyMs;
  out.push('== Nightly audit (cli/localQueue.ts runNightlyLocally; emulator and Azurite in child processes) ==');
  out.push(`latency: arm ${l.arm} ms, resourceGraph ${l.resourceGraph} ms, registry ${l.registry} ms, logs ${l.logs} ms; quotas: Resource Graph 15/5 s, ARM 250 + 25/s per subscription, ACR 1,000/3,000/10,000 reads per minute`);
  out.push('');
  out.push(table(['size', 'registries', 'manifests', 'workloads', 'workers', 'wall s', 'floor s', 'ratio', 'binding', 'peak RSS MB (baseline)', 'peak heap MB', 'findings', 'findings/s', 'status'],
    rs.map((r) => [r.size, r.estate.registries, r.estate.manifests, r.estate.workloads, r.workers, r.wallSeconds, r.floor.seconds, r.ratioToFloor, r.floor.binding, `${r.memory.peakRssMb} (${r.memory.baselineRssMb})`, r.memory.peakHeapUsedMb, r.findingsWritten, r.findingsPerSecond, r.run.status])));
  out.push('');
  out.push(table(['size', 'RG calls', 'ARM calls', 'registry calls', 'logs calls', '429s (rg/arm/reg)', 'storage reqs', 'registry 401s', 'registry token reqs', 'CPU s (ours/emulator/azurite)'],
    rs.map((r) => [r.size, r.calls.resourceGraph, r.calls.arm, r.calls.registry, r.calls.logs, `${r.throttled.resourceGraph}/${r.throttled.arm}/${r.throttled.registry}`, r.storageRequests, r.registryAuth.challenges401, r.registryAuth.tokenRequests, `${r.cpuSeconds.auditor}/${r.cpuSeconds.emulatorChild}/${r.cpuSeconds.azuriteChild}`])));
  out.push('');
  out.push('-- nights (same emulator, Azurite and findings table; night 3 after re-pushing 1% of the manifests)');
  out.push(table(['size', 'night', 'changed manifests', 'wall s', 'CPU s (ours/emulator/azurite)', 'ARM/RG/registry/logs calls', 'finding rows written', 'scope-audit rows', 'change rows', 'run rows', 'storage reqs', 'opened/stillOpen/resolved', 'peak RSS MB', 'peak heap MB', 'live heap MB (after full GC)', 'non-heap MB at peak RSS'],
    rs.flatMap((r) => (r.nights ?? []).map((n) => [r.size, `${n.night} ${n.label}`, n.changedManifests, n.wallSeconds, `${n.cpuSeconds.auditor}/${n.cpuSeconds.emulatorChild}/${n.cpuSeconds.azuriteChild}`,
      `${n.calls.arm}/${n.calls.resourceGraph}/${n.calls.registry}/${n.calls.logs}`, n.tableWrites.findingRows, n.tableWrites.scopeAuditRows, n.tableWrites.changeRows, n.tableWrites.runRows, n.storageRequests.total,
      `${n.counts.opened ?? 0}/${n.counts.stillOpen ?? 0}/${n.counts.resolved ?? 0}`, n.memory.peakRssMb, n.memory.peakHeapUsedMb, n.memory.peakLiveHeapMb ?? '-', n.memory.nonHeapAtPeakRssMb ?? '-']))));
  for (const r of rs) {
    const [a, b] = [r.nights?.[0], r.nights?.[1]];
    if (a && b) out.push(`target (${r.size}): unchanged night writes < 1% of the first night's entities: ${b.tableWrites.total} / ${a.tableWrites.total} = ${(100 * b.tableWrites.total / Math.max(1, a.tableWrites.total)).toFixed(2)}% — ${b.tableWrites.total < 0.01 * a.tableWrites.total ? 'MET' : 'MISSED'}`);
  }
  out.push('');
  out.push('-- floor parts (s)');
  out.push(table(['size', 'RG quota', 'ARM quota', 'registry quota (bucket)', '(reads/rate)', 'plan chain', 'registry shard chain', 'workload shard chain'],
    rs.map((r) => [r.size, r.floor.parts.resourceGraphQuota, r.floor.parts.armQuota, r.floor.parts.registryQuotaMax, r.floor.parts.registryQuotaSimpleMax, r.floor.parts.planChain, r.floor.parts.registryShardChainMax, r.floor.parts.workloadShardChainMax])));
  out.push('');
  out.push('-- linearity (per 1,000 manifests)');
  out.push(table(['size', 'Azure calls', 'registry calls', 'wall s', 'CPU s (ours)'],
    rs.map((r) => [r.size, r.per1000Manifests.calls, r.per1000Manifests.registryCalls, r.per1000Manifests.wallSeconds, r.per1000Manifests.cpuSeconds])));
  const largest = rs.reduce((a, b) => (b.estate.manifests > a.estate.manifests ? b : a));
  out.push('');
  out.push(`target: ratio to the floor <= 1.5 at the largest size (${largest.size}): ${largest.ratioToFloor} — ${largest.ratioToFloor <= 1.5 ? 'MET' : 'MISSED'} (stricter floor, no ACR burst: ${largest.floor.strictSeconds} s, ratio ${largest.ratioToStrictFloor})`);
  const maxRss = Math.max(...rs.map((r) => r.memory.peakRssMb));
  out.push(`target: peak RSS < 300 MB: ${maxRss} MB — ${maxRss < 300 ? 'MET' : 'MISSED'}`);
  return out.join('\n') + '\n';
}
