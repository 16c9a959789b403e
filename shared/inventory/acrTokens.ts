/**
 * ACR data-plane tokens, cached by scope (issue 18 item 1).
 *
 * `@azure/container-registry` 1.1 keeps ONE access token per client (its challenge handler's
 * `cachedAcrAccessToken`), so a client listing several repositories concurrently is challenged again
 * (401 + `POST /oauth2/token`) on every switch of repository. Here instead:
 * - the AAD -> ACR refresh token (`POST /oauth2/exchange`) is fetched once per registry and reused
 *   until shortly before its `exp`;
 * - an access token (`POST /oauth2/token`) is fetched once per (registry, scope) and reused until
 *   shortly before its `exp`; concurrent requests for one scope share one fetch (single-flight);
 * - `acrScopedTokenPolicy` authorises each SDK request up front with the token of the scope ACR's
 *   challenge would name for it (`registry:catalog:*`, `repository:<name>:metadata_read` for
 *   `/acr/v1/<name>...`, `repository:<name>:pull` for `/v2/<name>/...`, referrers included). A refused token (401) is
 *   dropped and the request falls back to the SDK's own challenge path; a challenge naming other
 *   actions for that kind of call is learned for the next requests.
 * Token round trips go through their own pipeline with the same agent, retry policy and call counter
 * as the SDK clients.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
} from '@azure/core-rest-pipeline';
import { clientOptions, isObj, type AzureConnection } from './connection.js';

/** The SDK's data-plane API version (it sends it on the token calls too). */
const API_VERSION = '2021-07-01';
/** Refresh this long before `exp` (the SDK's own refresh window), or half the lifetime if shorter. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** When a token has no readable `exp`: reuse it this long (a refusal drops it earlier). */
const FALLBACK_LIFETIME_MS = 5 * 60_000;
/** Access tokens kept (LRU): a nightly touches each repository scope once, a push path reuses them. */
const MAX_ACCESS_TOKENS = 4096;

export type AcrCallKind = 'catalog' | 'metadata' | 'content';

/** The kind of an ACR data-plane read and the repository it touches; `undefined` when it needs no scoped token here. */
export function acrCallOf(method: string, pathname: string): { kind: AcrCallKind; name: string } | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (path === '/acr/v1/_catalog') return { kind: 'catalog', name: 'catalog' };
  let m = /^\/acr\/v1\/(.+?)\/(?:_manifests|_tags)(?:\/[^/]+)?$/.exec(path) ?? /^\/acr\/v1\/(.+)$/.exec(path);
  if (m) return { kind: 'metadata', name: m[1]! };
  m = /^\/v2\/(.+)\/(?:manifests|blobs|referrers)\/[^/]+$/.exec(path);
  if (m) return { kind: 'content', name: m[1]! };
  return undefined;
}

interface Cached { token: string; refreshAt: number; expiresAt: number }

export interface AcrTokenCacheOptions {
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}

export class AcrTokenCache {
  private readonly refreshTokens = new Map<string, Cached>();
  private readonly accessTokens = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<Cached>>();
  /** Actions per kind of call; a challenge naming others replaces them. */
  private readonly actions: Record<AcrCallKind, string> = { catalog: '*', metadata: 'metadata_read', content: 'pull' };
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  private readonly now: () => number;

  constructor(private readonly conn: AzureConnection, o: AcrTokenCacheOptions = {}) {
    const opts = clientOptions(conn, 'registry');
    this.pipeline = createPipelineFromOptions(opts);
    for (const { policy } of opts.additionalPolicies) this.pipeline.addPolicy(policy, { afterPhase: 'Sign' });
    this.httpClient = createDefaultHttpClient();
    this.now = o.now ?? Date.now;
  }

  /** The scope ACR's challenge names for this kind of call on this repository (or the catalog). */
  scopeOf(kind: AcrCallKind, name: string): string {
    return kind === 'catalog' ? `registry:catalog:${this.actions.catalog}` : `repository:${name}:${this.actions[kind]}`;
  }

  /** A challenge answered a request of this kind with another scope: ask for its actions from now on. */
  learn(kind: AcrCallKind, name: string, challengedScope: string | undefined): void {
    if (!challengedScope || challengedScope.includes(' ')) return;
    const prefix = kind === 'catalog' ? 'registry:catalog:' : `repository:${name}:`;
    if (challengedScope.startsWith(prefix)) {
      const actions = challengedScope.slice(prefix.length);
      if (actions && !actions.includes(':')) this.actions[kind] = actions;
    }
  }

  /**
   * An access token for `scope` on the registry `service` (its login server). Not abortable: one fetch
   * serves every concurrent caller of the scope, so no single caller's signal may cancel it.
   */
  async accessToken(service: string, scope: string): Promise<string> {
    const key = `${service} ${scope}`;
    const hit = this.accessTokens.get(key);
    if (hit && this.now() < hit.refreshAt) {
      this.accessTokens.delete(key);
      this.accessTokens.set(key, hit); // LRU
      return hit.token;
    }
    const got = await this.singleFlight(`access ${key}`, async () => {
      let refresh = await this.refreshToken(service);
      let token: string;
      try {
        token = await this.post(service, '/oauth2/token', { grant_type: 'refresh_token', service, scope, refresh_token: refresh.token }, 'access_token');
      } catch (e) {
        if (!(e instanceof RestError) || e.statusCode !== 401) throw e;
        // The refresh token was refused (revoked, or expired early): exchange a new one, once.
        this.forgetRefreshToken(service, refresh.token);
        refresh = await this.refreshToken(service);
        token = await this.post(service, '/oauth2/token', { grant_type: 'refresh_token', service, scope, refresh_token: refresh.token }, 'access_token');
      }
      const c = this.lifetimeOf(token);
      this.accessTokens.delete(key);
      this.accessTokens.set(key, c);
      while (this.accessTokens.size > MAX_ACCESS_TOKENS) this.accessTokens.delete(this.accessTokens.keys().next().value!);
      return c;
    });
    return got.token;
  }

