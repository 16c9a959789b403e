/**
 * Nightly runs on Table Storage: one run row (`run` partition), and in the run's own partition one row
 * per shard, the run's context (workspace map, audited registries and subscriptions) and one row per
 * committed finding transition (the material of the run's digest). Shards finish concurrently; the run
 * completes exactly once, through an ETag-conditional update.
 *
 * Planning is resumable: shard rows are created if absent (a re-plan never resets a finished shard),
 * each records when its message was sent, and the run row records when every message was sent; a run
 * whose planning stopped half-way is resumed or, past its deadline, closed as failed.
 *
 * Anything built from estate content is bounded where it is written: gaps are kept whole up to
 * MAX_GAPS per record (each reason capped), with the number left out recorded; JSON is split over
 * properties of CHUNK characters, and a value that does not parse is an error, never "no gaps".
 */
import type { RegistrySettingChanges } from '../domain/snapshots.js';
import type { RegistryWritersIndex } from '../inventory/roleAssignments.js';
import { odata, type TableClient } from '@azure/data-tables';
import { isRestError } from '@azure/core-rest-pipeline';
import type { Gap } from '../domain/snapshots.js';
import type { ChangeCounts, ChangeKind } from '../domain/finding.js';
import { encodeKey } from '../findings/keys.js';
import { tableString } from '../findings/tableFindingsStore.js';
import { lazyEnsureTable } from '../storage/clients.js';

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed';
export type ShardStatus = 'pending' | 'done' | 'failed';

export interface RunRecord {
  runId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  expectedShards: number;
  /** Gaps found while planning (subscriptions or registries not visible, malformed registries). */
  planningGaps: Gap[];
  /** Gaps beyond MAX_GAPS that were counted but not kept. */
  planningGapsOmitted?: number;
  /** Every shard message was sent (planning finished). */
  plannedAt?: string;
  counts?: ChangeCounts;
}

export interface ShardRecord {
  key: string;
  kind: 'registry' | 'workloads';
  status: ShardStatus;
  gaps: Gap[];
  gapsOmitted?: number;
  counts?: ChangeCounts;
  error?: string;
  attempts?: number;
  finishedAt?: string;
  /** When the shard's queue message was sent. */
  enqueuedAt?: string;
  /** The shard message, for a resumed planning (ids only: small). */
  message?: string;
}

export interface RunContext {
  workspaces: Record<string, string>;
  /** Login servers of the registries audited (read) in this run. */
  registries: string[];
  /** Findings partitions of the audited registries (lower-case ARM ids). */
  registryScopes?: string[];
  /** Every registry this run knows of, audited or not visible: [scope, login server]. The next run checks the ones it no longer lists. */
  registryIndex?: Array<[string, string]>;
  /** Login servers of registries that exist or may exist but could not be read (no longer visible): images there are inconclusive. */
  unreadableRegistries?: string[];
  /** Subscriptions planned, and those that were before and are no longer visible (the next run checks them again). */
  subscriptions?: string[];
  /** Who turned each registry's admin user on (lower-case ARM id -> facts), bounded strings. */
  adminChanges?: Record<string, { timestamp: string; changedBy?: string; clientType?: string; operation?: string }>;
  /** Workloads that pull with each registry's admin account (lower-case ARM id -> count and a bounded list of workload ids). */
  adminCredentialWorkloads?: Record<string, { count: number; workloads: string[] }>;
  /** The latest change of each audited setting per registry (lower-case ARM id), from resourcechanges. Absent: not read. */
  settingChanges?: Record<string, RegistrySettingChanges>;
  /** Write-capable role assignments by scope (registry.push-access-restricted). Absent: not read. */
  registryWriters?: RegistryWritersIndex;
}

export interface RecordedChange {
  scopeId: string;
  findingId: string;
  kind: ChangeKind;
}

const RUNS_PARTITION = 'run';
const CHUNK = 30_000;
/** Gaps kept per run or shard record; the rest is counted (`…Omitted`). */
export const MAX_GAPS = 500;
const MAX_GAP_REASON = 500;
/** 30,000-character chunks per JSON value: 12 hold MAX_GAPS_JSON with room to spare (JSON escapes). */
const MAX_JSON_CHUNKS = 12;
const MAX_GAP_SCOPE = 1_000;

