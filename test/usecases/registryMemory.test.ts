/**
 * Issue 18, item 3 (memory): the nightly registry audit no longer holds its registry's stored findings
 * whole. It reads an index up front (a projected query), whole rows only for the chunk of results it is
 * diffing (one repository range at a time, or point reads), and for the last pass only the rows its absence
 * test can decide (shared/usecases/registryFindings.ts).
 *
 * 1. RegistryFindings against an in-memory store, over random partitions and random audits (fast-check):
 *    every chunk gets exactly the stored rows it names, as currently stored; the last pass gets exactly
 *    the rows the previous whole-partition filter gave it, and the rest as undecided; the whole partition
 *    is never listed.
 * 2. The nightly audit on the emulator and Azurite (real SDKs), three repositories larger than a write
 *    chunk: the registry's partition is never listed whole, each repository's rows are read as one range
 *    at most once a night, and the nights (first, unchanged, changed, replayed) decide exactly what they
 *    decide when every row is read by point reads instead of ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runNightlyLocally } from '../../cli/localQueue.js';
import { SYNTHETIC_APPROVED_REGISTRIES, syntheticEstate } from '../../estates/synthetic.js';
import type { FindingStatus } from '../../shared/domain/finding.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import type { FindingsStore } from '../../shared/usecases/ports.js';
import { auditRegistry } from '../../shared/usecases/auditRegistry.js';
import { RegistryFindings, REPOSITORY_RANGE_ROWS } from '../../shared/usecases/registryFindings.js';
import { startHarness } from '../support/harness.js';

const LOGIN = 'contoso.azurecr.io';
const SCOPE = '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerregistry/registries/contoso';
const IMAGE_RULES = new Set(['image.fresh', 'image.vulnerabilities-resolved']);
const RULES = [...IMAGE_RULES, 'registry.admin-user-disabled', 'audit.scope-readable', 'image.disabled-rule'];
const STATUSES: FindingStatus[] = ['open', 'suppressed', 'resolved'];
const REPOS = ['a', 'a/b', 'ab', 'b'];

interface Calls {
  index: number;
  ranges: string[];
  pointIds: number;
  listScope: number;
}

/** An in-memory findings port over `rows` (the test's partition), recording what the audit reads. */
function memoryStore(rows: Map<string, StoredFinding>, calls: Calls, options: { ranges?: boolean } = {}): FindingsStore {
  const copy = (f: StoredFinding) => structuredClone(f);
  return {
    async listScope() {
      calls.listScope++;
      return [...rows.values()].map(copy);
    },
    async *listScopeIndex() {
      calls.index++;
      for (const f of rows.values()) yield { id: f.id, ruleId: f.ruleId, status: f.status, subject: f.subject };
    },
    async listBySubjectPrefix(_scope, prefix) {
      calls.ranges.push(prefix);
      return options.ranges === false ? [] : [...rows.values()].filter((f) => f.subject.startsWith(prefix)).map(copy);
    },
    async getFindings(_scope, ids) {
      calls.pointIds += ids.length;
      return ids.flatMap((id) => (rows.has(id) ? [copy(rows.get(id)!)] : []));
    },
    async save() {
      return { conflicts: [], failed: [] };
    },
    async *listFindings() {},
    async listHistory() {
      return [];
    },
    async saveScopeAudit() {},
  };
}

function row(i: number, ruleId: string, status: FindingStatus, subject: string): StoredFinding {
  return {
    id: `id-${i}`, ruleId, title: ruleId, severity: 'high', status, outcome: 'fail', scopeId: SCOPE, resourceId: SCOPE, subject,
    message: `finding ${i}`, evidence: { i }, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-21T02:00:00.000Z', lastAuditId: 'run-0', etag: `e${i}`,
  };
}

const partition = fc.array(
  fc.record({
    rule: fc.constantFrom(...RULES),
    status: fc.constantFrom(...STATUSES),
    repo: fc.option(fc.constantFrom(...REPOS), { nil: undefined }),
  }),
  { maxLength: 60 },
).map((xs) => new Map(xs.map((x, i) => {
  const f = row(i, x.rule, x.status, x.repo === undefined ? SCOPE : `${LOGIN}/${x.repo}@sha256:${i}`);
  return [f.id, f] as const;
})));

