/**
 * The ACR data plane of one registry (routed by login server): the token challenge and exchange,
 * `/acr/v1` catalog, manifests, tags and repository properties with `Link` paging, the OCI
 * `/v2` manifest and blob reads, and the OCI 1.1 referrers API (issue 15).
 */
import { audienceMatches, ACR_AUDIENCE, ARM_AUDIENCES, type RequestContext } from './context.js';
import { contentBytes } from './state.js';
import type { EstateManifest, EstateRepository } from './estate.js';
import { parseForm, readBody, send, sendJson, type Headers } from './http.js';
import { bearer, mintToken, readToken } from './tokens.js';

interface Access { type: string; name: string; actions: string[] }

function acrErrors(ctx: RequestContext, status: number, code: string, message: string, headers: Headers = {}, detail?: unknown): void {
  sendJson(ctx.res, status, { errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] }, headers);
}

function parseScope(scope: string): Access[] {
  return scope.split(' ').filter(Boolean).map((s) => {
    const last = s.lastIndexOf(':');
    const first = s.indexOf(':');
    return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',') };
  });
}

function covers(granted: Access[], needed: Access): boolean {
  return granted.some((g) => g.type === needed.type && g.name === needed.name && needed.actions.every((a) => g.actions.includes(a) || g.actions.includes('*')));
}

function challenge(ctx: RequestContext, scope: string | undefined, why: string): void {
  const host = ctx.host;
  const auth = `Bearer realm="https://${host}/oauth2/token",service="${host}"${scope ? `,scope="${scope}"` : ''}`;
  acrErrors(ctx, 401, 'UNAUTHORIZED', `authentication required, visit https://aka.ms/acr/authorization for more information. (${why})`,
    { 'www-authenticate': auth, 'docker-distribution-api-version': 'registry/2.0' },
    scope ? parseScope(scope).map(({ type, name, actions }) => ({ Type: type, Name: name, Action: actions.join(',') })) : undefined);
}

const HOUR = 3600;

/** The caller holds no permission for this scope item (emulator.forbidden: the registry, its ARM scope, or `<login server>/<repository>`). */
function forbiddenFor(ctx: RequestContext, a: Access): boolean {
  if (ctx.view.isForbiddenHost(ctx.host)) return true;
  return a.type === 'repository' && ctx.view.isForbiddenRepository(ctx.host, a.name);
}

