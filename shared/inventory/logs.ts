/** Log Analytics adapter (@azure/monitor-query-logs): admin-account logins of a registry. */
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { AdminLoginFacts } from '../domain/snapshots.js';
import type { LogsPort } from '../usecases/ports.js';
import { clientOptions, type AzureConnection } from './connection.js';
import { classifyAzureError, ScopeReadError } from './errors.js';
import { adminLoginsQuery } from './queries.js';

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
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
