/**
 * A test issuer on login.microsoftonline.com: the tenant's OpenID Connect discovery document and its
 * signing keys (JWKS), and RS256 user tokens signed with them, shaped like Microsoft Entra ID v2.0
 * tokens (iss `https://login.microsoftonline.com/{tid}/v2.0`, aud, tid, oid, roles, groups). Paths as
 * Microsoft documents them ("OpenID Connect on the Microsoft identity platform": the discovery document
 * at `{authority}/{tenant}/v2.0/.well-known/openid-configuration`, keys at `jwks_uri`).
 * The key pair is per process, so a token signed by one emulator verifies against another's JWKS.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { RequestContext } from './context.js';
import { sendJson } from './http.js';

export const OPENID_HOST = 'login.microsoftonline.com';

let keyPair: { kid: string; privateKey: KeyObject; jwk: Record<string, unknown> } | undefined;
function signingKey() {
  if (!keyPair) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    keyPair = { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, kty: 'RSA', use: 'sig', alg: 'RS256' } };
  }
  return keyPair;
}

export function issuerOf(tenantId: string): string {
  return `https://${OPENID_HOST}/${tenantId}/v2.0`;
}

export interface UserTokenClaims {
  aud: string;
  tid: string;
  oid?: string;
  name?: string;
  preferred_username?: string;
  roles?: string[];
  groups?: string[];
  /** Seconds from now; negative for an expired token. Default 3600. */
  expiresInSeconds?: number;
  iss?: string;
  [claim: string]: unknown;
}

/** An RS256 JWT signed with the emulator's key (kid in the header), as Entra ID issues them. */
export function signUserToken(claims: UserTokenClaims, options: { alg?: 'RS256' | 'none'; kid?: string } = {}): string {
  const key = signingKey();
  const nowS = Math.floor(Date.now() / 1000);
  const { expiresInSeconds = 3600, ...rest } = claims;
  const payload = { iss: issuerOf(claims.tid), iat: nowS, nbf: nowS, exp: nowS + expiresInSeconds, oid: randomUUID(), ver: '2.0', ...rest };
  const header = { typ: 'JWT', alg: options.alg ?? 'RS256', kid: options.kid ?? key.kid };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  if (header.alg === 'none') return `${input}.`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** GET /{tenant}/v2.0/.well-known/openid-configuration and GET /{tenant}/discovery/v2.0/keys. */
export function handleOpenId(ctx: RequestContext, path: string): void {
  const tenant = ctx.view.estate.tenantId;
  const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys)$/.exec(path);
  if (ctx.req.method !== 'GET' || !m || m[1]!.toLowerCase() !== tenant.toLowerCase()) {
    sendJson(ctx.res, 404, { error: 'not_found', error_description: `the emulator's issuer serves GET /${tenant}/v2.0/.well-known/openid-configuration and its jwks_uri, not ${ctx.req.method} ${path}` });
    return;
  }
  const base = `https://${OPENID_HOST}/${tenant}`;
  if (m[2]!.startsWith('v2.0')) {
    sendJson(ctx.res, 200, {
      issuer: issuerOf(tenant),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: 'EU',
    });
    return;
  }
  sendJson(ctx.res, 200, { keys: [signingKey().jwk] });
}