/** `POST /oauth2/exchange` and `POST /oauth2/token`. */
async function handleOAuth(ctx: RequestContext, kind: 'exchange' | 'token'): Promise<void> {
  const form = parseForm(await readBody(ctx.req));
  const service = form.get('service') ?? '';
  if (service.toLowerCase() !== ctx.host) return acrErrors(ctx, 400, 'BAD_REQUEST', `service '${service}' does not match this registry '${ctx.host}'`);
  const nowS = Math.floor(Date.now() / 1000);
  const registry = ctx.view.registryByLoginServer(ctx.host);
  if (kind === 'exchange') {
    if (form.get('grant_type') !== 'access_token') return acrErrors(ctx, 400, 'BAD_REQUEST', "grant_type must be 'access_token'");
    const r = readToken(ctx.kid, form.get('access_token') ?? '');
    if ('error' in r) return acrErrors(ctx, 401, 'UNAUTHORIZED', `invalid AAD access token: ${r.error}`);
    const armDisabled = String((registry?.properties?.['policies'] as { azureADAuthenticationAsArmPolicy?: { status?: string } } | undefined)
      ?.azureADAuthenticationAsArmPolicy?.status ?? 'enabled').toLowerCase() === 'disabled';
    const accepted = armDisabled ? [ACR_AUDIENCE] : [ACR_AUDIENCE, ...ARM_AUDIENCES];
    if (!audienceMatches(r.claims.aud, accepted)) {
      return acrErrors(ctx, 401, 'UNAUTHORIZED', `the AAD token audience '${r.claims.aud}' is not accepted by this registry${armDisabled ? ' (ARM-audience tokens are disabled: request https://containerregistry.azure.net)' : ''}`);
    }
    const refresh = mintToken(ctx.kid, { aud: ctx.host, exp: nowS + (ctx.view.estate.emulator.registryTokenLifetimeSeconds?.refresh ?? 3 * HOUR), iat: nowS, grant_type: 'refresh_token', ...(r.claims.oid !== undefined ? { oid: r.claims.oid } : {}), ...(r.claims.tid !== undefined ? { tid: r.claims.tid } : {}), iss: 'Azure Container Registry' });
    return sendJson(ctx.res, 200, { refresh_token: refresh });
  }
  const grant = form.get('grant_type');
  const scope = form.get('scope') ?? '';
  let subject: string | undefined;
  if (grant === 'refresh_token') {
    const r = readToken(ctx.kid, form.get('refresh_token') ?? '');
    if ('error' in r || r.claims.aud !== ctx.host || r.claims['grant_type'] !== 'refresh_token') {
      return acrErrors(ctx, 401, 'UNAUTHORIZED', `invalid refresh token${'error' in r ? `: ${r.error}` : ''}`);
    }
    subject = String(r.claims.oid ?? '');
  } else if (grant === 'password' && !form.get('refresh_token')) {
    // Anonymous pull: only when the registry allows it, and only pull/metadata scopes.
    if (registry?.properties?.['anonymousPullEnabled'] !== true) return acrErrors(ctx, 401, 'UNAUTHORIZED', 'anonymous pull is disabled on this registry');
    if (parseScope(scope).some((a) => a.type !== 'repository' || a.actions.some((x) => x !== 'pull'))) {
      return acrErrors(ctx, 401, 'UNAUTHORIZED', 'anonymous access grants only repository pull');
    }
  } else {
    return acrErrors(ctx, 400, 'BAD_REQUEST', "grant_type must be 'refresh_token' (or 'password' for anonymous pull)");
  }
  // The token carries the intersection of what was asked and what the caller may do: for a forbidden
  // registry (or repository) that is no action at all. "If the client only has a subset of the
  // requested access it must not be considered an error ... If the client has no access to the
  // repository then the intersected set would be empty" (Docker Registry v2 token authentication
  // specification, distribution docs/spec/auth/token.md). The API call is then challenged again with
  // 401 UNAUTHORIZED "authentication required, visit https://aka.ms/acr/authorization", the symptom
  // Microsoft documents for a caller without pull permission
  // (https://learn.microsoft.com/troubleshoot/azure/azure-container-registry/authentication-required).
  // Anonymous pull is not a role assignment: `forbidden` does not apply to it.
  const access = parseScope(scope).map((a) => (subject !== undefined && forbiddenFor(ctx, a) ? { ...a, actions: [] } : a));
  const token = mintToken(ctx.kid, { aud: ctx.host, exp: nowS + (ctx.view.estate.emulator.registryTokenLifetimeSeconds?.access ?? HOUR), iat: nowS, sub: subject ?? 'anonymous', access, grant_type: 'access_token' });
  return sendJson(ctx.res, 200, { access_token: token });
}

function pageParams(url: URL): { n: number; last: string | undefined } {
  const raw = Number(url.searchParams.get('n') ?? '100');
  const n = Number.isFinite(raw) && raw > 0 ? Math.min(Math.floor(raw), 1000) : 100;
  return { n, last: url.searchParams.get('last') ?? undefined };
}

function linkHeader(path: string, params: Record<string, string>): string {
  return `<${path}?${new URLSearchParams(params).toString()}>; rel="next"`;
}

