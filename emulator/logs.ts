/**
 * Log Analytics query API on `api.loganalytics.io`: `POST /v1/workspaces/{customerId}/query`,
 * answering the KQL subset (kql.ts) over the estate's `logs` rows.
 */
import { KqlError, parseQuery, runQuery, type Expr, type Query } from './kql.js';
import type { Authenticated } from './context.js';
import { readBody, parseJsonBody, sendJson } from './http.js';

/** Column schemas of the tables the auditor reads (types as the query API names them). */
const SCHEMAS: Record<string, Record<string, string>> = {
  ContainerRegistryLoginEvents: {
    TenantId: 'string', TimeGenerated: 'datetime', OperationName: 'string', Identity: 'string', LoginServer: 'string',
    ResultType: 'string', ResultDescription: 'string', CallerIpAddress: 'string', UserAgent: 'string', DurationMs: 'real',
    CorrelationId: 'string', SourceSystem: 'string', Type: 'string', _ResourceId: 'string',
  },
  // Every column of the Azure Monitor table reference (learn.microsoft.com/azure/azure-monitor/reference/tables/
  // containerregistryrepositoryevents; MicrosoftDocs/azure-reference-other azure-monitor-ref/tables/includes/
  // containerregistryrepositoryevents-include.md): a column not listed there is refused, as Azure refuses it.
  ContainerRegistryRepositoryEvents: {
    TenantId: 'string', TimeGenerated: 'datetime', LoginServer: 'string', OperationName: 'string', Identity: 'string',
    Repository: 'string', Tag: 'string', Digest: 'string', ArtifactType: 'string', MediaType: 'string', Size: 'int',
    ResultType: 'string', ResultDescription: 'string', CallerIpAddress: 'string', UserAgent: 'string', DurationMs: 'string',
    CorrelationId: 'string', Region: 'string', SourceSystem: 'string', Type: 'string', _ResourceId: 'string',
    Category: 'string', UserTenantId: 'string', _SubscriptionId: 'string', _BilledSize: 'real', _IsBillable: 'string',
  },
};

function laError(ctx: Authenticated, status: number, code: string, message: string, inner?: { code: string; message: string }): void {
  sendJson(ctx.res, status, { error: { message, code, correlationId: ctx.req.headers['x-ms-client-request-id'] ?? '', ...(inner ? { innererror: inner } : {}) } });
}

/** `[from, to]` in ms for an ISO 8601 duration (`P30D`, `PT1H`) or interval (`start/end`, `start/P1D`). */
export function parseTimespan(text: string, now: Date): [number, number] | undefined {
  const dur = (s: string): number | undefined => {
    const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
    if (!m || s.length < 2) return undefined;
    const [, w, d, h, mi, se] = m.map((x) => Number(x ?? 0));
    return ((((w! * 7 + d!) * 24 + h!) * 60 + mi!) * 60 + se!) * 1000;
  };
  const parts = text.split('/');
  if (parts.length === 1) {
    const d = dur(parts[0]!);
    return d === undefined ? undefined : [now.getTime() - d, now.getTime()];
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    const da = dur(a); const db = dur(b);
    const ta = Date.parse(a); const tb = Date.parse(b);
    if (!Number.isNaN(ta) && !Number.isNaN(tb)) return [ta, tb];
    if (!Number.isNaN(ta) && db !== undefined) return [ta, ta + db];
    if (da !== undefined && !Number.isNaN(tb)) return [tb - da, tb];
  }
  return undefined;
}

function exprType(e: Expr, schema: Record<string, string>): string {
  if (e.k === 'col') return schema[e.name] ?? 'string';
  if (e.k === 'lit') return typeof e.v === 'number' ? 'real' : typeof e.v === 'boolean' ? 'bool' : 'string';
  if (e.k === 'call' && (e.fn === 'ago' || e.fn === 'now')) return 'datetime';
  if (e.k === 'call' && e.fn.startsWith('is')) return 'bool';
  if (e.k === 'member') return 'dynamic';
  return 'string';
}

