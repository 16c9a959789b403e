/**
 * Reading findings for people and tools: the findings page and `/api/findings` of the Function App,
 * and `acr-auditor report`. One query (filters, paging) over the store; rendered as HTML or JSON.
 */
import type { StoredFinding } from '../findings/diff.js';
import { renderFindingsPage, renderMessagePage } from '../findings/page.js';
import { MAX_PAGE_SIZE, parseFindingsQuery, QueryError, queryParams, selectFindings, type FindingsPage, type FindingsQuery } from '../findings/query.js';
import { portalLink } from '../notify/plan.js';
import { checkReader, tokenFromHeaders, type ReaderAccessOptions } from '../auth/readerAccess.js';
import type { FindingsStore } from './ports.js';

export interface ReadFindingsDeps {
  findings: Pick<FindingsStore, 'listFindings'>;
  portalUrl: string;
  clock: () => Date;
}

async function allFindings(store: Pick<FindingsStore, 'listFindings'>): Promise<StoredFinding[]> {
  const out: StoredFinding[] = [];
  for await (const f of store.listFindings()) out.push(f);
  return out;
}

export async function queryFindings(deps: ReadFindingsDeps, query: FindingsQuery): Promise<FindingsPage> {
  return selectFindings(await allFindings(deps.findings), query);
}

/** The report: every finding in one self-contained HTML file, filtered in the browser (default: open). */
export async function renderFindingsReport(deps: ReadFindingsDeps, options: { source?: string; status?: FindingsQuery['status'] } = {}): Promise<{ html: string; page: FindingsPage }> {
  const all = await allFindings(deps.findings);
  const page = selectFindings(all, { status: 'all', page: 1, pageSize: Math.max(1, all.length) });
  const shown: FindingsPage = { ...page, query: { ...page.query, status: options.status ?? 'open' } };
  const html = renderFindingsPage(shown, { mode: 'file', portalUrl: deps.portalUrl, generatedAt: deps.clock().toISOString(), ...(options.source ? { source: options.source } : {}) });
  return { html, page };
}

export function findingJson(f: StoredFinding, portalUrl: string) {
  const portal = portalLink(portalUrl, f.resourceId);
  return {
    id: f.id, ruleId: f.ruleId, title: f.title, severity: f.severity, status: f.status, outcome: f.outcome,
    resourceId: f.resourceId, subject: f.subject, subscriptionId: f.subscriptionId ?? null, registry: f.registry ?? null,
    message: f.message, evidence: f.evidence, firstSeen: f.firstSeen, lastSeen: f.lastSeen,
    resolvedAt: f.resolvedAt ?? null, resolution: f.resolution ?? null, suppression: f.suppression ?? null,
    history: f.history ?? [], portalUrl: portal ?? null,
  };
}

export interface FindingsHttpRequest {
  /** The full request URL. */
  url: string;
  header(name: string): string | null | undefined;
}

export interface FindingsHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * One request to the findings page (`html`) or API (`json`): the reader is checked first (see
 * shared/auth/readerAccess.ts), then the query is applied. Refusals say why, never with findings.
 */
export async function serveFindings(
  deps: ReadFindingsDeps & { access: ReaderAccessOptions },
  request: FindingsHttpRequest,
  format: 'html' | 'json',
): Promise<FindingsHttpResponse & { outcome: string }> {
  const type = format === 'html' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  const refuse = (status: number, title: string, reason: string, extra: Record<string, string> = {}) => ({
    status,
    outcome: `${status} ${reason}`,
    headers: { ...SECURITY_HEADERS, 'content-type': type, ...extra },
    body: format === 'html' ? renderMessagePage(title, reason) : JSON.stringify({ error: { status, message: reason } }),
  });
  const decision = await checkReader(tokenFromHeaders(request.header), { ...deps.access, now: deps.access.now ?? deps.clock });
  if (!decision.ok) {
    if (decision.status === 401) return refuse(401, 'Sign-in required', decision.reason, { 'www-authenticate': `Bearer realm="acr-auditor", error="invalid_token"` });
    if (decision.status === 403) return refuse(403, 'Not allowed', decision.reason);
    return refuse(503, 'Unavailable', decision.reason);
  }
  const url = new URL(request.url);
  let query: FindingsQuery;
  try {
    query = parseFindingsQuery(url.searchParams, { pageSize: format === 'html' ? 50 : Math.min(100, MAX_PAGE_SIZE) });
  } catch (e) {
    if (e instanceof QueryError) return refuse(400, 'Bad filter', e.message);
    throw e;
  }
  const page = await queryFindings(deps, query);
  const outcome = `200 ${page.items.length} of ${page.total} for ${decision.reader.oid} (${decision.reader.grantedBy})`;
  if (format === 'html') {
    const html = renderFindingsPage(page, { mode: 'served', portalUrl: deps.portalUrl, generatedAt: deps.clock().toISOString(), signedInAs: decision.reader.displayName });
    return { status: 200, outcome, headers: { ...SECURITY_HEADERS, 'content-type': type }, body: html };
  }
  const next = query.page < page.pages ? `${url.origin}${url.pathname}?${queryParams({ ...query, page: query.page + 1 }).toString()}` : null;
  const body = { findings: page.items.map((f) => findingJson(f, deps.portalUrl)), page: query.page, pageSize: query.pageSize, total: page.total, pages: page.pages, next };
  return { status: 200, outcome, headers: { ...SECURITY_HEADERS, 'content-type': type }, body: JSON.stringify(body) };
}
