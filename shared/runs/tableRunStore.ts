/**
 * Nightly runs on Table Storage: one run row (`runs` partition), one row per shard and the run's
 * context (workspace map, audited login servers) in the run's own partition. Shards finish
 * concurrently; the run completes exactly once, through an ETag-conditional update.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { isRestError } from '@azure/core-rest-pipeline';
import type { Gap } from '../domain/snapshots.js';
import type { ChangeCounts } from '../domain/finding.js';
import { encodeKey } from '../findings/keys.js';
import { lazyEnsureTable } from '../storage/clients.js';

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed';
export type ShardStatus = 'pending' | 'done' | 'failed';

export interface RunRecord {
  runId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  expectedShards: number;
  /** Gaps found while planning (subscriptions not visible, malformed registries). */
  planningGaps: Gap[];
  counts?: ChangeCounts;
}

export interface ShardRecord {
  key: string;
  kind: 'registry' | 'workloads';
  status: ShardStatus;
  gaps: Gap[];
  counts?: ChangeCounts;
  error?: string;
  attempts?: number;
  finishedAt?: string;
}

export interface RunContext {
  workspaces: Record<string, string>;
  /** Login servers of the audited registries. */
  registries: string[];
  /** Findings partitions of the audited registries (lower-case ARM ids): the next run finds deleted ones. */
  registryScopes?: string[];
}

const RUNS_PARTITION = 'run';
const CHUNK = 30_000;

const runPartition = (runId: string) => `run-${encodeKey(runId)}`;

function json<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

const NO_COUNTS: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };

function runFromEntity(e: Record<string, unknown>): RunRecord {
  return {
    runId: e.runId as string,
    status: e.status as RunStatus,
    startedAt: e.startedAt as string,
    ...(typeof e.finishedAt === 'string' ? { finishedAt: e.finishedAt } : {}),
    expectedShards: Number(e.expectedShards),
    planningGaps: json<Gap[]>(e.planningGaps, []),
    ...(typeof e.counts === 'string' ? { counts: json<ChangeCounts>(e.counts, NO_COUNTS) } : {}),
  };
}

export class TableRunStore {
  private readonly ensure: () => Promise<void>;

  constructor(private readonly client: TableClient) {
    this.ensure = lazyEnsureTable(client);
  }

  async createRun(run: RunRecord, context: RunContext, shards: Array<Pick<ShardRecord, 'key' | 'kind'>>): Promise<void> {
    await this.ensure();
    const pk = runPartition(run.runId);
    // Context and shard rows first: a run row that exists is a run ready to be counted.
    const ctx = JSON.stringify(context);
    const rows: Array<Record<string, unknown> & { partitionKey: string; rowKey: string }> = [];
    for (let i = 0, n = 0; i < ctx.length; i += CHUNK, n++) rows.push({ partitionKey: pk, rowKey: `ctx-${String(n).padStart(5, '0')}`, part: ctx.slice(i, i + CHUNK) });
    for (const s of shards) rows.push({ partitionKey: pk, rowKey: `shard-${encodeKey(s.key)}`, key: s.key, kind: s.kind, status: 'pending', gaps: '[]' });
    for (let i = 0; i < rows.length; i += 100) await this.client.submitTransaction(rows.slice(i, i + 100).map((r) => ['upsert', r, 'Replace']));
    await this.client.upsertEntity(
      {
        partitionKey: RUNS_PARTITION,
        rowKey: encodeKey(run.runId),
        runId: run.runId,
        status: run.status,
        startedAt: run.startedAt,
        expectedShards: run.expectedShards,
        planningGaps: JSON.stringify(run.planningGaps).slice(0, CHUNK),
      },
      'Replace',
    );
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
    if (!parts.length) throw new Error(`run ${runId} has no context rows`);
    return JSON.parse(parts.sort((a, b) => a[0].localeCompare(b[0])).map((p) => p[1]).join('')) as RunContext;
  }

  async finishShard(runId: string, shard: ShardRecord): Promise<void> {
    await this.ensure();
    await this.client.upsertEntity(
      {
        partitionKey: runPartition(runId),
        rowKey: `shard-${encodeKey(shard.key)}`,
        key: shard.key,
        kind: shard.kind,
        status: shard.status,
        gaps: JSON.stringify(shard.gaps).slice(0, CHUNK),
        ...(shard.counts ? { counts: JSON.stringify(shard.counts) } : {}),
        ...(shard.error ? { error: shard.error.slice(0, 2000) } : {}),
        ...(shard.attempts ? { attempts: shard.attempts } : {}),
        finishedAt: shard.finishedAt ?? new Date().toISOString(),
      },
      'Replace',
    );
  }

  async listShards(runId: string): Promise<ShardRecord[]> {
    await this.ensure();
    const pk = runPartition(runId);
    const out: ShardRecord[] = [];
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge 'shard-' and RowKey lt 'shard.'` } })) {
      out.push({
        key: e.key as string,
        kind: e.kind as ShardRecord['kind'],
        status: e.status as ShardStatus,
        gaps: json<Gap[]>(e.gaps, []),
        ...(typeof e.counts === 'string' ? { counts: json<ChangeCounts>(e.counts, NO_COUNTS) } : {}),
        ...(typeof e.error === 'string' ? { error: e.error } : {}),
        ...(typeof e.finishedAt === 'string' ? { finishedAt: e.finishedAt } : {}),
      });
    }
    return out;
  }

  /** Moves a running run to its final status; false when someone else already did (ETag mismatch). */
  async completeRun(runId: string, etag: string, status: Exclude<RunStatus, 'running'>, finishedAt: string, counts: ChangeCounts): Promise<boolean> {
    try {
      await this.client.updateEntity(
        { partitionKey: RUNS_PARTITION, rowKey: encodeKey(runId), status, finishedAt, counts: JSON.stringify(counts) },
        'Merge',
        { etag },
      );
      return true;
    } catch (e) {
      if (isRestError(e) && e.statusCode === 412) return false;
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