function outputTypes(q: Query, schema: Record<string, string>): Record<string, string> {
  let types = { ...schema };
  for (const op of q.ops) {
    if (op.op === 'project') types = Object.fromEntries(op.items.map((it) => [it.name, exprType(it.expr, types)]));
    if (op.op === 'summarize') {
      const before = types;
      types = Object.fromEntries([
        ...(op.by ?? []).map((b) => [b, before[b] ?? 'string']),
        ...op.aggs.map((a) => [a.name, a.fn === 'count' ? 'long' : a.fn === 'make_set' ? 'dynamic' : exprType(a.args[0]!, before)]),
      ]);
    }
  }
  return types;
}

export async function handleLogs(ctx: Authenticated, path: string): Promise<void> {
  const m = /^\/v1\/workspaces\/([^/]+)\/query$/i.exec(path);
  if (!m || ctx.req.method !== 'POST') {
    return laError(ctx, 404, 'PathNotFoundError', `The acr-auditor emulator does not serve ${ctx.req.method} ${path} on api.loganalytics.io (it serves POST /v1/workspaces/{id}/query).`);
  }
  const workspaceId = m[1]!.toLowerCase();
  const ws = ctx.view.workspaceByCustomerId(workspaceId);
  const logsKey = Object.keys(ctx.view.estate.logs).find((k) => k.toLowerCase() === workspaceId);
  if (ctx.view.estate.emulator.forbidden?.some((f) => f.toLowerCase() === workspaceId) || (ws && ctx.view.forbiddenScope(ws.id))) {
    return laError(ctx, 403, 'InsufficientAccessError', 'The provided credentials have insufficient access to perform the requested operation', { code: 'InsufficientAccessError', message: `no read access to workspace ${workspaceId}` });
  }
  if (!logsKey && !ws) {
    return laError(ctx, 404, 'WorkspaceNotFoundError', `Workspace ${workspaceId} could not be found`, { code: 'WorkspaceNotFoundError', message: 'Workspace could not be found' });
  }
  let body: { query?: unknown; timespan?: unknown };
  try {
    body = (parseJsonBody(await readBody(ctx.req)) ?? {}) as typeof body;
  } catch {
    return laError(ctx, 400, 'BadArgumentError', 'The request body is not valid JSON');
  }
  if (typeof body.query !== 'string') return laError(ctx, 400, 'BadArgumentError', "The request had some invalid properties: 'query' is required");
  const now = ctx.now();
  const tables = logsKey ? ctx.view.estate.logs[logsKey]! : {};
  try {
    const q = parseQuery(body.query);
    const rows = Object.hasOwn(tables, q.table) ? tables[q.table]! : [];
    const schema = SCHEMAS[q.table] ?? (rows[0] ? Object.fromEntries(Object.keys(rows[0]).map((k) => [k, 'string'])) : undefined);
    if (!schema) throw new KqlError(`'${q.table}' could not be resolved to a table (the emulator knows ${Object.keys(SCHEMAS).join(', ')})`, 'UnknownTable');
    let source: Iterable<Record<string, unknown>> = rows;
    const span = typeof body.timespan === 'string' ? parseTimespan(body.timespan, now) : undefined;
    if (typeof body.timespan === 'string' && !span) return laError(ctx, 400, 'BadArgumentError', `The timespan '${body.timespan}' is not a valid ISO 8601 duration or interval`);
    if (span) {
      source = rows.filter((r) => {
        const t = Date.parse(String(r['TimeGenerated']));
        return !Number.isNaN(t) && t >= span[0] && t <= span[1];
      });
    }
    const result = runQuery(q, source, Object.keys(schema), { now });
    const types = outputTypes(q, schema);
    const columns = result.columns.map((name) => ({ name, type: types[name] ?? 'string' }));
    const out = result.rows.map((r) => columns.map((c) => {
      const v = r[c.name];
      if (v === undefined) return null;
      if (c.type === 'dynamic' && v !== null && typeof v === 'object') return JSON.stringify(v);
      if (v instanceof Date) return v.toISOString();
      return v;
    }));
    return sendJson(ctx.res, 200, { tables: [{ name: 'PrimaryResult', columns, rows: out }] });
  } catch (err) {
    if (err instanceof KqlError) {
      return laError(ctx, 400, 'BadArgumentError', 'The request had some invalid properties', { code: err.code === 'ParserFailure' ? 'SyntaxError' : 'SemanticError', message: `acr-auditor emulator: ${err.message}` });
    }
    throw err;
  }
}
