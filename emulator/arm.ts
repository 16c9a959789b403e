/**
 * ARM on `management.azure.com`: container registries (get, list by subscription or resource
 * group, listCredentials) and diagnostic settings, built from the estate's Resource Graph rows.
 */
import { createHash } from 'node:crypto';
import { armError, sendJson, type Headers } from './http.js';
import type { Authenticated } from './context.js';
import type { EstateRow } from './estate.js';
import { REGISTRY_TYPE } from './state.js';

const PAGE = 100;
const REG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerregistry\/registries\/([^/]+)(\/listcredentials)?$/;
const REG_LIST_SUB = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.containerregistry\/registries$/;
const REG_LIST_RG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerregistry\/registries$/;
const DIAG = /^(\/subscriptions\/.+?)\/providers\/microsoft\.insights\/diagnosticsettings$/;

export function toArmRegistry(row: EstateRow): Record<string, unknown> {
  const { id, name, location, tags, sku, identity, properties } = row;
  const systemData = row['systemData'];
  return {
    id, name, type: 'Microsoft.ContainerRegistry/registries', location, tags: tags ?? {}, sku,
    ...(identity ? { identity } : {}), ...(systemData ? { systemData } : {}), properties: properties ?? {},
  };
}

function notFound(ctx: Authenticated, headers: Headers, id: string): void {
  armError(ctx.res, 404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerRegistry/registries/${id.split('/').pop()}' under resource group '${id.split('/')[4] ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`, headers);
}

function forbidden(ctx: Authenticated, headers: Headers, action: string, scope: string): void {
  const oid = String(ctx.claims.oid ?? 'unknown');
  armError(ctx.res, 403, 'AuthorizationFailed', `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`, headers);
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
    const scope = view.forbiddenScope(id);
    if (scope) return forbidden(ctx, headers, isCreds ? 'Microsoft.ContainerRegistry/registries/listCredentials/action' : 'Microsoft.ContainerRegistry/registries/read', id);
    const row = view.resourceById(id);
    if (!row || row.type.toLowerCase() !== REGISTRY_TYPE) return notFound(ctx, headers, id);
    if (!isCreds) return sendJson(ctx.res, 200, toArmRegistry(row), headers);
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
    const scope = view.forbiddenScope(`/subscriptions/${sub}${rg ? `/resourcegroups/${rg}` : ''}`);
    if (scope) return forbidden(ctx, headers, 'Microsoft.ContainerRegistry/registries/read', path);
    if (!view.estate.subscriptions.some((s) => s.subscriptionId.toLowerCase() === sub)) {
      return armError(ctx.res, 404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`, headers);
    }
    let rows = view.registriesInSubscription(sub);
    if (rg) rows = rows.filter((r) => (r.resourceGroup ?? '').toLowerCase() === rg);
    // Registries the principal cannot read are left out of a list, as ARM does.
    rows = rows.filter((r) => !view.forbiddenScope(r.id));
    const skip = Number(url.searchParams.get('$skipToken') ?? '0') || 0;
    const page = rows.slice(skip, skip + PAGE);
    const body: Record<string, unknown> = { value: page.map(toArmRegistry) };
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
    if (view.forbiddenScope(resourceId)) return forbidden(ctx, headers, 'Microsoft.Insights/diagnosticSettings/read', resourceId);
    if (!view.resourceById(resourceId)) {
      return armError(ctx.res, 404, 'ResourceNotFound', `The Resource '${resourceId}' was not found.`, headers);
    }
    const value = view.diagnosticSettings(resourceId).map((s) => {
      const d = s as { id?: string; name: string };
      return { id: d.id ?? `${resourceId}/providers/microsoft.insights/diagnosticSettings/${d.name}`, type: 'Microsoft.Insights/diagnosticSettings', ...d };
    });
    return sendJson(ctx.res, 200, { value }, headers);
  }

  armError(ctx.res, 404, 'EmulatorNotImplemented', `The acr-auditor emulator does not serve ${method} ${path} on management.azure.com (it serves Resource Graph, container registries and diagnostic settings).`, headers);
}
