/**
 * Pure: the findings page's and API's query (filters by status, severity, rule, subscription,
 * registry, one finding by id; paging), parsed from URL search parameters with every bad value named,
 * and applied to stored findings. Deep links to one finding are `<findings URL>?id=<finding id>`.
 */
import { isSeverity, severityRank, type Severity } from '../domain/severity.js';
import type { FindingStatus } from '../domain/finding.js';
import type { StoredFinding } from './diff.js';

export type StatusFilter = FindingStatus | 'all';

export interface FindingsQuery {
  status: StatusFilter;
  severity?: Severity;
  rule?: string;
  subscription?: string;
  registry?: string;
  /** One finding (a deep link). */
  id?: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const STATUSES: readonly StatusFilter[] = ['open', 'resolved', 'suppressed', 'all'];
const MAX_FILTER_CHARS = 300;

export class QueryError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'QueryError';
  }
}

/** The query of a request; unknown parameters are ignored, bad values throw one QueryError naming each. */
export function parseFindingsQuery(params: URLSearchParams, defaults: { pageSize?: number } = {}): FindingsQuery {
  const problems: string[] = [];
  const one = (name: string): string | undefined => {
    const v = params.get(name)?.trim();
    if (!v) return undefined;
    if (v.length > MAX_FILTER_CHARS) {
      problems.push(`${name}: longer than ${MAX_FILTER_CHARS} characters`);
      return undefined;
    }
    return v;
  };
  const q: FindingsQuery = { status: 'open', page: 1, pageSize: defaults.pageSize ?? DEFAULT_PAGE_SIZE };
  const status = one('status')?.toLowerCase();
  if (status !== undefined) {
    if ((STATUSES as readonly string[]).includes(status)) q.status = status as StatusFilter;
    else problems.push(`status: expected one of ${STATUSES.join(', ')}`);
  }
  const severity = one('severity')?.toLowerCase();
  if (severity !== undefined) {
    if (isSeverity(severity)) q.severity = severity;
    else problems.push('severity: expected one of informational, low, medium, high, critical');
  }
  for (const name of ['rule', 'subscription', 'registry', 'id'] as const) {
    const v = one(name);
    if (v !== undefined) q[name] = v;
  }
  const int = (name: 'page' | 'pageSize', max: number) => {
    const v = one(name);
    if (v === undefined) return;
    if (!/^\d{1,6}$/.test(v) || Number(v) < 1 || Number(v) > max) problems.push(`${name}: expected a whole number from 1 to ${max}`);
    else q[name] = Number(v);
  };
  int('page', 100_000);
  int('pageSize', MAX_PAGE_SIZE);
  // A deep link shows its finding whatever its status.
  if (q.id && status === undefined) q.status = 'all';
  if (problems.length) throw new QueryError(problems);
  return q;
}

/** The query as URL parameters (defaults left out), e.g. for the next page's link. */
export function queryParams(q: Partial<FindingsQuery>): URLSearchParams {
  const p = new URLSearchParams();
  if (q.status && q.status !== 'open') p.set('status', q.status);
  for (const k of ['severity', 'rule', 'subscription', 'registry', 'id'] as const) if (q[k]) p.set(k, q[k]);
  if (q.page && q.page > 1) p.set('page', String(q.page));
  if (q.pageSize && q.pageSize !== DEFAULT_PAGE_SIZE) p.set('pageSize', String(q.pageSize));
  return p;
}

const eq = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

export function matchesQuery(f: StoredFinding, q: FindingsQuery): boolean {
  if (q.id && f.id !== q.id) return false;
  if (q.status !== 'all' && f.status !== q.status) return false;
  if (q.severity && f.severity !== q.severity) return false;
  if (q.rule && !eq(f.ruleId, q.rule)) return false;
  if (q.subscription && !eq(f.subscriptionId, q.subscription)) return false;
  if (q.registry && !eq(f.registry, q.registry)) return false;
  return true;
}

/** Worst first, then rule, resource and subject: the order of the page, the API and the report. */
export function compareFindings(a: StoredFinding, b: StoredFinding): number {
  return severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId) || a.resourceId.localeCompare(b.resourceId) || a.subject.localeCompare(b.subject);
}

export interface Facets {
  rules: string[];
  subscriptions: string[];
  registries: string[];
}

/** The values the filters offer: what the stored findings hold. */
export function facetsOf(findings: readonly StoredFinding[]): Facets {
  const sorted = (values: Iterable<string | undefined>) => [...new Set([...values].filter((v): v is string => !!v))].sort();
  return {
    rules: sorted(findings.map((f) => f.ruleId)),
    subscriptions: sorted(findings.map((f) => f.subscriptionId)),
    registries: sorted(findings.map((f) => f.registry)),
  };
}

export interface FindingsPage {
  query: FindingsQuery;
  /** The findings of this page, in order. */
  items: StoredFinding[];
  /** How many match the filters (all pages). */
  total: number;
  pages: number;
  facets: Facets;
  /** Counts of matching findings per severity. */
  bySeverity: Partial<Record<Severity, number>>;
}

/** Filters, sorts and pages findings (pure). */
export function selectFindings(all: readonly StoredFinding[], q: FindingsQuery): FindingsPage {
  const matching = all.filter((f) => matchesQuery(f, q)).sort(compareFindings);
  const pages = Math.max(1, Math.ceil(matching.length / q.pageSize));
  const start = (q.page - 1) * q.pageSize;
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const f of matching) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return { query: q, items: matching.slice(start, start + q.pageSize), total: matching.length, pages, facets: facetsOf(all), bySeverity };
}

/** The link that opens one finding: the one helper, shared with cards, emails and the CLI. */
export { findingLink } from '../notify/links.js';