const runPartition = (runId: string) => `run-${encodeKey(runId)}`;

export class RunRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRecordError';
  }
}

/**
 * Characters of gaps JSON kept per record. A Table entity holds 1 MiB and strings count 2 bytes per
 * UTF-16 unit ("Understanding the Table service data model"): 300,000 characters (about 600 KB) leave
 * room for the record's other properties whatever the characters are.
 */
export const MAX_GAPS_JSON = 300_000;

/** Bounded gaps: at most MAX_GAPS and MAX_GAPS_JSON characters, each scope and reason capped; the rest counted. */
export function boundGaps(gaps: readonly Gap[]): { kept: Gap[]; omitted: number } {
  const kept: Gap[] = [];
  let size = 2;
  for (const g of gaps.slice(0, MAX_GAPS)) {
    const gap: Gap = {
      scope: tableString(g.scope).slice(0, MAX_GAP_SCOPE),
      reason: tableString(g.reason.length > MAX_GAP_REASON ? `${g.reason.slice(0, MAX_GAP_REASON)}…[truncated]` : g.reason),
      ...(g.status !== undefined ? { status: g.status } : {}),
    };
    const cost = JSON.stringify(gap).length + 1;
    if (size + cost > MAX_GAPS_JSON) break;
    size += cost;
    kept.push(gap);
  }
  return { kept, omitted: gaps.length - kept.length };
}

/** JSON split over `<name>0..N` properties (each within a Table string property's 64 KiB). */
function chunkedJson(name: string, value: unknown): Record<string, string | number> {
  const json = JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  const out: Record<string, string | number> = {};
  let n = 0;
  for (let i = 0; i < json.length || n === 0; i += CHUNK, n++) {
    if (n >= MAX_JSON_CHUNKS) throw new RunRecordError(`${name} is too large to store (${json.length} characters)`);
    out[`${name}${n}`] = json.slice(i, i + CHUNK);
  }
  out[`${name}Chunks`] = n;
  return out;
}

function readChunkedJson<T>(e: Record<string, unknown>, name: string, what: string): T | undefined {
  const n = e[`${name}Chunks`];
  let json: string;
  if (typeof n === 'number') {
    json = '';
    for (let i = 0; i < n; i++) {
      const part = e[`${name}${i}`];
      if (typeof part !== 'string') throw new RunRecordError(`${what}: ${name} chunk ${i} of ${n} is missing`);
      json += part;
    }
  } else if (typeof e[name] === 'string') {
    json = e[name] as string; // rows written before chunking
  } else {
    return undefined;
  }
  try {
    return JSON.parse(json) as T;
  } catch (err) {
    throw new RunRecordError(`${what}: ${name} does not parse (${(err as Error).message})`);
  }
}

const NO_COUNTS: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };

function runFromEntity(e: Record<string, unknown>): RunRecord {
  const what = `run ${String(e.runId)}`;
  return {
    runId: e.runId as string,
    status: e.status as RunStatus,
    startedAt: e.startedAt as string,
    ...(typeof e.finishedAt === 'string' ? { finishedAt: e.finishedAt } : {}),
    ...(typeof e.plannedAt === 'string' ? { plannedAt: e.plannedAt } : {}),
    expectedShards: Number(e.expectedShards),
    planningGaps: readChunkedJson<Gap[]>(e, 'planningGaps', what) ?? [],
    ...(typeof e.planningGapsOmitted === 'number' && e.planningGapsOmitted > 0 ? { planningGapsOmitted: e.planningGapsOmitted } : {}),
    ...(typeof e.counts === 'string' ? { counts: readChunkedJson<ChangeCounts>(e, 'counts', what) ?? NO_COUNTS } : {}),
  };
}

