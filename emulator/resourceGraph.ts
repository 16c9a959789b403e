/**
 * Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`. Runs the KQL subset
 * (kql.ts) over the estate's tables, honours `subscriptions`, pages by `$top`/`$skip`/`$skipToken`
 * (at most 1,000 rows a page) and answers objectArray or table format.
 *
 * What the caller cannot read is absent, silently (emulator.forbidden):
 * - "Without at least read permissions to the Azure object or object group, results aren't returned"
 *   (https://learn.microsoft.com/azure/governance/resource-graph/overview#permissions-in-azure-resource-graph).
 *   Rows under a forbidden subscription, resource group or resource leave every table, including
 *   resourcecontainers; nothing in the answer says so (QueryResponse has only totalRecords, count,
 *   resultTruncated, $skipToken, data, facets: azure-rest-api-specs resourcegraph 2024-04-01). The
 *   only signal is the missing resourcecontainers row of a requested subscription.
 * - When NO requested subscription is readable (forbidden or unknown), ARG answers 400 BadRequest with
 *   details[0].code NoValidSubscriptionsInQueryRequest, "There must be at least one subscription that
 *   is eligible to contain resources. Given: '...'." (body as reported in Azure/aztfexport#491 and, for
 *   a subscription the caller cannot read, Azure/aztfexport#385). The list format after `Given:` for
 *   several subscriptions is ASSUMED (joined with ',').
 *
 * `authorizationresources` and `options.authorizationScopeFilter` ("Defines what level of authorization resources
 * should be returned based on the which subscriptions and management groups are passed as scopes": AtScopeAndBelow
 * (default), AtScopeAndAbove, AtScopeExact, AtScopeAboveAndBelow; QueryRequestOptions, azure-rest-api-specs
 * resourcegraph 2022-10-01 and later, @azure/arm-resourcegraph 5 AuthorizationScopeFilter): rows of the root scope
 * and of management groups carry no subscription; they are returned only with a filter that looks above, and only for
 * management groups that are ancestors of a requested subscription (the subscription's
 * `properties.managementGroupAncestorsChain[].name` in the estate, as resourcecontainers serves it: Microsoft's
 * Resource Graph sample "Count of subscriptions per management group" reads that property). The emulator serves
 * AtScopeAndBelow and AtScopeAboveAndBelow and refuses the other two (stricter than Azure, never more lenient).
 */
import { randomUUID } from 'node:crypto';
import { KqlError, parseQuery, runQuery, type QueryResult } from './kql.js';
import { subscriptionOf, type EstateView } from './state.js';

export const ARG_COLUMNS = ['id', 'name', 'type', 'tenantId', 'kind', 'location', 'resourceGroup', 'subscriptionId',
  'managedBy', 'sku', 'plan', 'properties', 'tags', 'identity', 'zones', 'extendedLocation'] as const;

const TABLES = ['resources', 'resourcecontainers', 'resourcechanges', 'securityresources', 'authorizationresources'] as const;
type Table = (typeof TABLES)[number];

export interface ArgRequest {
  subscriptions?: string[];
  managementGroups?: string[];
  query: string;
  options?: { $top?: number; $skip?: number; $skipToken?: string; resultFormat?: 'objectArray' | 'table'; allowPartialScopes?: boolean; authorizationScopeFilter?: string };
}

export type ArgOutcome =
  | { status: 200; body: unknown }
  | { status: 400; code: string; message: string; details?: unknown[] };

interface CachedResult { result: QueryResult; at: number }

const PAGE_MAX = 1000;

export class ResourceGraph {
  private readonly cache = new Map<string, CachedResult>();

  constructor(private readonly view: EstateView, private readonly now: () => Date) {}

