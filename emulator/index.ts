/**
 * The loopback Azure emulator: serves an estate file (docs/estate.md) over Azure's real REST
 * protocols on 127.0.0.1, so the real SDK clients and the real ManagedIdentityCredential run
 * unmodified against it. Hosts keep their real names (management.azure.com, <registry>.azurecr.io,
 * api.loganalytics.io); the `agent` sends every connection to loopback and trusts the emulator CA.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Estate, EmulatedService } from './estate.js';
import { issueCertificates } from './certs.js';
import { EstateView } from './state.js';
import { audienceMatches, ARM_AUDIENCES, LOGS_AUDIENCES, type Authenticated, type RequestContext } from './context.js';
import { armError, hms, parseJsonBody, readBody, sendJson, sleep, TokenBucket, WindowQuota, type Headers } from './http.js';
import { bearer, mintToken, readToken } from './tokens.js';
import { ResourceGraph, type ArgRequest } from './resourceGraph.js';
import { handleArm } from './arm.js';
import { handleRegistry } from './registry.js';
import { handleLogs } from './logs.js';
import { handleOpenId, issuerOf, OPENID_HOST, signUserToken, type UserTokenClaims } from './openid.js';

export { loadEstate, loadEstateFile, EstateError, type Estate } from './estate.js';
export { digestOf } from './state.js';
export { issuerOf, signUserToken, type UserTokenClaims } from './openid.js';

export interface StartEmulatorOptions {
  /** Already validated (loadEstate / loadEstateFile). */
  estate: Estate;
  /** The data clock, for `ago()` in queries. Tokens always use the real clock. */
  now?: () => Date;
  /** HTTPS port; 0 (default) picks a free one. */
  port?: number;
  /** How long a `timeout` fault holds a request before dropping the connection (default 10 s). */
  timeoutFaultMs?: number;
}

export type ServiceName = 'identity' | 'arm' | 'resourceGraph' | 'registry' | 'logs';

export interface RunningEmulator {
  /** Sends EVERY host's connection to the emulator (SNI kept) and trusts its CA: pass as the `agent` client option. */
  agent: https.Agent;
  /** The HTTPS port. */
  port: number;
  /** CA certificate (PEM) that signed the server certificate. */
  caPem: string;
  /** http://127.0.0.1:<p>/msi/token (IDENTITY_ENDPOINT protocol). */
  identityEndpoint: string;
  /** The secret expected in header x-identity-header. */
  identityHeader: string;
  /** The tenant's test issuer (https://login.microsoftonline.com/{tenant}/v2.0), served by this emulator. */
  issuer: string;
  /** A user token signed by the test issuer (RS256, its JWKS key): for the findings page's sign-in tests. */
  signUserToken(claims: Omit<UserTokenClaims, 'tid'> & { tid?: string }): string;
  /** Requests served per service (Azure round trips). */
  calls(): Record<ServiceName, number>;
  /** Faults injected per service since start (never reset). */
  faultsInjected(): Record<ServiceName, number>;
  /** The distinct requests (`service METHOD host path?query`) a `firstPerRequest` fault has hit, with their count. */
  faultedRequests(): ReadonlyMap<string, number>;
  resetCalls(): void;
  /** Live: mutations are seen by the next request. */
  estate: Estate;
  close(): Promise<void>;
}

const ARM_HOST = 'management.azure.com';
const LOGS_HOST = 'api.loganalytics.io';
const FIXED_HOSTS = [ARM_HOST, LOGS_HOST, 'api.loganalytics.azure.com', 'login.microsoftonline.com', 'localhost'];

/**
 * Key id of the tokens emulators in this process mint. Shared by every emulator of the process:
 * MSAL caches managed-identity tokens process-wide, so a token from an earlier emulator (an earlier
 * test) must stay valid on the next one.
 */
const PROCESS_KID = randomUUID();