function shardFromEntity(e: Record<string, unknown>): ShardRecord {
  const what = `shard ${String(e.key)}`;
  return {
    key: e.key as string,
    kind: e.kind as ShardRecord['kind'],
    status: e.status as ShardStatus,
    gaps: readChunkedJson<Gap[]>(e, 'gaps', what) ?? [],
    ...(typeof e.gapsOmitted === 'number' && e.gapsOmitted > 0 ? { gapsOmitted: e.gapsOmitted } : {}),
    ...(typeof e.counts === 'string' ? { counts: readChunkedJson<ChangeCounts>(e, 'counts', what) ?? NO_COUNTS } : {}),
    ...(typeof e.error === 'string' ? { error: e.error } : {}),
    ...(typeof e.attempts === 'number' ? { attempts: e.attempts } : {}),
    ...(typeof e.finishedAt === 'string' ? { finishedAt: e.finishedAt } : {}),
    ...(typeof e.enqueuedAt === 'string' ? { enqueuedAt: e.enqueuedAt } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
  };
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

export class TableRunStore {
  private readonly ensure: () => Promise<void>;

  constructor(private readonly client: TableClient) {
    this.ensure = lazyEnsureTable(client);
  }

  /**
   * Records a run being planned: context and shard rows (created if absent: a re-plan of the same run id
   * never resets a shard that already finished), then the run row (created if absent). Returns false
   * when the run row already existed (a resumed planning).
   */
  async createRun(run: RunRecord, context: RunContext, shards: Array<Pick<ShardRecord, 'key' | 'kind' | 'message'>>): Promise<boolean> {
    await this.ensure();
    const pk = runPartition(run.runId);
    const ctx = JSON.stringify(context).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    const ctxRows: Row[] = [];
    for (let i = 0, n = 0; i < ctx.length; i += CHUNK, n++) ctxRows.push({ partitionKey: pk, rowKey: `ctx-${String(n).padStart(5, '0')}`, part: ctx.slice(i, i + CHUNK) });
    // The context is the planner's view: rewritten whole by a re-plan (same content for the same estate).
    for (let i = 0; i < ctxRows.length; i += 100) await this.client.submitTransaction(ctxRows.slice(i, i + 100).map((r) => ['upsert', r, 'Replace']));
    for (const s of shards) {
      await this.createIfAbsent({ partitionKey: pk, rowKey: `shard-${encodeKey(s.key)}`, key: s.key, kind: s.kind, status: 'pending', ...chunkedJson('gaps', []), ...(s.message ? { message: s.message } : {}) });
    }
    const bounded = boundGaps(run.planningGaps);
    return this.createIfAbsent({
      partitionKey: RUNS_PARTITION,
      rowKey: encodeKey(run.runId),
      runId: run.runId,
      status: run.status,
      startedAt: run.startedAt,
      expectedShards: run.expectedShards,
      ...chunkedJson('planningGaps', bounded.kept),
      planningGapsOmitted: bounded.omitted,
    });
  }

  private async createIfAbsent(row: Row): Promise<boolean> {
    try {
      await this.client.createEntity(row);
      return true;
    } catch (e) {
      if (isRestError(e) && e.statusCode === 409) return false;
      throw e;
    }
  }

  /** Records that a shard's message was sent. */
  async markEnqueued(runId: string, key: string, at: string): Promise<void> {
    await this.client.updateEntity({ partitionKey: runPartition(runId), rowKey: `shard-${encodeKey(key)}`, enqueuedAt: at }, 'Merge');
  }

  /** Records that every shard message of the run was sent. */
  async markPlanned(runId: string, at: string): Promise<void> {
    await this.client.updateEntity({ partitionKey: RUNS_PARTITION, rowKey: encodeKey(runId), plannedAt: at }, 'Merge');
  }

  async getRun(runId: string): Promise<(RunRecord & { etag: string }) | undefined> {
    await this.ensure();
    try {
      const e = await this.client.getEntity<Record<string, unknown>>(RUNS_PARTITION, encodeKey(runId));
      return { ...runFromEntity(e), etag: e.etag };
    } catch (e) {
      if (isRestError(e) && e.statusCode === 404) return undefined;
      throw e;
    }
  }

  async getContext(runId: string): Promise<RunContext> {
    await this.ensure();
    const pk = runPartition(runId);
    const parts: Array<[string, string]> = [];
    for await (const e of this.client.listEntities<{ part: string }>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'ctx-' and RowKey lt 'ctx.'` } })) {
      parts.push([e.rowKey!, e.part]);
    }
    if (!parts.length) throw new RunRecordError(`run ${runId} has no context rows`);
    try {
      return JSON.parse(parts.sort((a, b) => a[0].localeCompare(b[0])).map((p) => p[1]).join('')) as RunContext;
    } catch (e) {
      throw new RunRecordError(`run ${runId}: context does not parse (${(e as Error).message})`);
    }
  }

  async getShard(runId: string, key: string): Promise<ShardRecord | undefined> {
    await this.ensure();
    try {
      return shardFromEntity(await this.client.getEntity<Record<string, unknown>>(runPartition(runId), `shard-${encodeKey(key)}`));
    } catch (e) {
      if (isRestError(e) && e.statusCode === 404) return undefined;
      throw e;
    }
  }

  async finishShard(runId: string, shard: ShardRecord): Promise<void> {
    await this.ensure();
    const bounded = boundGaps(shard.gaps);
    await this.client.upsertEntity(
      {
        partitionKey: runPartition(runId),
        rowKey: `shard-${encodeKey(shard.key)}`,
        key: shard.key,
        kind: shard.kind,
        status: shard.status,
        ...chunkedJson('gaps', bounded.kept),
        gapsOmitted: bounded.omitted + (shard.gapsOmitted ?? 0),
        ...(shard.counts ? { counts: JSON.stringify(shard.counts) } : {}),
        ...(shard.error ? { error: tableString(shard.error).slice(0, 2000) } : {}),
        ...(shard.attempts ? { attempts: shard.attempts } : {}),
        finishedAt: shard.finishedAt ?? new Date().toISOString(),
      },
      'Merge',
    );
  }

  async listShards(runId: string): Promise<ShardRecord[]> {
    await this.ensure();
    const pk = runPartition(runId);
    const out: ShardRecord[] = [];
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'shard-' and RowKey lt 'shard.'` } })) {
      out.push(shardFromEntity(e));
    }
    return out;
  }

  /** Records committed finding transitions of the run (idempotent: one row per finding). */
  async recordChanges(runId: string, changes: readonly RecordedChange[]): Promise<void> {
    if (!changes.length) return;
    await this.ensure();
    const pk = runPartition(runId);
    const rows: Row[] = changes.map((c) => ({ partitionKey: pk, rowKey: `chg-${c.findingId}`, scopeId: tableString(c.scopeId), findingId: c.findingId, kind: c.kind }));
    for (let i = 0; i < rows.length; i += 100) await this.client.submitTransaction(rows.slice(i, i + 100).map((r) => ['upsert', r, 'Replace']));
  }

  async *listChanges(runId: string): AsyncIterable<RecordedChange> {
    await this.ensure();
    const pk = runPartition(runId);
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'chg-' and RowKey lt 'chg.'` } })) {
      yield { scopeId: e.scopeId as string, findingId: e.findingId as string, kind: e.kind as ChangeKind };
    }
  }

  /** Moves a running run to its final status; false when someone else already did (ETag mismatch). */
  async completeRun(runId: string, etag: string, status: Exclude<RunStatus, 'running'>, finishedAt: string, counts: ChangeCounts, extraGaps: readonly Gap[] = []): Promise<boolean> {
    try {
      const gapFields = extraGaps.length ? (() => {
        const bounded = boundGaps(extraGaps);
        return { ...chunkedJson('planningGaps', bounded.kept), planningGapsOmitted: bounded.omitted };
      })() : {};
      await this.client.updateEntity(
        { partitionKey: RUNS_PARTITION, rowKey: encodeKey(runId), status, finishedAt, counts: JSON.stringify(counts), ...gapFields },
        'Merge',
        { etag },
      );
      return true;
    } catch (e) {
      if (isRestError(e) && (e.statusCode === 412 || e.statusCode === 404)) return false;
      throw e;
    }
  }

  async *listRuns(): AsyncIterable<RunRecord> {
    await this.ensure();
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${RUNS_PARTITION}` } })) {
      yield runFromEntity(e);
    }
  }
}
