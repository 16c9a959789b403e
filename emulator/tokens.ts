/**
 * JWT-shaped tokens (unsigned: `alg: none`) minted and checked by the emulator. Only the emulator
 * reads them, so a random per-emulator key id (`kid`) stands in for a signature.
 */
export interface TokenClaims {
  aud: string;
  exp: number;
  iat?: number;
  oid?: string;
  tid?: string;
  [claim: string]: unknown;
}

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

export function mintToken(kid: string, claims: TokenClaims): string {
  return `${b64({ typ: 'JWT', alg: 'none', kid })}.${b64(claims)}.${Buffer.from(kid).toString('base64url')}`;
}

/** The claims if the token is one of ours and unexpired; otherwise a reason. */
export function readToken(kid: string, token: string, nowMs = Date.now()): { claims: TokenClaims } | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'the token is not a JWT' };
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { kid?: string };
    if (header.kid !== kid) return { error: 'the token was not issued by this emulator' };
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { error: 'the token has expired' };
    return { claims };
  } catch {
    return { error: 'the token is malformed' };
  }
}

export function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m?.[1];
}