function encodeRepo(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function manifestItem(m: EstateManifest): Record<string, unknown> {
  const { content: _content, referrers: _referrers, tagAttributes: _tagAttributes, ...rest } = m;
  return rest;
}

function repoUnknown(ctx: RequestContext, name: string): void {
  acrErrors(ctx, 404, 'NAME_UNKNOWN', 'repository name not known to registry', {}, { name });
}

/** Serves one data-plane request for the registry at `ctx.host` (quota already checked; forbidden scopes are enforced by the tokens). */
export async function handleRegistry(ctx: RequestContext): Promise<void> {
  const { req, url, view, host } = ctx;
  const method = req.method ?? 'GET';
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return acrErrors(ctx, 400, 'BAD_REQUEST', 'malformed path');
  }
  if (method === 'POST' && path === '/oauth2/exchange') return handleOAuth(ctx, 'exchange');
  if (method === 'POST' && path === '/oauth2/token') return handleOAuth(ctx, 'token');
  if (method !== 'GET' && method !== 'HEAD') return acrErrors(ctx, 405, 'UNSUPPORTED', `the emulator serves reads only, not ${method} ${path}`);

  // What the request needs, and the repository it touches.
  let needed: Access | undefined;
  let route: { kind: 'base' } | { kind: 'catalog' } | { kind: 'acr'; repo: string; what: '' | '_manifests' | '_tags'; ref?: string } | { kind: 'v2'; repo: string; what: 'manifests' | 'blobs' | 'referrers'; ref: string };
  let m: RegExpExecArray | null;
  if (path === '/v2/' || path === '/v2') route = { kind: 'base' };
  else if (path === '/acr/v1/_catalog') { route = { kind: 'catalog' }; needed = { type: 'registry', name: 'catalog', actions: ['*'] }; }
  else if ((m = /^\/acr\/v1\/(.+?)\/(_manifests|_tags)(?:\/([^/]+))?$/.exec(path))) {
    route = { kind: 'acr', repo: m[1]!, what: m[2] as '_manifests' | '_tags', ...(m[3] ? { ref: m[3] } : {}) };
  } else if ((m = /^\/acr\/v1\/(.+)$/.exec(path))) route = { kind: 'acr', repo: m[1]!, what: '' };
  else if ((m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(path))) route = { kind: 'v2', repo: m[1]!, what: m[2] as 'manifests' | 'blobs' | 'referrers', ref: m[3]! };
  else return acrErrors(ctx, 404, 'NOT_FOUND', `the acr-auditor emulator does not serve ${method} ${path} on ${host}`);
  if (route.kind === 'acr') needed = { type: 'repository', name: route.repo, actions: ['metadata_read'] };
  if (route.kind === 'v2') needed = { type: 'repository', name: route.repo, actions: ['pull'] };

  // Authentication: an ACR access token for this registry covering the scope, else the challenge.
  const scopeText = needed ? `${needed.type}:${needed.name}:${needed.actions.join(',')}` : undefined;
  const token = bearer(req.headers.authorization);
  if (!token) return challenge(ctx, scopeText, 'no bearer token');
  const r = readToken(ctx.kid, token);
  if ('error' in r) return challenge(ctx, scopeText, r.error);
  if (r.claims.aud !== host || r.claims['grant_type'] !== 'access_token') return challenge(ctx, scopeText, 'the token is not an access token of this registry');
  if (needed && !covers((r.claims['access'] as Access[] | undefined) ?? [], needed)) return challenge(ctx, scopeText, 'insufficient scope');
  // A permission withdrawn after the token was issued (`forbidden` changed) takes effect at once: the
  // still-unexpired token is challenged again. Stricter than a JWT checked only for its claims, so a
  // client that caches tokens for their lifetime must cope with a mid-life refusal.
  if (needed && r.claims['sub'] !== 'anonymous' && forbiddenFor(ctx, needed)) return challenge(ctx, scopeText, 'insufficient scope (permission withdrawn)');

  const headers: Headers = { 'docker-distribution-api-version': 'registry/2.0' };
  if (route.kind === 'base') return sendJson(ctx.res, 200, {}, headers);

  if (route.kind === 'catalog') {
    const names = view.catalog(host);
    const { n, last } = pageParams(url);
    const start = last === undefined ? 0 : upperBound(names, last);
    const page = names.slice(start, start + n);
    if (start + n < names.length) headers['link'] = linkHeader('/acr/v1/_catalog', { last: page[page.length - 1]!, n: String(n) });
    return sendJson(ctx.res, 200, { repositories: page }, headers);
  }

  const repo = view.repository(host, route.repo);
  if (!repo) return repoUnknown(ctx, route.repo);

  if (route.kind === 'acr') return serveAcr(ctx, repo, route.repo, route.what, route.ref, headers);
  return serveV2(ctx, repo, route.repo, route.what, route.ref, headers);
}

