/**
 * Table keys that are safe for any input. Azure Table keys may not contain `/ \ # ?`, control
 * characters, and are at most 1 KiB; ARM ids contain `/`, and repository names and tags are
 * attacker-controlled. Keys are a reversible percent-encoding of everything outside a small safe set,
 * so they stay readable; a key that would grow too long is replaced by a hash (the readable value is
 * kept as a property anyway).
 */
import { stableHash } from '../domain/hash.js';

const SAFE = /[A-Za-z0-9._~:@=+,;$!'()*-]/;
const MAX_KEY_CHARS = 512;

/** Encodes any string into a valid, reversible Table key (percent-encoding of UTF-8 bytes outside SAFE). */
export function encodeKey(value: string): string {
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
    } else {
      for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  if (out.length > MAX_KEY_CHARS) return `h-${stableHash([value], 64)}`;
  return out;
}

/** Reverses `encodeKey` (hashed keys do not reverse; they return undefined). */
export function decodeKey(key: string): string | undefined {
  if (/^h-[0-9a-f]{64}$/.test(key)) return undefined;
  return decodeURIComponent(key);
}

/** True when a string is acceptable as a Table PartitionKey/RowKey. */
export function isValidTableKey(key: string): boolean {
  // eslint-disable-next-line no-control-regex
  return key.length > 0 && key.length <= 1024 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(key);
}

/** The deterministic finding id: hash of rule id, resource id (case-insensitive) and subject. */
export function findingId(ruleId: string, resourceId: string, subject: string): string {
  return stableHash([ruleId, resourceId.toLowerCase(), subject]);
}

/** Partition of a scope (registry id, `/subscriptions/<id>`, ...). */
export function partitionKeyFor(scopeId: string): string {
  return encodeKey(scopeId.toLowerCase());
}

export const FINDING_ROW_PREFIX = 'f-';

export function findingRowKey(id: string): string {
  return `${FINDING_ROW_PREFIX}${id}`;
}
