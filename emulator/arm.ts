/**
 * ARM on `management.azure.com`: container registries (get, list by subscription or resource
 * group, listCredentials), diagnostic settings, and a GET of any other resource of the estate by its
 * id, built from the estate's Resource Graph rows.
 */
import { createHash } from 'node:crypto';
import { armError, sendJson, type Headers } from './http.js';
import type { Authenticated } from './context.js';
import type { EstateRegistryChildren, EstateRow } from './estate.js';
import { REGISTRY_TYPE } from './state.js';

const PAGE = 100;
const REG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerregistry\/registries\/([^/]+)(\/listcredentials)?$/;
const REG_LIST_SUB = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.containerregistry\/registries$/;
const REG_LIST_RG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerregistry\/registries$/;
const GENERIC = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+(\/[^/]+\/[^/]+)+\/?$/i;
const DIAG = /^(\/subscriptions\/.+?)\/providers\/microsoft\.insights\/diagnosticsettings$/;
/** Registry child lists (issue 13): ARM only, never Resource Graph. */
const REG_CHILD = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.containerregistry\/registries\/[^/]+\/(tokens|cacherules|replications)$/;
const CHILD_KINDS = { tokens: 'tokens', cacherules: 'cacheRules', replications: 'replications' } as const;
/** The first API version whose registry document has `policies.softDeletePolicy` (a preview-only policy). */
const FIRST_SOFT_DELETE_PREVIEW = '2023-01-01-preview';

export function toArmRegistry(row: EstateRow): Record<string, unknown> {
  const { id, name, location, tags, sku, identity, properties } = row;
  const systemData = row['systemData'];
  return {
    id, name, type: 'Microsoft.ContainerRegistry/registries', location, tags: tags ?? {}, sku,
    ...(identity ? { identity } : {}), ...(systemData ? { systemData } : {}), properties: properties ?? {},
  };
}

/**
 * The registry document as ARM answers it for one API version. `policies.softDeletePolicy` exists only in preview
 * API versions (2023-01-01-preview and later previews; the stable 2025-11-01 `Policies` has no such property,
 * azure-rest-api-specs Microsoft.ContainerRegistry and @azure/arm-containerregistry 12): it is served to those
 * only. ASSUMED that ARM leaves it out of stable versions' answers; leaving it out is never more lenient.
 */
export function registryForApiVersion(doc: Record<string, unknown>, apiVersion: string | null): Record<string, unknown> {
  if (apiVersion !== null && /^\d{4}-\d{2}-\d{2}-preview$/.test(apiVersion) && apiVersion >= FIRST_SOFT_DELETE_PREVIEW) return doc;
  const props = doc['properties'] as Record<string, unknown> | undefined;
  const policies = props?.['policies'];
  if (typeof policies !== 'object' || policies === null || !('softDeletePolicy' in policies)) return doc;
  const { softDeletePolicy: _preview, ...stable } = policies as Record<string, unknown>;
  return { ...doc, properties: { ...props, policies: stable } };
}

/** The estate's child resources of a registry (key matched case-insensitively). */
function registryChildrenOf(view: Authenticated['view'], registryId: string): EstateRegistryChildren | undefined {
  const want = registryId.toLowerCase();
  for (const [k, v] of Object.entries(view.estate.registryChildren ?? {})) if (k.toLowerCase().replace(/\/+$/, '') === want) return v;
  return undefined;
}

/**
 * ARM's answers for a scope the caller cannot read or that does not exist. ARM authorizes the request
 * at the scope it names BEFORE anything is looked up (the message ends "...over scope '...' or the
 * scope is invalid"), so a forbidden scope answers 403 AuthorizationFailed whether or not the resource,
 * its resource group or even its subscription exists: the caller cannot tell (Azure RBAC overview,
 * "How Azure RBAC determines if a user has access to a resource",
 * https://learn.microsoft.com/azure/role-based-access-control/overview). Outside forbidden scopes:
 * unknown subscription 404 SubscriptionNotFound ("The subscription '<id>' could not be found.",
 * as ARM words it, e.g. Azure/azure-cli#33657), unknown resource group 404 ResourceGroupNotFound
 * ("Resource group '<rg>' could not be found."), unknown resource 404 ResourceNotFound ("The Resource
 * '<type>/<name>' under resource group '<rg>' was not found.", https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-not-found).
 */