/** One step of an audit: results seen (some needing their row), a chunk flushed, repositories finishing, rows rewritten. */
const step = fc.record({
  touched: fc.array(fc.tuple(fc.nat(70), fc.boolean()), { maxLength: 12 }),
  chunk: fc.array(fc.nat(70), { maxLength: 12 }),
  listed: fc.subarray(REPOS),
  rewritten: fc.array(fc.nat(12), { maxLength: 4 }),
});

describe('RegistryFindings (in-memory store, random partitions and audits)', () => {
  it('hands each chunk exactly its stored rows as currently stored, and the last pass what the whole-partition filter gave it', async () => {
    await fc.assert(
      fc.asyncProperty(partition, fc.array(step, { maxLength: 6 }), fc.subarray(REPOS), fc.boolean(), async (rows, steps, decidedRepos, ranges) => {
        const calls: Calls = { index: 0, ranges: [], pointIds: 0, listScope: 0 };
        const snapshot = new Map([...rows].map(([id, f]) => [id, structuredClone(f)]));
        const stored = await RegistryFindings.read(memoryStore(rows, calls, { ranges }), SCOPE, LOGIN, IMAGE_RULES);
        const touched = new Set<string>();
        const listed = new Set<string>();
        for (const s of steps) {
          for (const [i, needsRow] of s.touched) {
            stored.touch(`id-${i}`, needsRow);
            touched.add(`id-${i}`);
          }
          const ids = s.chunk.map((i) => `id-${i}`);
          for (const id of ids) touched.add(id);
          for (const r of s.listed) listed.add(r);
          const got = await stored.forChunk(ids, (r) => listed.has(r));
          // Exactly the stored ones among the chunk's ids, once each, as the store holds them now.
          expect(got.map((f) => f.id).sort()).toEqual([...new Set(ids)].filter((id) => rows.has(id)).sort());
          for (const f of got) expect(f).toEqual(rows.get(f.id));
          // The audit writes rows it was handed: one asked for again must be read as it is now.
          for (const f of got.filter((_, k) => s.rewritten.includes(k))) rows.set(f.id, { ...f, etag: `${f.etag}+`, message: `${f.message} (rewritten)` });
        }
        const finalIds = new Set([...snapshot.values()].filter((f) => f.ruleId === 'registry.admin-user-disabled').map((f) => f.id));
        const decides = (f: { ruleId: string; repository: string | undefined }) => !IMAGE_RULES.has(f.ruleId) || (f.repository !== undefined && decidedRepos.includes(f.repository));
        const rest = stored.remaining(finalIds, decides);
        // The previous filter over the whole partition (as read at the start): untouched, and resolved only where a final result names it.
        const repoOf = (f: StoredFinding) => (f.subject.startsWith(`${LOGIN}/`) ? f.subject.slice(LOGIN.length + 1, f.subject.lastIndexOf('@')) : undefined);
        const previous = [...snapshot.values()].filter((f) => !touched.has(f.id) && (f.status !== 'resolved' || finalIds.has(f.id)));
        expect(rest.ids.sort()).toEqual(previous.filter((f) => finalIds.has(f.id) || decides({ ruleId: f.ruleId, repository: repoOf(f) })).map((f) => f.id).sort());
        expect(rest.undecided.sort()).toEqual(previous.filter((f) => !finalIds.has(f.id) && !decides({ ruleId: f.ruleId, repository: repoOf(f) })).map((f) => f.id).sort());
        const last = await stored.rowsOf(rest.ids);
        expect(last.map((f) => f.id).sort()).toEqual([...rest.ids].sort());
        for (const f of last) expect(f).toEqual(rows.get(f.id));
        // Never the whole partition; one index read; ranges only of this registry's repositories.
        expect(calls.listScope).toBe(0);
        expect(calls.index).toBe(1);
        for (const p of calls.ranges) expect(p.startsWith(`${LOGIN}/`) && p.length > LOGIN.length + 1).toBe(true);
        // Each stored row read as part of one range at most: no range inside another.
        for (const a of calls.ranges) for (const b of calls.ranges) if (a !== b) expect(b.startsWith(a)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('reads neighbouring small repositories as one range (a name prefix), one query per group', async () => {
    const rows = new Map<string, StoredFinding>();
    let i = 0;
    for (const repo of ['team/a', 'team/b', 'team/c', 'zeta']) for (let k = 0; k < 300; k++, i++) rows.set(`id-${i}`, row(i, 'image.fresh', 'open', `${LOGIN}/${repo}@sha256:${i}`));
    const calls: Calls = { index: 0, ranges: [], pointIds: 0, listScope: 0 };
    const stored = await RegistryFindings.read(memoryStore(rows, calls), SCOPE, LOGIN, IMAGE_RULES);
    // team/* hold 900 rows (one group); zeta 300 (its own).
    const got = await stored.forChunk(['id-0', 'id-300', 'id-600', 'id-900'], () => false);
    expect(got.map((f) => f.id).sort()).toEqual(['id-0', 'id-300', 'id-600', 'id-900']);
    expect(calls.ranges.sort()).toEqual([`${LOGIN}/t`, `${LOGIN}/z`]);
    expect(calls.pointIds).toBe(0);
    // Later chunks of the same repositories are served from what was read.
    expect((await stored.forChunk(['id-1', 'id-301', 'id-901'], () => false)).length).toBe(3);
    expect(calls.ranges.length).toBe(2);
  });

  it('reads a large repository by point reads, not as one range', async () => {
    const rows = new Map<string, StoredFinding>();
    for (let i = 0; i <= REPOSITORY_RANGE_ROWS; i++) rows.set(`id-${i}`, row(i, 'image.fresh', 'open', `${LOGIN}/big@sha256:${i}`));
    const calls: Calls = { index: 0, ranges: [], pointIds: 0, listScope: 0 };
    const stored = await RegistryFindings.read(memoryStore(rows, calls), SCOPE, LOGIN, IMAGE_RULES);
    const got = await stored.forChunk(['id-1', 'id-2', 'id-3'], () => false);
    expect(got.map((f) => f.id).sort()).toEqual(['id-1', 'id-2', 'id-3']);
    expect(calls.ranges).toEqual([]);
    expect(calls.pointIds).toBe(3);
  });
});

const NOW = new Date('2026-11-22T02:00:00Z');
const DAY = 86_400_000;
type Content = Record<string, { repositories: Record<string, { manifests: Array<{ digest: string; tags: string[]; lastUpdateTime: string }> }> }>;

/** A harness whose findings store records what the nightly reads (and, with `ranges: false`, serves no range: every row by point reads). */
async function harness(options: { ranges: boolean }) {
  const estate = syntheticEstate({ seed: 11, subscriptions: 1, registries: 1, repositoriesPerRegistry: 3, manifestsPerRepository: 250, workloads: 0, now: NOW, staleFraction: 1, adminEnabledFraction: 0, subAssessmentsPerManifest: 2 });
  const h = await startHarness({ estate, now: NOW, settings: { AUDITOR_APPROVED_REGISTRIES: SYNTHETIC_APPROVED_REGISTRIES.join(',') } });
  const store = h.host.services.findings;
  const reads = { listScope: [] as string[], ranges: [] as string[], pointIds: 0, written: 0 };
  const wrapped: FindingsStore = Object.create(store) as FindingsStore;
  wrapped.listScope = async (scopeId) => {
    reads.listScope.push(scopeId);
    return store.listScope(scopeId);
  };
  wrapped.listBySubjectPrefix = async (scopeId, prefix) => {
    reads.ranges.push(prefix);
    return options.ranges ? store.listBySubjectPrefix(scopeId, prefix) : [];
  };
  wrapped.getFindings = async (scopeId, ids) => {
    reads.pointIds += ids.length;
    return store.getFindings(scopeId, ids);
  };
  wrapped.save = async (scopeId, findings) => {
    reads.written += findings.length;
    return store.save(scopeId, findings);
  };
  const night = async (runId: string) => {
    Object.assign(reads, { listScope: [], ranges: [], pointIds: 0, written: 0 });
    const s = h.host.services;
    const r = await runNightlyLocally({ ...s.deps, findings: wrapped }, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId, workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 120_000 });
    return { counts: r.run.counts!, reads: structuredClone(reads) };
  };
  const findings = async () => {
    const out: Array<Pick<StoredFinding, 'id' | 'ruleId' | 'status' | 'resolution' | 'severity' | 'message'>> = [];
    for await (const f of store.listFindings()) out.push({ id: f.id, ruleId: f.ruleId, status: f.status, severity: f.severity, message: f.message, ...(f.resolution ? { resolution: f.resolution } : {}) });
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };
  /** The registry shard of `auditId` delivered again (auditRegistry directly, as a redelivered queue message runs it). */
  const replayShard = async (auditId: string) => {
    const resources = (h.emulator.estate as unknown as { resources: Array<{ id: string }> }).resources;
    const registryId = resources.find((r) => /\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(r.id))!.id;
    return auditRegistry({ auditId, registryId, workspaces: {} }, { ...h.host.services.deps, findings: wrapped });
  };
  return { h, night, replayShard, findings, content: () => (h.emulator.estate as unknown as { registryContent: Content }).registryContent };
}

describe('the nightly registry audit reads its partition by repository (emulator, Azurite)', () => {
  let ranged: Awaited<ReturnType<typeof harness>>;
  let points: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    [ranged, points] = await Promise.all([harness({ ranges: true }), harness({ ranges: false })]);
  }, 120_000); // two emulators and two Azurites start here: slow on a loaded machine
  afterAll(async () => {
    await Promise.all([ranged?.h.close(), points?.h.close()]);
  });

  it('never lists the partition whole; an unchanged night reads each repository once and decides what point reads decide', async () => {
    const first = await Promise.all([ranged.night('m-1'), points.night('m-1')]);
    expect(first[0].counts.opened).toBeGreaterThan(500); // more than one write chunk
    expect(first[0].reads.ranges).toEqual([]); // nothing stored yet: nothing to read
    const second = await Promise.all([ranged.night('m-2'), points.night('m-2')]);
    const [r2, p2] = second;
    const registryScopes = r2.reads.listScope.filter((s) => s.includes('/registries/'));
    expect(registryScopes).toEqual([]);
    // At most one range per repository with stored rows (neighbours share one), each row in one range.
    expect(r2.reads.ranges.length).toBeGreaterThan(0);
    expect(r2.reads.ranges.length).toBeLessThanOrEqual(3);
    for (const a of r2.reads.ranges) {
      expect(a).toMatch(/^[^/]+\.azurecr\.io\/.+/);
      for (const b of r2.reads.ranges) if (a !== b) expect(b.startsWith(a)).toBe(false);
    }
    // Point reads only for the few rows outside image subjects (registry rules, coverage) on the ranged side.
    expect(p2.reads.pointIds).toBeGreaterThan(500);
    expect(r2.reads.pointIds).toBeLessThan(p2.reads.pointIds / 10);
    expect(r2.counts).toEqual(p2.counts);
    expect(r2.reads.written).toBe(p2.reads.written);
    expect(await ranged.findings()).toEqual(await points.findings());
  }, 180_000);

  it('a changed night (one repository refreshed, one deleted) and its replay decide the same with either read path', async () => {
    for (const side of [ranged, points]) {
      const registry = Object.values(side.content())[0]!;
      const repos = Object.keys(registry.repositories).sort();
      for (const m of registry.repositories[repos[0]!]!.manifests) m.lastUpdateTime = new Date(NOW.getTime() - 2 * DAY).toISOString();
      delete registry.repositories[repos[1]!];
    }
    const [r3, p3] = await Promise.all([ranged.night('m-3'), points.night('m-3')]);
    expect(r3.counts.resolved).toBeGreaterThan(200);
    expect(r3.counts).toEqual(p3.counts);
    const after = await ranged.findings();
    expect(after).toEqual(await points.findings());
    expect(after.some((f) => f.resolution === 'gone')).toBe(true);
    expect(after.some((f) => f.resolution === 'passed')).toBe(true);
    // The deleted repository's rows are read for the last pass (it resolves them as gone): a range, not the
    // partition, and each repository's range once.
    expect(r3.reads.listScope.filter((s) => s.includes('/registries/'))).toEqual([]);
    expect(r3.reads.ranges.length).toBeLessThanOrEqual(3);
    expect(new Set(r3.reads.ranges).size).toBe(r3.reads.ranges.length);
    // Replayed: the same run id (its shards are done: nothing is audited twice), then the registry shard
    // itself redelivered (the same audit again): nothing changes, and both read paths count the same.
    await Promise.all([ranged.night('m-3'), points.night('m-3')]);
    expect(await ranged.findings()).toEqual(after);
    const [rr, pr] = await Promise.all([ranged.replayShard('m-3'), points.replayShard('m-3')]);
    expect(rr.counts).toEqual(pr.counts);
    expect(await ranged.findings()).toEqual(after);
    expect(await points.findings()).toEqual(after);
  }, 180_000);
});
