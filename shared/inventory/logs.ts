/** Log Analytics adapter (@azure/monitor-query-logs): admin-account logins of a registry. */
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { AdminLoginFacts } from '../domain/snapshots.js';
import type { ImagePushRecord, LogsPort } from '../usecases/ports.js';
import { clientOptions, type AzureConnection } from './connection.js';
import { classifyAzureError, ScopeReadError } from './errors.js';
import { adminLoginsQuery, imagePushesQuery } from './queries.js';

export class LogAnalyticsSource implements LogsPort {
  private readonly logsClient: LogsQueryClient;

  constructor(conn: AzureConnection) {
    this.logsClient = new LogsQueryClient(conn.credential, {
      ...clientOptions(conn, 'logs'),
      endpoint: conn.cloud.logsEndpoint,
      credentials: { scopes: [conn.cloud.logsScope] },
    });
  }

  async adminLogins(workspace: { armId: string; customerId: string }, loginServer: string, adminUserName: string, lookbackDays: number): Promise<AdminLoginFacts> {
    const kql = adminLoginsQuery(loginServer, adminUserName, lookbackDays);
    let result;
    try {
      result = await this.logsClient.queryWorkspace(workspace.customerId, kql, { duration: `P${lookbackDays}D` });
    } catch (e) {
      throw new ScopeReadError(workspace.armId, classifyAzureError(e), { cause: e });
    }
    if (result.status !== LogsQueryResultStatus.Success) {
      throw new ScopeReadError(workspace.armId, { kind: 'other', reason: `partial Log Analytics result: ${result.partialError?.message ?? 'unknown error'}` });
    }
    const table = result.tables[0];
    const row = table?.rows[0];
    const col = (name: string) => {
      const i = table?.columnDescriptors.findIndex((c) => c.name === name) ?? -1;
      return i >= 0 && row ? row[i] : undefined;
    };
    const asList = (v: unknown): string[] => {
      const arr = typeof v === 'string' ? safeJson(v) : v;
      return Array.isArray(arr) ? arr.filter((x): x is string => typeof x === 'string') : [];
    };
    const asTime = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v ? v : undefined);
    const count = Number(col('Count') ?? 0);
    const firstSeen = asTime(col('FirstSeen'));
    const lastSeen = asTime(col('LastSeen'));
    return {
      source: 'logs',
      workspaceId: workspace.armId,
      lookbackDays,
      count: Number.isFinite(count) ? count : 0,
      ...(count > 0 && firstSeen ? { firstSeen } : {}),
      ...(count > 0 && lastSeen ? { lastSeen } : {}),
      callerIpAddresses: asList(col('CallerIpAddresses')),
      userAgents: asList(col('UserAgents')),
    };
  }

  /** Successful pushes to one registry in the look-back window (one query), by `repository@digest` (issue 13). */
  async imagePushes(workspace: { armId: string; customerId: string }, loginServer: string, lookbackDays: number): Promise<Map<string, ImagePushRecord[]>> {
    let result;
    try {
      result = await this.logsClient.queryWorkspace(workspace.customerId, imagePushesQuery(loginServer, lookbackDays), { duration: `P${lookbackDays}D` });
    } catch (e) {
      throw new ScopeReadError(workspace.armId, classifyAzureError(e), { cause: e });
    }
    if (result.status !== LogsQueryResultStatus.Success) {
      throw new ScopeReadError(workspace.armId, { kind: 'other', reason: `partial Log Analytics result: ${result.partialError?.message ?? 'unknown error'}` });
    }
    return toImagePushes(result.tables[0]);
  }
}

/** Distinct (repository, digest, identity) rows kept per registry: more are dropped (their images stay undecided). */
export const MAX_PUSH_ROWS = 200_000;

/**
 * `repository@digest` -> who pushed it, from imagePushesQuery's rows (Repository, Digest, Identity, Pushes, LastPush,
 * Tags). Every string is bounded; rows without a repository, digest or identity are skipped.
 */
export function toImagePushes(table: { columnDescriptors: Array<{ name?: string }>; rows: unknown[][] } | undefined): Map<string, ImagePushRecord[]> {
  const out = new Map<string, ImagePushRecord[]>();
  if (!table) return out;
  const at = (name: string) => table.columnDescriptors.findIndex((c) => c.name === name);
  const [repo, digest, identity, pushes, last, tags] = ['Repository', 'Digest', 'Identity', 'Pushes', 'LastPush', 'Tags'].map(at) as [number, number, number, number, number, number];
  const text = (v: unknown, max: number) => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);
  for (const row of table.rows.slice(0, MAX_PUSH_ROWS)) {
    const r = text(row[repo], 256);
    const d = text(row[digest], 256);
    const who = text(row[identity], 256);
    if (!r || !d || !who) continue;
    const n = Number(row[pushes]);
    const lastPush = row[last] instanceof Date ? (row[last] as Date).toISOString() : text(row[last], 64);
    const rawTags = typeof row[tags] === 'string' ? safeJson(row[tags] as string) : row[tags];
    const key = `${r}@${d}`;
    const list = out.get(key) ?? [];
    list.push({
      identity: who,
      pushes: Number.isFinite(n) ? n : 0,
      ...(lastPush ? { lastPush } : {}),
      tags: (Array.isArray(rawTags) ? rawTags : []).filter((t): t is string => typeof t === 'string' && t !== '').slice(0, 10).map((t) => t.slice(0, 128)),
    });
    out.set(key, list);
  }
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