/** Index of the first name > last (names sorted ordinally). */
function upperBound(names: string[], last: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]! <= last) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function serveAcr(ctx: RequestContext, repo: EstateRepository, name: string, what: '' | '_manifests' | '_tags', ref: string | undefined, headers: Headers): void {
  const { view, host, url } = ctx;
  const idx = view.manifestIndex(repo);
  const base = { registry: host, imageName: name };
  if (what === '') {
    const times = repo.manifests.map((m) => m.createdTime).sort();
    const updates = repo.manifests.map((m) => m.lastUpdateTime ?? m.createdTime).sort();
    return sendJson(ctx.res, 200, {
      ...base,
      createdTime: repo.createdTime ?? times[0] ?? new Date(0).toISOString(),
      lastUpdateTime: repo.lastUpdateTime ?? updates[updates.length - 1] ?? new Date(0).toISOString(),
      manifestCount: repo.manifests.length,
      tagCount: idx.byTag.size,
      changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true, ...repo.changeableAttributes },
    }, headers);
  }
  if (what === '_manifests') {
    if (ref !== undefined) {
      const m = idx.byDigest.get(ref);
      if (!m) return acrErrors(ctx, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', headers, { digest: ref });
      return sendJson(ctx.res, 200, { ...base, manifest: manifestItem(m) }, headers);
    }
    const orderby = url.searchParams.get('orderby') ?? 'none';
    const { list, position } = view.manifestOrder(repo, orderby);
    const { n, last } = pageParams(url);
    let start = 0;
    if (last !== undefined) {
      const p = position.get(last);
      if (p === undefined) return acrErrors(ctx, 400, 'BAD_REQUEST', `'last' digest not found in repository ${name}`, headers);
      start = p + 1;
    }
    const page = list.slice(start, start + n);
    if (start + n < list.length) {
      headers['link'] = linkHeader(`/acr/v1/${encodeRepo(name)}/_manifests`, { last: page[page.length - 1]!.digest, n: String(n), ...(orderby !== 'none' ? { orderby } : {}) });
    }
    return sendJson(ctx.res, 200, { ...base, manifests: page.map(manifestItem) }, headers);
  }
  // _tags: TagAttributesBase (azure-rest-api-specs specification/containerregistry/data-plane/Azure.ContainerRegistry/
  // stable/2021-07-01, examples/GetTagList.json and GetTagAttributes.json): each tag with ITS OWN changeableAttributes
  // (`tagAttributes` in the estate, ACR's all-true default otherwise), never its manifest's: locking a manifest by digest
  // does not lock its tags (learn.microsoft.com/azure/container-registry/container-registry-image-lock), and reporting
  // a tag locked because its manifest is would be more lenient than ACR.
  const tagItem = (t: { name: string; manifest: EstateManifest }): Record<string, unknown> => ({
    name: t.name, digest: t.manifest.digest, createdTime: t.manifest.createdTime,
    lastUpdateTime: t.manifest.lastUpdateTime ?? t.manifest.createdTime, signed: false,
    changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true, ...t.manifest.tagAttributes?.[t.name] },
  });
  if (ref !== undefined) {
    const m = idx.byTag.get(ref);
    if (!m) return acrErrors(ctx, 404, 'TAG_UNKNOWN', 'the specified tag does not exist', headers, { tag: ref });
    return sendJson(ctx.res, 200, { ...base, tag: tagItem({ name: ref, manifest: m }) }, headers);
  }
  let tags = view.tagsOf(repo);
  const digest = url.searchParams.get('digest');
  if (digest) tags = tags.filter((t) => t.manifest.digest === digest);
  const orderby = url.searchParams.get('orderby');
  if (orderby === 'timedesc' || orderby === 'timeasc') {
    const t = (x: { manifest: EstateManifest }): number => Date.parse(x.manifest.lastUpdateTime ?? x.manifest.createdTime) || 0;
    tags = [...tags].sort((a, b) => (orderby === 'timedesc' ? t(b) - t(a) : t(a) - t(b)) || (a.name < b.name ? -1 : 1));
  }
  const { n, last } = pageParams(url);
  // Unordered listings are by name: `last` continues after that name even when the tag is gone since (no restart at the top).
  const start = last === undefined ? 0 : orderby === 'timedesc' || orderby === 'timeasc' ? tags.findIndex((t) => t.name === last) + 1 : upperBound(tags.map((t) => t.name), last);
  const page = tags.slice(start, start + n);
  if (start + n < tags.length) {
    headers['link'] = linkHeader(`/acr/v1/${encodeRepo(name)}/_tags`, { last: page[page.length - 1]!.name, n: String(n), ...(orderby ? { orderby } : {}), ...(digest ? { digest } : {}) });
  }
  return sendJson(ctx.res, 200, { ...base, tags: page.map(tagItem) }, headers);
}