  /** Drops `token` for `scope` (the registry refused it), unless a newer one replaced it already. */
  forget(service: string, scope: string, token: string): void {
    const key = `${service} ${scope}`;
    if (this.accessTokens.get(key)?.token === token) this.accessTokens.delete(key);
  }

  private forgetRefreshToken(service: string, token: string): void {
    if (this.refreshTokens.get(service)?.token === token) this.refreshTokens.delete(service);
  }

  private async refreshToken(service: string): Promise<Cached> {
    const hit = this.refreshTokens.get(service);
    if (hit && this.now() < hit.refreshAt) return hit;
    return this.singleFlight(`refresh ${service}`, async () => {
      const aad = await this.conn.credential.getToken(`${this.conn.cloud.acrAudience}/.default`);
      if (!aad) throw new Error('the credential returned no AAD token for the ACR audience');
      const token = await this.post(service, '/oauth2/exchange', { grant_type: 'access_token', service, access_token: aad.token }, 'refresh_token');
      const c = this.lifetimeOf(token);
      this.refreshTokens.set(service, c);
      return c;
    });
  }

  private async singleFlight(key: string, fetch: () => Promise<Cached>): Promise<Cached> {
    let p = this.inflight.get(key);
    if (!p) {
      p = fetch().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /**
   * When to refresh a token: its lifetime is `exp - iat` from its own claims (so a skewed local clock
   * does not matter), counted from now; refreshed `REFRESH_MARGIN_MS` (or half its lifetime) early.
   */
  private lifetimeOf(token: string): Cached {
    const now = this.now();
    let lifetimeMs = FALLBACK_LIFETIME_MS;
    const claims = jwtClaims(token);
    if (claims && typeof claims.exp === 'number') {
      const issued = typeof claims.iat === 'number' ? claims.iat * 1000 : now;
      lifetimeMs = Math.max(0, claims.exp * 1000 - issued);
    }
    const expiresAt = now + lifetimeMs;
    return { token, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
  }

  /**
   * One token round trip (retried by the pipeline like every SDK call). A failure is thrown as a
   * `RestError` WITHOUT a response, so the SDK request that needed the token is not retried again
   * on top (its retries already ran here) and its error names this call's status.
   */
  private async post(service: string, path: string, form: Record<string, string>, field: string): Promise<string> {
    const request = createPipelineRequest({
      url: `https://${service}${path}?api-version=${API_VERSION}`,
      method: 'POST',
      headers: createHttpHeaders({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }),
      body: new URLSearchParams(form).toString(),
    });
    let status: number;
    let body: unknown;
    try {
      const res = await this.pipeline.sendRequest(this.httpClient, request);
      status = res.status;
      body = safeJson(res.bodyAsText ?? '');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new RestError(`ACR ${path} failed: ${message}`, { code: 'AcrTokenRequestFailed', ...(e instanceof RestError && e.statusCode ? { statusCode: e.statusCode } : {}) });
    }
    const value = isObj(body) ? body[field] : undefined;
    if (status === 200 && typeof value === 'string' && value) return value;
    const err = isObj(body) && Array.isArray(body.errors) && isObj(body.errors[0]) ? body.errors[0] : undefined;
    const code = typeof err?.code === 'string' ? err.code : 'AcrTokenRequestFailed';
    const message = typeof err?.message === 'string' ? err.message : status === 200 ? `no ${field} in the answer` : `status ${status}`;
    throw new RestError(`ACR ${path}: ${message}`, { code, statusCode: status === 200 ? 500 : status });
  }
}

/**
 * Authorises each ACR data-plane read of the registry at `loginServer` up front with the cached token
 * of its scope. Runs after the SDK's bearer policy (position `perRetry`), so it overrides the SDK's
 * single cached token; on a refusal (401) it drops the token and leaves the request to the SDK's
 * challenge path (`refused`: later attempts of that request pass through untouched). Requests to any
 * other host (a blob redirect) are never given an ACR token.
 */
export function acrScopedTokenPolicy(cache: AcrTokenCache, loginServer: string): PipelinePolicy {
  const host = loginServer.toLowerCase();
  const refused = new WeakSet<PipelineRequest>();
  return {
    name: 'acrAuditorScopedToken',
    async sendRequest(request, next) {
      if (refused.has(request)) return next(request);
      const url = new URL(request.url);
      const call = url.hostname.toLowerCase() === host ? acrCallOf(request.method, url.pathname) : undefined;
      if (!call) return next(request);
      const scope = cache.scopeOf(call.kind, call.name);
      const token = await cache.accessToken(host, scope);
      request.headers.set('Authorization', `Bearer ${token}`);
      const response = await next(request);
      if (response.status === 401) {
        cache.forget(host, scope, token);
        cache.learn(call.kind, call.name, /scope="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1]);
        refused.add(request);
      }
      return response;
    },
  };
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  const claims = safeJson(Buffer.from(payload, 'base64url').toString('utf8'));
  return isObj(claims) ? claims : undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
