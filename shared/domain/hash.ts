import { createHash } from 'node:crypto';

/** Hex SHA-256 of the parts joined by `|`, truncated to `length` hex characters. */
export function stableHash(parts: readonly string[], length = 32): string {
  return createHash('sha256').update(parts.join('|'), 'utf8').digest('hex').slice(0, length);
}