function serveV2(ctx: RequestContext, repo: EstateRepository, name: string, what: 'manifests' | 'blobs' | 'referrers', ref: string, headers: Headers): void {
  const idx = ctx.view.manifestIndex(repo);
  if (what === 'referrers') return serveReferrers(ctx, idx.byDigest.get(ref), name, ref, headers);
  if (what === 'manifests') {
    const m = ref.includes(':') ? idx.byDigest.get(ref) : idx.byTag.get(ref);
    if (!m || m.content === undefined) {
      return acrErrors(ctx, 404, 'MANIFEST_UNKNOWN', `manifest unknown${m ? ' (the estate has no content for it)' : ''}`, headers, { Name: name, Revision: ref });
    }
    const body = contentBytes(m.content);
    const mediaType = m.mediaType ?? (m.content as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    return send(ctx.res, 200, body, { ...headers, 'content-type': mediaType, 'docker-content-digest': m.digest });
  }
  const blob = repo.blobs && Object.hasOwn(repo.blobs, ref) ? repo.blobs[ref] : undefined;
  if (blob === undefined) return acrErrors(ctx, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', headers, ref);
  return send(ctx.res, 200, contentBytes(blob), { ...headers, 'content-type': 'application/octet-stream', 'docker-content-digest': ref });
}

/** Referrers per page when the client does not ask (`n`); the OCI spec leaves the page size to the registry. */
const REFERRERS_PAGE = 100;

/**
 * `GET /v2/{repository}/referrers/{digest}[?artifactType=...]` (OCI distribution spec v1.1, "Listing Referrers",
 * endpoints end-12a / end-12b, https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers):
 * an image index (`application/vnd.oci.image.index.v1+json`) whose `manifests` are descriptors carrying the
 * referrer's `artifactType` and `annotations`; an empty list when nothing matches; `OCI-Filters-Applied:
 * artifactType` when the filter was applied; a `Link: <...>; rel="next"` header (RFC 5988) when the list does
 * not fit one response. A digest that is not a manifest of the repository answers 404 `MANIFEST_UNKNOWN`, as ACR
 * does for an unknown subject (the spec lists 404 among the endpoint's failures); a malformed digest is 400.
 * Paging: `n` and `last` (the digest of the last descriptor of the previous page), as the `/acr/v1` listings page.
 */
function serveReferrers(ctx: RequestContext, subject: EstateManifest | undefined, name: string, ref: string, headers: Headers): void {
  if (!/^[a-z0-9]+:[a-f0-9]+$/i.test(ref)) return acrErrors(ctx, 400, 'DIGEST_INVALID', 'invalid digest', headers, { Name: name, Revision: ref });
  if (!subject) return acrErrors(ctx, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', headers, { Name: name, Revision: ref });
  const artifactType = ctx.url.searchParams.get('artifactType') ?? undefined;
  let all = (subject.referrers ?? []).map((r) => ({
    mediaType: r.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    digest: r.digest,
    size: r.size ?? 0,
    ...(r.artifactType !== undefined ? { artifactType: r.artifactType } : {}),
    ...(r.annotations ? { annotations: r.annotations } : {}),
  }));
  if (artifactType !== undefined) {
    all = all.filter((d) => d.artifactType === artifactType);
    headers['oci-filters-applied'] = 'artifactType';
  }
  const raw = Number(ctx.url.searchParams.get('n') ?? String(REFERRERS_PAGE));
  const n = Number.isFinite(raw) && raw > 0 ? Math.min(Math.floor(raw), 1000) : REFERRERS_PAGE;
  const last = ctx.url.searchParams.get('last');
  const start = last ? all.findIndex((d) => d.digest === last) + 1 : 0;
  const page = all.slice(start, start + n);
  if (start + n < all.length) {
    headers['link'] = linkHeader(`/v2/${encodeRepo(name)}/referrers/${ref}`, { last: page[page.length - 1]!.digest, n: String(n), ...(artifactType !== undefined ? { artifactType } : {}) });
  }
  return send(ctx.res, 200, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: page })), {
    ...headers,
    'content-type': 'application/vnd.oci.image.index.v1+json',
  });
}