function emptyCalls(): Record<ServiceName, number> {
  return { identity: 0, arm: 0, resourceGraph: 0, registry: 0, logs: 0 };
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  const view = new EstateView(opts.estate);
  const now = opts.now ?? (() => new Date());
  const kid = PROCESS_KID;
  const identityHeader = randomBytes(18).toString('base64url');
  const principalId = randomUUID();
  const timeoutFaultMs = opts.timeoutFaultMs ?? 10_000;
  const certs = await issueCertificates([...FIXED_HOSTS, ...view.loginServers()]);

  let calls = emptyCalls();
  const served = emptyCalls(); // never reset: drives `every` faults
  const faultedRequests = new Map<string, number>(); // drives `firstPerRequest` faults
  const faultsInjected = emptyCalls();
  const argQuota = new Map<string, WindowQuota>();
  const armBuckets = new Map<string, TokenBucket>();
  const registryBuckets = new Map<string, { perMinute: number; bucket: TokenBucket }>();
  const graph = new ResourceGraph(view, now);
  const held = new Set<Duplex>();

  /** Latency and injected faults. Returns false when the request was answered (or dropped) by a fault. */
  async function misbehave(service: ServiceName, res: http.ServerResponse): Promise<boolean> {
    const sw = view.estate.emulator;
    const latency = (sw.latencyMs as Partial<Record<EmulatedService, number>> | undefined)?.[service];
    if (latency) await sleep(latency);
    const n = served[service];
    const req = res.req;
    const requestKey = `${service} ${req.method} ${req.headers.host ?? ''} ${req.url ?? ''}`;
    for (const [i, f] of (sw.faults ?? []).entries()) {
      if (f.service !== service) continue;
      if (f.path !== undefined && !new RegExp(f.path).test((req.url ?? '').replace(/\?.*$/, ''))) continue;
      if (f.every !== undefined && n % f.every !== 0) continue;
      if (f.firstPerRequest !== undefined) {
        const key = `${i} ${requestKey}`;
        const seen = faultedRequests.get(key) ?? 0;
        if (seen >= f.firstPerRequest) continue;
        faultedRequests.set(key, seen + 1);
      }
      faultsInjected[service]++;
      const socket = res.req.socket;
      if (f.status === 'reset') { socket.destroy(); return false; }
      if (f.status === 'timeout') {
        held.add(socket);
        const t = setTimeout(() => { held.delete(socket); socket.destroy(); }, timeoutFaultMs);
        t.unref();
        socket.once('close', () => { clearTimeout(t); held.delete(socket); });
        return false;
      }
      const headers: Headers = f.status === 429 || f.status === 503 ? { 'retry-after': '0' } : {};
      const why = f.every !== undefined ? `every ${f.every}th ${service} call` : `the first ${f.firstPerRequest} arrival(s) of each ${service} request`;
      if (service === 'registry') sendJson(res, f.status, { errors: [{ code: 'UNAVAILABLE', message: `injected fault: ${why} answers ${f.status}` }] }, headers);
      else armError(res, f.status, f.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', `injected fault: ${why} answers ${f.status}`, headers);
      return false;
    }
    return true;
  }

  function authenticate(ctx: RequestContext, accepted: readonly string[]): Authenticated | undefined {
    const token = bearer(ctx.req.headers.authorization);
    const www = { 'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${view.estate.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."` };
    if (!token) { armError(ctx.res, 401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", www); return undefined; }
    const r = readToken(kid, token);
    if ('error' in r) { armError(ctx.res, 401, 'InvalidAuthenticationToken', `The access token is invalid: ${r.error}.`, www); return undefined; }
    if (!audienceMatches(r.claims.aud, accepted)) {
      armError(ctx.res, 401, 'InvalidAuthenticationTokenAudience', `The access token has an invalid audience '${r.claims.aud}' for ${ctx.host} (expected ${accepted[0]}).`, www);
      return undefined;
    }
    return { ...ctx, claims: r.claims };
  }

  function armHeaders(scopeKey: string): { ok: boolean; headers: Headers } {
    const limits = view.estate.emulator.quotas?.armReads ?? { burst: 250, refillPerSecond: 25 };
    let b = armBuckets.get(scopeKey);
    if (!b) armBuckets.set(scopeKey, (b = new TokenBucket(limits.burst, limits.refillPerSecond)));
    const t = b.take();
    const name = scopeKey === 'tenant' ? 'x-ms-ratelimit-remaining-tenant-reads' : 'x-ms-ratelimit-remaining-subscription-reads';
    const headers: Headers = { [name]: String(t.remaining) };
    if (!t.ok) headers['retry-after'] = String(Math.max(1, Math.ceil(t.retryAfterMs / 1000)));
    return { ok: t.ok, headers };
  }

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    // Not `new URL(path, base)`: a path like `//subscriptions/...` would parse as an authority.
    const url = new URL(`https://${host || 'localhost'}${req.url ?? '/'}`);
    const path = url.pathname;
    const ctx: RequestContext = { req, res, url, host, view, kid, now };
    let service: ServiceName;
    if (host === ARM_HOST) {
      // Deliberately STRICTER than ARM here: real traces show ARM serving `//subscriptions/...` as
      // `/subscriptions/...` (an HTTP trace answered 200 in an issue; Microsoft's Network Watcher REST
      // walkthrough posts to `https://management.azure.com//subscriptions/{id}/...`; Azure PowerShell's
      // Monitor cmdlets sent `//subscriptions` for years, Azure/azure-powershell#9689). A `//` is still a
      // client mistake (a resource id joined to a path template that already starts with `/`), and
      // another server or proxy may not forgive it, so the emulator refuses EVERY empty path segment,
      // leading ones included, with 400 InvalidRequestUri (the error body is ASSUMED), so such mistakes
      // surface in tests.
      service = /^\/providers\/microsoft\.resourcegraph\//i.test(path) ? 'resourceGraph' : 'arm';
    }
    else if (host === LOGS_HOST || host === 'api.loganalytics.azure.com') service = 'logs';
    else if (view.isLoginServer(host)) service = 'registry';
    else if (host === OPENID_HOST) {
      // The tenant's test issuer (OpenID configuration and JWKS): not an emulated Azure service, not counted.
      handleOpenId(ctx, path);
      return;
    }
    else {
      armError(res, 404, 'EmulatorUnknownHost', `The acr-auditor emulator does not serve host '${host}'. It serves ${ARM_HOST}, ${LOGS_HOST} and the registry login servers of the estate (${view.loginServers().join(', ') || 'none'}).`);
      return;
    }
    calls[service]++;
    served[service]++;
    if (!(await misbehave(service, res))) return;
    if ((service === 'arm' || service === 'resourceGraph') && path.includes('//')) {
      armError(res, 400, 'InvalidRequestUri', `The request URI '${url.pathname}' has an empty path segment (acr-auditor emulator; ARM's exact answer is assumed).`);
      return;
    }

    if (service === 'registry') {
      // A forbidden registry or repository is NOT refused here: its token endpoint grants no actions
      // on it and the API call is challenged again with 401 (registry.ts), as ACR does.
      const isRead = req.method === 'GET' || req.method === 'HEAD';
      const perMinuteBySku = view.estate.emulator.quotas?.registryReadsPerMinute;
      if (isRead && perMinuteBySku) {
        const sku = String((view.registryByLoginServer(host)?.['sku'] as { name?: string } | undefined)?.name ?? 'Standard');
        const perMinute = perMinuteBySku[sku] ?? perMinuteBySku[sku.toLowerCase()];
        if (perMinute) {
          let q = registryBuckets.get(host);
          if (!q || q.perMinute !== perMinute) registryBuckets.set(host, (q = { perMinute, bucket: new TokenBucket(perMinute, perMinute / 60) }));
          const t = q.bucket.take();
          if (!t.ok) {
            sendJson(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: `too many requests: ${sku} registries allow ${perMinute} reads per minute` }] },
              { 'retry-after': String(Math.max(1, Math.ceil(t.retryAfterMs / 1000))) });
            return;
          }
        }
      }
      await handleRegistry(ctx);
      return;
    }

    if (service === 'logs') {
      const auth = authenticate(ctx, LOGS_AUDIENCES);
      if (auth) await handleLogs(auth, path);
      return;
    }

    const auth = authenticate(ctx, ARM_AUDIENCES);
    if (!auth) return;
    if (service === 'resourceGraph') {
      if (!/^\/providers\/microsoft\.resourcegraph\/resources$/i.test(path) || req.method !== 'POST') {
        armError(res, 404, 'EmulatorNotImplemented', `The acr-auditor emulator serves only POST /providers/Microsoft.ResourceGraph/resources, not ${req.method} ${path}.`);
        return;
      }
      const q = view.estate.emulator.quotas?.resourceGraph;
      const headers: Headers = {};
      if (q) {
        const principal = String(auth.claims.oid ?? 'anonymous');
        let w = argQuota.get(principal);
        if (!w) argQuota.set(principal, (w = new WindowQuota(q.requests, q.perSeconds)));
        const t = w.take();
        headers['x-ms-user-quota-remaining'] = String(t.remaining);
        headers['x-ms-user-quota-resets-after'] = hms(t.resetsAfterMs);
        if (!t.ok) {
          armError(res, 429, 'RateLimiting', `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}. Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed.`,
            { ...headers, 'retry-after': String(Math.max(1, Math.ceil(t.resetsAfterMs / 1000))) });
          return;
        }
      } else {
        headers['x-ms-user-quota-remaining'] = '15';
        headers['x-ms-user-quota-resets-after'] = '00:00:05';
      }
      const limit = armHeaders('tenant');
      Object.assign(headers, limit.headers);
      let body: ArgRequest;
      try {
        body = parseJsonBody(await readBody(req)) as ArgRequest;
      } catch {
        armError(res, 400, 'BadRequest', 'The request body is not valid JSON.', headers);
        return;
      }
      const out = graph.run(body);
      if (out.status === 200) sendJson(res, 200, out.body, headers);
      else armError(res, out.status, out.code, out.message, headers, out.details);
      return;
    }

    const sub = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase() ?? 'tenant';
    const limit = armHeaders(sub);
    if (!limit.ok) {
      armError(res, 429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read.', limit.headers);
      return;
    }
    let decoded: string;
    try { decoded = decodeURIComponent(path); } catch { decoded = path; }
    handleArm(auth, decoded, limit.headers);
  }

  function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) armError(res, 500, 'InternalServerError', `acr-auditor emulator error: ${(err as Error).message}`);
      else res.destroy();
    });
  }

  const server = https.createServer({ key: certs.keyPem, cert: certs.certPem, keepAlive: true }, handler);
  server.keepAliveTimeout = 65_000;

  // Managed identity endpoint: plain http on loopback, like the Functions host.
  const identity = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      calls.identity++;
      served.identity++;
      if (!(await misbehave('identity', res))) return;
      if (url.pathname !== '/msi/token' || req.method !== 'GET') return sendJson(res, 404, { error: 'not_found', error_description: `no such endpoint ${req.method} ${url.pathname}` });
      if (req.headers['x-identity-header'] !== identityHeader) {
        return sendJson(res, 401, { error: 'invalid_request', error_description: 'the x-identity-header header is missing or wrong' });
      }
      const resource = url.searchParams.get('resource');
      if (!resource) return sendJson(res, 400, { error: 'invalid_request', error_description: "the 'resource' query parameter is required" });
      const aud = resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
      const nowS = Math.floor(Date.now() / 1000);
      const exp = nowS + 24 * 3600;
      const token = mintToken(kid, { aud, exp, iat: nowS, nbf: nowS, oid: principalId, sub: principalId, tid: view.estate.tenantId, appid: principalId, idtyp: 'app', iss: `https://sts.windows.net/${view.estate.tenantId}/` });
      sendJson(res, 200, { access_token: token, expires_on: String(exp), resource, token_type: 'Bearer', client_id: principalId });
    })().catch(() => res.destroy());
  });

  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()); });
  await new Promise<void>((resolve, reject) => { identity.once('error', reject); identity.listen(0, '127.0.0.1', () => resolve()); });
  const port = (server.address() as { port: number }).port;
  const identityPort = (identity.address() as { port: number }).port;

  // One TLS context for every connection (tls.connect would otherwise build one per socket from `ca`).
  const secureContext = tls.createSecureContext({ ca: certs.caPem });
  const agent = new https.Agent({ keepAlive: true, ca: certs.caPem, maxSockets: 64 });
  // Every host goes to the emulator; servername keeps SNI and certificate checks on the real name.
  (agent as unknown as { createConnection: (o: tls.ConnectionOptions & { host?: string; servername?: string }, cb?: () => void) => Socket }).createConnection =
    (o) => tls.connect({ ...o, host: '127.0.0.1', port, servername: o.servername || o.host, secureContext });

  return {
    agent,
    port,
    caPem: certs.caPem,
    identityEndpoint: `http://127.0.0.1:${identityPort}/msi/token`,
    identityHeader,
    issuer: issuerOf(view.estate.tenantId),
    signUserToken: (claims) => signUserToken({ ...claims, tid: claims.tid ?? view.estate.tenantId } as UserTokenClaims),
    calls: () => ({ ...calls }),
    faultsInjected: () => ({ ...faultsInjected }),
    faultedRequests: () => new Map([...faultedRequests].map(([k, v]) => [k.replace(/^\d+ /, ''), v])),
    resetCalls: () => { calls = emptyCalls(); },
    get estate() { return view.estate; },
    set estate(e: Estate) { view.estate = e; },
    async close() {
      agent.destroy();
      for (const s of held) s.destroy();
      server.closeAllConnections();
      identity.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => server.close(() => r())),
        new Promise<void>((r) => identity.close(() => r())),
      ]);
    },
  };
}
