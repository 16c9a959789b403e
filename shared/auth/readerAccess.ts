/**
 * Who may read the findings page and API, checked by the function itself (defence in depth: App
 * Service Authentication in front of it is configured by infra, but a misconfigured or disabled platform
 * setting must not expose findings). A request is served only with a Microsoft Entra ID token that:
 *   - is an RS256 JWT whose signature verifies with a key of the tenant's JWKS (OpenID discovery:
 *     `{authority}/{tenant}/v2.0/.well-known/openid-configuration` -> `jwks_uri`);
 *   - was issued by the tenant (`iss` = `{authority}/{tenant}/v2.0`, or the v1 issuer
 *     `https://sts.windows.net/{tenant}/` on the public cloud) and `tid` is the tenant;
 *   - is for this app (`aud` = the client id or `api://<client id>`), unexpired (`exp`, `nbf`, 5 min skew);
 *   - carries one of the configured readers in `roles` (app role values) or `groups` (group object ids).
 * Tokens come from `Authorization: Bearer` (API callers) or `X-MS-TOKEN-AAD-ID-TOKEN` (the id token
 * App Service Authentication's token store injects for a signed-in browser session): either way the
 * function verifies it; the unsigned `X-MS-CLIENT-PRINCIPAL` header is never trusted.
 * Anything not configured (tenant, client id, readers) refuses every request.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { FindingsAccessConfig } from '../config.js';

export interface Reader {
  /** Object id of the user or application. */
  oid: string;
  /** A display name for the page header (preferred_username, name, or the oid). */
  displayName: string;
  /** The role or group that granted access. */
  grantedBy: string;
}

export type AccessDecision =
  | { ok: true; reader: Reader }
  /** 401: no token, or not a valid token of this tenant and app; 403: valid, but no reader role or group; 503: not configured. */
  | { ok: false; status: 401 | 403 | 503; reason: string };

/** The tenant's signing keys by key id (an adapter fetches and caches the JWKS). */
export interface SigningKeys {
  key(kid: string): Promise<KeyObject | undefined>;
}

export interface ReaderAccessOptions {
  access: FindingsAccessConfig;
  authorityHost: string;
  keys: SigningKeys;
  now?: () => Date;
}

const SKEW_SECONDS = 300;
const MAX_TOKEN_CHARS = 16_384;

/** The bearer token of a request, or the id token App Service Authentication injected. */
export function tokenFromHeaders(header: (name: string) => string | null | undefined): string | undefined {
  const auth = header('authorization');
  const m = auth ? /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(auth.trim()) : null;
  if (m) return m[1];
  const injected = header('x-ms-token-aad-id-token')?.trim();
  return injected && /^[A-Za-z0-9_.-]+$/.test(injected) ? injected : undefined;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function issuersFor(authorityHost: string, tenantId: string): string[] {
  const authority = authorityHost.replace(/\/+$/, '');
  const out = [`${authority}/${tenantId}/v2.0`];
  if (/^https:\/\/login\.microsoftonline\.com$/i.test(authority)) out.push(`https://sts.windows.net/${tenantId}/`);
  return out;
}

export async function checkReader(token: string | undefined, o: ReaderAccessOptions): Promise<AccessDecision> {
  const { tenantId, clientId, readers } = o.access;
  if (!tenantId || !clientId || !readers.length) {
    return { ok: false, status: 503, reason: 'sign-in is not configured (AUDITOR_AUTH_TENANT_ID, AUDITOR_AUTH_CLIENT_ID and AUDITOR_FINDINGS_READERS are required): every request is refused' };
  }
  if (!token) return { ok: false, status: 401, reason: 'sign-in required: no token' };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, status: 401, reason: 'the token is too long' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, status: 401, reason: 'the token is not a signed JWT' };
  const header = decodePart(parts[0]!);
  const claims = decodePart(parts[1]!);
  if (!header || !claims) return { ok: false, status: 401, reason: 'the token is malformed' };
  if (header.alg !== 'RS256' || typeof header.kid !== 'string') return { ok: false, status: 401, reason: 'the token is not signed with RS256 and a key id' };
  let key: KeyObject | undefined;
  try {
    key = await o.keys.key(header.kid);
  } catch (e) {
    return { ok: false, status: 503, reason: `the issuer's signing keys cannot be read: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}` };
  }
  if (!key) return { ok: false, status: 401, reason: "the token's key is not one of the tenant's signing keys" };
  const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
  if (!signed) return { ok: false, status: 401, reason: 'the token signature is invalid' };
  if (typeof claims.iss !== 'string' || !issuersFor(o.authorityHost, tenantId).includes(claims.iss)) return { ok: false, status: 401, reason: 'the token was issued by another issuer or tenant' };
  if (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== tenantId) return { ok: false, status: 401, reason: 'the token belongs to another tenant' };
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : strings(claims.aud);
  if (!audiences.some((a) => a.toLowerCase() === clientId || a.toLowerCase() === `api://${clientId}`)) return { ok: false, status: 401, reason: 'the token is for another application (audience)' };
  const nowS = Math.floor((o.now ?? (() => new Date()))().getTime() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < nowS) return { ok: false, status: 401, reason: 'the token has expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - SKEW_SECONDS > nowS) return { ok: false, status: 401, reason: 'the token is not valid yet' };
  const oid = typeof claims.oid === 'string' ? claims.oid : typeof claims.sub === 'string' ? claims.sub : '';
  const display = [claims.preferred_username, claims.upn, claims.name].find((x): x is string => typeof x === 'string' && x.length > 0) ?? oid;
  const wanted = new Set(readers.map((r) => r.toLowerCase()));
  const granted = [...strings(claims.roles), ...strings(claims.groups)].find((v) => wanted.has(v.toLowerCase()));
  if (!granted) return { ok: false, status: 403, reason: `signed in as ${display.slice(0, 100)}, but without a role or group allowed to read findings` };
  return { ok: true, reader: { oid, displayName: display.slice(0, 200), grantedBy: granted } };
}

/** A JWK (RSA public key) as a KeyObject; undefined for keys that are not RSA signing keys. */
export function rsaKeyFromJwk(jwk: Record<string, unknown>): KeyObject | undefined {
  if (jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig') || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return undefined;
  try {
    return createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  } catch {
    return undefined;
  }
}