function forbidden(ctx: Authenticated, headers: Headers, action: string, scope: string): void {
  const oid = String(ctx.claims.oid ?? 'unknown');
  armError(ctx.res, 403, 'AuthorizationFailed', `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`, headers);
}

/**
 * The 403 / 404 checks every ARM read runs, in ARM's order: authorization at the requested scope,
 * then the subscription, then the resource group. Returns true when it answered.
 */
function refused(ctx: Authenticated, headers: Headers, action: string, scope: string, sub: string, rg?: string): boolean {
  if (ctx.view.forbiddenScope(scope)) { forbidden(ctx, headers, action, scope); return true; }
  if (!ctx.view.hasSubscription(sub)) { armError(ctx.res, 404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`, headers); return true; }
  if (rg !== undefined && !ctx.view.hasResourceGroup(sub, rg)) { armError(ctx.res, 404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`, headers); return true; }
  return false;
}

function resourceNotFound(ctx: Authenticated, headers: Headers, id: string): void {
  const m = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/[^/]+\/(.+)$/i.exec(id);
  const parts = (m?.[2] ?? '').split('/');
  const ns = /\/providers\/([^/]+)\//i.exec(id)?.[1] ?? '';
  const typeAndName = parts.length >= 2 ? `${ns}/${parts.slice(0, -1).filter((_, i) => i % 2 === 0).join('/')}/${parts[parts.length - 1]}` : id;
  armError(ctx.res, 404, 'ResourceNotFound', `The Resource '${typeAndName}' under resource group '${m?.[1] ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`, headers);
}

