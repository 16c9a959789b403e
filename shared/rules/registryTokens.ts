/** Helpers of the repository-scoped token rules (issue 13): the evidence they share, and password arithmetic. */
import type { TokenPasswordSnapshot, TokenSnapshot } from '../domain/snapshots.js';
import { DAY_MS } from './kit.js';

/** What a token finding shows: names and dates only (never a password value). */
export function tokenEvidence(token: TokenSnapshot): Record<string, unknown> {
  return {
    token: token.name,
    status: token.status ?? null,
    scopeMap: token.scopeMap ?? null,
    creationDate: token.creationDate ?? null,
    passwords: token.passwords.map((p) => ({ name: p.name, creationTime: p.creationTime ?? null, expiry: p.expiry ?? null })),
  };
}

/** Passwords that can still sign in at `now`: no expiry, or an expiry after now (an unreadable expiry counts as usable). */
export function usablePasswords(token: TokenSnapshot, now: Date): number {
  return token.passwords.filter((p) => {
    if (p.expiry === undefined) return true;
    const t = Date.parse(p.expiry);
    return Number.isNaN(t) || t > now.getTime();
  }).length;
}

export type PasswordCheck =
  | { verdict: 'ok'; validDays: number }
  | { verdict: 'never-expires' }
  | { verdict: 'expired'; validDays?: number }
  | { verdict: 'too-long'; validDays: number }
  | { verdict: 'unknown'; why: string };

/**
 * One password against the limit: it must expire, must not have expired while the token is enabled, and must
 * not be valid for more than `maxDays` from its creation (the token's creation when the password has no date).
 * Whole days, rounded up: a password valid for 90 days and 1 minute is over a 90-day limit.
 */
export function checkPassword(p: TokenPasswordSnapshot, tokenCreated: string | undefined, maxDays: number, now: Date): PasswordCheck {
  if (p.expiry === undefined) return { verdict: 'never-expires' };
  const expiry = Date.parse(p.expiry);
  if (Number.isNaN(expiry)) return { verdict: 'unknown', why: `expiry ${JSON.stringify(p.expiry)} is not a date` };
  const createdRaw = p.creationTime ?? tokenCreated;
  const created = createdRaw === undefined ? Number.NaN : Date.parse(createdRaw);
  const validDays = Number.isNaN(created) ? undefined : Math.ceil((expiry - created) / DAY_MS);
  if (expiry <= now.getTime()) return validDays === undefined ? { verdict: 'expired' } : { verdict: 'expired', validDays };
  if (validDays === undefined) return { verdict: 'unknown', why: 'neither the password nor the token has a creation date' };
  return validDays > maxDays ? { verdict: 'too-long', validDays } : { verdict: 'ok', validDays };
}