  private rows(table: Table): Record<string, unknown>[] {
    const e = this.view.estate;
    if (table === 'resourcecontainers') {
      const subscriptions = e.subscriptions.map((s) => ({
        id: `/subscriptions/${s.subscriptionId}`, name: s.displayName, type: 'microsoft.resources/subscriptions',
        tenantId: e.tenantId, kind: '', location: '', resourceGroup: '', subscriptionId: s.subscriptionId, managedBy: '',
        sku: null, plan: null, properties: { state: s.state ?? 'Enabled', ...(s['properties'] as object | undefined) }, tags: (s['tags'] as object | undefined) ?? null,
        identity: null, zones: null, extendedLocation: null,
      }));
      // Resource groups are derived from the resources rows (the estate has no list of them); their
      // location and tags are unknown to the emulator and served empty.
      const groups = [...this.view.resourceGroups().values()].map(({ subscriptionId, name }) => ({
        id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`, name, type: 'microsoft.resources/subscriptions/resourcegroups',
        tenantId: e.tenantId, kind: '', location: '', resourceGroup: name, subscriptionId, managedBy: '',
        sku: null, plan: null, properties: { provisioningState: 'Succeeded' }, tags: null,
        identity: null, zones: null, extendedLocation: null,
      }));
      return [...subscriptions, ...groups];
    }
    return e[table] as Record<string, unknown>[];
  }

  run(req: ArgRequest): ArgOutcome {
    if (typeof req?.query !== 'string') return { status: 400, code: 'BadRequest', message: "The request body must have a 'query' string." };
    if (req.managementGroups?.length) return unsupported("the emulator does not serve 'managementGroups' scopes");
    const e = this.view.estate;
    const known = new Map(e.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s.subscriptionId]));
    const given = req.subscriptions?.length ? req.subscriptions : [...known.values()];
    const requested = given.map((s) => s.toLowerCase());
    const allowed = requested.filter((s) => known.has(s) && !this.view.forbiddenScope(`/subscriptions/${s}`));
    if (allowed.length === 0) {
      return { status: 400, code: 'BadRequest',
        message: `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${randomUUID()}.`,
        details: [{ code: 'NoValidSubscriptionsInQueryRequest', message: `There must be at least one subscription that is eligible to contain resources. Given: '${req.subscriptions?.length ? given.join(',') : ''}'.` }] };
    }
    const opts = req.options ?? {};
    const scopeFilter = opts.authorizationScopeFilter ?? 'AtScopeAndBelow';
    if (!['AtScopeAndBelow', 'AtScopeAndAbove', 'AtScopeExact', 'AtScopeAboveAndBelow'].includes(scopeFilter)) {
      return { status: 400, code: 'BadRequest', message: `The value '${String(scopeFilter).slice(0, 64)}' is not valid for authorizationScopeFilter.` };
    }
    if (scopeFilter === 'AtScopeAndAbove' || scopeFilter === 'AtScopeExact') return unsupported(`authorizationScopeFilter ${scopeFilter} is not served by the emulator`);
    const top = Math.min(PAGE_MAX, Math.max(1, Math.floor(opts.$top ?? PAGE_MAX)));
    let skip = Math.max(0, Math.floor(opts.$skip ?? 0));
    let result: QueryResult;
    let token: { k: string; o: number } | undefined;
    if (opts.$skipToken) {
      try {
        token = JSON.parse(Buffer.from(opts.$skipToken, 'base64url').toString('utf8')) as { k: string; o: number };
      } catch {
        return { status: 400, code: 'BadRequest', message: 'The $skipToken is not valid.' };
      }
      skip = token.o;
    }
    const cacheKey = token?.k ?? randomUUID();
    const cached = token ? this.cache.get(token.k) : undefined;
    if (cached) {
      result = cached.result;
    } else {
      try {
        result = this.execute(req.query, new Set(allowed), scopeFilter === 'AtScopeAboveAndBelow');
      } catch (err) {
        if (err instanceof KqlError) return unsupported(err.message, err.code);
        throw err;
      }
    }
    const page = result.rows.slice(skip, skip + top);
    const more = skip + page.length < result.rows.length;
    if (more) {
      this.cache.set(cacheKey, { result, at: Date.now() });
      this.evict();
    } else if (token) {
      this.cache.delete(cacheKey);
    }
    const body: Record<string, unknown> = {
      totalRecords: result.rows.length,
      count: page.length,
      resultTruncated: 'false',
      ...(more ? { $skipToken: Buffer.from(JSON.stringify({ k: cacheKey, o: skip + page.length })).toString('base64url') } : {}),
      facets: [],
      data: opts.resultFormat === 'table' ? toTable(result, page) : page,
    };
    return { status: 200, body };
  }

  /**
   * Whether the caller may read the row: its own id, the resource group and the resource it belongs to
   * are outside every forbidden scope. A resourcechanges row is readable with its target resource
   * (properties.targetResourceId; ASSUMED: changes follow the read permission on the changed resource).
   */
  private readable(table: Table, r: Record<string, unknown>): boolean {
    const ids: string[] = [String(r['id'] ?? '')];
    const sub = r['subscriptionId'];
    const rg = r['resourceGroup'];
    if (typeof sub === 'string' && sub && typeof rg === 'string' && rg) ids.push(`/subscriptions/${sub}/resourceGroups/${rg}`);
    if (table === 'resourcechanges') {
      const target = (r['properties'] as { targetResourceId?: unknown } | undefined)?.targetResourceId;
      if (typeof target === 'string') ids.push(target);
    }
    return ids.every((id) => !this.view.forbiddenScope(id));
  }

  /** Lower-case names of the management groups above the given subscriptions (their ancestry chains in the estate). */
  private managementGroupsAbove(subscriptions: Set<string>): Set<string> {
    const out = new Set<string>();
    for (const s of this.view.estate.subscriptions) {
      if (!subscriptions.has(s.subscriptionId.toLowerCase())) continue;
      const chain = (s['properties'] as { managementGroupAncestorsChain?: Array<{ name?: unknown }> } | undefined)?.managementGroupAncestorsChain;
      for (const g of Array.isArray(chain) ? chain : []) if (typeof g?.name === 'string') out.add(g.name.toLowerCase());
    }
    return out;
  }

  /** A subscription-less authorization row (root or management-group scope) above one of the requested subscriptions. */
  private aboveScopeVisible(r: Record<string, unknown>, ancestors: Set<string>): boolean {
    const id = String(r['id'] ?? '').toLowerCase();
    if (id.startsWith('/providers/microsoft.authorization/')) return true; // the root scope `/`
    const mg = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\//.exec(id)?.[1];
    return mg !== undefined && ancestors.has(mg);
  }

  private evict(): void {
    const cutoff = Date.now() - 10 * 60_000;
    for (const [k, v] of this.cache) if (v.at < cutoff || this.cache.size > 32) this.cache.delete(k);
  }

  private execute(text: string, subscriptions: Set<string>, above = false): QueryResult {
    const q = parseQuery(text);
    const table = q.table.toLowerCase() as Table;
    if (!TABLES.includes(table)) throw new KqlError(`unsupported table '${q.table}' (supported: ${TABLES.join(', ')})`, 'UnknownTable');
    const ancestors = above && table === 'authorizationresources' ? this.managementGroupsAbove(subscriptions) : undefined;
    const source = this.rows(table).filter((r) => {
      const sub = (typeof r['subscriptionId'] === 'string' ? (r['subscriptionId'] as string) : subscriptionOf(String(r['id'])) ?? '').toLowerCase();
      if (!sub && ancestors) return this.aboveScopeVisible(r, ancestors) && this.readable(table, r);
      return subscriptions.has(sub) && this.readable(table, r);
    });
    return runQuery(q, source, ARG_COLUMNS, { now: this.now() });
  }
}

function unsupported(message: string, code = 'UnsupportedQuery'): ArgOutcome {
  return {
    status: 400, code: 'BadRequest',
    message: `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${randomUUID()}.`,
    details: [
      { code: 'InvalidQuery', message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.' },
      { code, message: `acr-auditor emulator: ${message}` },
    ],
  };
}

function toTable(result: QueryResult, page: Record<string, unknown>[]): unknown {
  const columns = result.columns.map((name) => ({ name, type: typeOf(page.find((r) => r[name] !== null && r[name] !== undefined)?.[name]) }));
  return { columns, rows: page.map((r) => result.columns.map((c) => r[c] ?? null)) };
}

function typeOf(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return 'object';
}