/** Handles an ARM request other than Resource Graph. `headers` carries the rate-limit headers. */
export function handleArm(ctx: Authenticated, path: string, headers: Headers): void {
  const { req, url, view } = ctx;
  const lower = path.toLowerCase().replace(/\/+$/, '');
  const method = req.method ?? 'GET';

  let m = REG.exec(lower);
  if (m) {
    const isCreds = m[4] !== undefined;
    if (isCreds ? method !== 'POST' : method !== 'GET') return armError(ctx.res, 405, 'MethodNotAllowed', `The emulator does not serve ${method} ${path}`, headers);
    const id = path.slice(0, isCreds ? path.length - '/listCredentials'.length : path.length).replace(/\/+$/, '');
    const [sub, rg] = [id.split('/')[2]!, id.split('/')[4]!];
    if (refused(ctx, headers, isCreds ? 'Microsoft.ContainerRegistry/registries/listCredentials/action' : 'Microsoft.ContainerRegistry/registries/read', id, sub, rg)) return;
    const row = view.resourceById(id);
    if (!row || row.type.toLowerCase() !== REGISTRY_TYPE) return resourceNotFound(ctx, headers, id);
    if (!isCreds) return sendJson(ctx.res, 200, registryForApiVersion(toArmRegistry(row), url.searchParams.get('api-version')), headers);
    if (row.properties?.['adminUserEnabled'] !== true) {
      return armError(ctx.res, 400, 'AdminUserDisabled', 'The admin user is disabled. Enable the admin user on the registry to list its credentials.', headers);
    }
    const secret = (n: string): string => createHash('sha256').update(`${row.id.toLowerCase()}|${n}`).digest('base64url').slice(0, 40);
    return sendJson(ctx.res, 200, { username: row.name, passwords: [{ name: 'password', value: secret('1') }, { name: 'password2', value: secret('2') }] }, headers);
  }

  m = REG_LIST_SUB.exec(lower) ?? REG_LIST_RG.exec(lower);
  if (m && method === 'GET') {
    const sub = m[1]!;
    const rg = m[2];
    const segments = path.split('/');
    const scope = segments.slice(0, rg ? 5 : 3).join('/');
    if (refused(ctx, headers, 'Microsoft.ContainerRegistry/registries/read', scope, segments[2]!, rg ? segments[4]! : undefined)) return;
    let rows = view.registriesInSubscription(sub);
    if (rg) rows = rows.filter((r) => (r.resourceGroup ?? '').toLowerCase() === rg);
    // Registries under a forbidden resource group or forbidden themselves are left out of a list the
    // caller may make (ARM lists what the caller can read; ASSUMED for deny-style partial access).
    rows = rows.filter((r) => !view.forbiddenScope(r.id));
    const skip = Number(url.searchParams.get('$skipToken') ?? '0') || 0;
    const page = rows.slice(skip, skip + PAGE);
    const body: Record<string, unknown> = { value: page.map((r) => registryForApiVersion(toArmRegistry(r), url.searchParams.get('api-version'))) };
    if (skip + PAGE < rows.length) {
      const next = new URL(url.href);
      next.searchParams.set('$skipToken', String(skip + PAGE));
      body['nextLink'] = `https://management.azure.com${next.pathname}${next.search}`;
    }
    return sendJson(ctx.res, 200, body, headers);
  }

  m = DIAG.exec(lower);
  if (m && method === 'GET') {
    const resourceId = path.slice(0, m[1]!.length);
    const segments = resourceId.split('/');
    const rg = /^\/subscriptions\/[^/]+\/resourcegroups\//i.test(resourceId) ? segments[4] : undefined;
    if (refused(ctx, headers, 'Microsoft.Insights/diagnosticSettings/read', resourceId, segments[2]!, rg)) return;
    if (!view.resourceById(resourceId)) return resourceNotFound(ctx, headers, resourceId);
    const value = view.diagnosticSettings(resourceId).map((s) => {
      const d = s as { id?: string; name: string };
      return { id: d.id ?? `${resourceId}/providers/microsoft.insights/diagnosticSettings/${d.name}`, type: 'Microsoft.Insights/diagnosticSettings', ...d };
    });
    return sendJson(ctx.res, 200, { value }, headers);
  }

  // Registry child lists (issue 13): GET {registry id}/tokens | cacheRules | replications (Microsoft.ContainerRegistry
  // 2025-11-01 TokenList.json, CacheRuleList.json, ReplicationList.json: `{ value, nextLink? }`). Authorized at the
  // list's scope like any ARM read (a forbidden registry or child path answers 403), then 404 for an unknown
  // registry; pages of PAGE with `nextLink` (ARM's page size for these lists is not documented: ASSUMED).
  m = REG_CHILD.exec(lower);
  if (m && method === 'GET') {
    const kind = CHILD_KINDS[m[1] as keyof typeof CHILD_KINDS];
    const listPath = path.replace(/\/+$/, '');
    const registryId = listPath.slice(0, listPath.lastIndexOf('/'));
    const segments = registryId.split('/');
    if (refused(ctx, headers, `Microsoft.ContainerRegistry/registries/${kind}/read`, listPath, segments[2]!, segments[4]!)) return;
    const row = view.resourceById(registryId);
    if (!row || row.type.toLowerCase() !== REGISTRY_TYPE) return resourceNotFound(ctx, headers, registryId);
    const given = registryChildrenOf(view, row.id)?.[kind];
    let items: Array<Record<string, unknown>>;
    if (kind === 'replications') {
      const sku = String((row.sku as { name?: unknown } | undefined)?.name ?? '').toLowerCase();
      // Geo-replication is Premium only; what ARM answers for another SKU's list is not documented: not served.
      if (sku !== 'premium') return armError(ctx.res, 404, 'EmulatorNotImplemented', `The acr-auditor emulator does not serve replications of a ${sku || 'non-Premium'} registry (geo-replication needs Premium; Azure's answer is not documented).`, headers);
      // Absent from the estate: the home region only (ASSUMED: ARM lists the home-region replica of a Premium registry).
      items = given ?? [{ name: String(row.location ?? 'home').replace(/\s+/g, '').toLowerCase(), location: row.location ?? '', properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' }, regionEndpointEnabled: true, zoneRedundancy: 'Disabled' } }];
    } else {
      items = given ?? [];
    }
    const skip = Number(url.searchParams.get('$skipToken') ?? '0') || 0;
    const page = items.slice(skip, skip + PAGE);
    const body: Record<string, unknown> = {
      value: page.map((item) => ({ id: `${row.id}/${kind}/${String(item['name'])}`, type: `Microsoft.ContainerRegistry/registries/${kind}`, ...item })),
    };
    if (skip + PAGE < items.length) {
      const next = new URL(url.href);
      next.searchParams.set('$skipToken', String(skip + PAGE));
      body['nextLink'] = `https://management.azure.com${next.pathname}${next.search}`;
    }
    return sendJson(ctx.res, 200, body, headers);
  }

  // Child resources Resource Graph does not index (App Service sitecontainers, config/web): ARM only, from the
  // estate's `armOnly`; a site's config/web defaults to its row's siteConfig (what older estates carry).
  const child = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/[^/]+)\/(sitecontainers|config\/web)\/?$/i.exec(path);
  if (child && method === 'GET') {
    const siteId = child[1]!;
    const segments = siteId.split('/');
    if (refused(ctx, headers, `Microsoft.Web/sites/${child[2]!.toLowerCase() === 'sitecontainers' ? 'sitecontainers' : 'config'}/read`, path.replace(/\/+$/, ''), segments[2]!, segments[4]!)) return;
    const site = view.resourceById(siteId);
    if (!site) return resourceNotFound(ctx, headers, siteId);
    const given = view.armOnly(path);
    if (given) return sendJson(ctx.res, 200, given, headers);
    if (child[2]!.toLowerCase() === 'sitecontainers') return sendJson(ctx.res, 200, { value: [] }, headers);
    const props = (site.properties ?? {}) as Record<string, unknown>;
    const siteConfig = (typeof props['siteConfig'] === 'object' && props['siteConfig'] !== null ? props['siteConfig'] : {}) as Record<string, unknown>;
    return sendJson(ctx.res, 200, { id: `${siteId}/config/web`, name: 'web', type: 'Microsoft.Web/sites/config', properties: siteConfig }, headers);
  }

  // Any other resource of the estate by its id (workloads, workspaces, ...): the ARG row in ARM shape,
  // under the same 403 / 404 rules. The type is served in the casing of the request path (ARM answers
  // its canonical casing; the estate keeps ARG's lower case).
  m = GENERIC.exec(path);
  if (m && method === 'GET' && !/\/providers\/.+\/providers\//i.test(path)) {
    const id = path.replace(/\/+$/, '');
    const segments = id.split('/');
    const typeSegments = segments.slice(7).filter((_, i) => i % 2 === 0);
    const type = `${segments[6]}/${typeSegments.join('/')}`;
    if (refused(ctx, headers, `${type}/read`, id, segments[2]!, segments[4]!)) return;
    const row = view.resourceById(id);
    if (!row) return resourceNotFound(ctx, headers, id);
    const { subscriptionId: _s, resourceGroup: _rg, tenantId: _t, ...arm } = row as EstateRow & { tenantId?: unknown };
    return sendJson(ctx.res, 200, { ...arm, type, tags: row['tags'] ?? {} }, headers);
  }

  armError(ctx.res, 404, 'EmulatorNotImplemented', `The acr-auditor emulator does not serve ${method} ${path} on management.azure.com (it serves Resource Graph, container registries and diagnostic settings).`, headers);
}
