/**
 * Size bounds for anything built from estate content (notification payloads, CloudEvents, outbox
 * rows). PURE. Bounds are applied where a payload is built, with a visible marker when something is
 * cut, so nothing downstream (outbox, channel) ever sees an unbounded value.
 *
 * Sizes are counted the way the receiving service counts them:
 * - Azure Table Storage stores String properties as UTF-16: 2 bytes per UTF-16 code unit, so a
 *   JavaScript `length` times 2 (an astral character such as '𝄞' is 2 code units, 4 bytes). A
 *   property holds at most 64 KiB, an entity at most 1 MiB of property data. See "Understanding the
 *   Table service data model" (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 * - Event Grid and Teams count the UTF-8 bytes of the JSON body ('€' is 3 bytes, '𝄞' 4 bytes).
 */

/** Marker appended to a cut string: `…[truncated N chars]` (N counts the characters removed). */
export function truncationMarker(removed: number): string {
  return `…[truncated ${removed} chars]`;
}

/**
 * Caps `s` at `max` characters (UTF-16 code units) INCLUDING the marker, never splitting a surrogate
 * pair. Strings within the bound are returned unchanged.
 */
export function boundText(s: string, max: number): string {
  if (s.length <= max) return s;
  // The marker's own length depends on N; reserve enough for the largest N.
  const reserve = truncationMarker(s.length).length;
  let keep = Math.max(0, max - reserve);
  const code = s.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--; // do not end on a lone high surrogate
  return `${s.slice(0, keep)}${truncationMarker(s.length - keep)}`;
}

export { utf8Bytes } from '../domain/utf8.js';

/** Bytes of a string stored in Azure Table Storage (UTF-16). */
export function utf16Bytes(s: string): number {
  return s.length * 2;
}

export interface JsonBounds {
  /** Characters per string leaf. */
  maxString: number;
  /** Items per array (the rest becomes one "…and N more" string). */
  maxItems: number;
  /** Keys per object (the rest becomes `"…": "and N more keys"`). */
  maxKeys: number;
  /** Nesting depth; deeper values become a marker string. */
  maxDepth: number;
}

export const EVIDENCE_BOUNDS: JsonBounds = { maxString: 1_000, maxItems: 20, maxKeys: 32, maxDepth: 4 };

/** A JSON-safe copy of `value` with every string, array, object and nesting level bounded. */
export function boundJson(value: unknown, b: JsonBounds, depth = 0): unknown {
  if (typeof value === 'string') return boundText(value, b.maxString);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= b.maxDepth) return '…[truncated: nested too deeply]';
  if (Array.isArray(value)) {
    const out = value.slice(0, b.maxItems).map((v) => boundJson(v, b, depth + 1) ?? null);
    if (value.length > b.maxItems) out.push(`…and ${value.length - b.maxItems} more`);
    return out;
  }
  const keys = Object.keys(value as object);
  const out: Record<string, unknown> = {};
  for (const k of keys.slice(0, b.maxKeys)) {
    const v = boundJson((value as Record<string, unknown>)[k], b, depth + 1);
    if (v !== undefined) out[boundText(k, 100)] = v;
  }
  if (keys.length > b.maxKeys) out['…'] = `and ${keys.length - b.maxKeys} more keys`;
  return out;
}

/**
 * Bounds `value` (as `boundJson`) and then shrinks the string bound until its JSON is at most
 * `maxJsonChars` characters; a value that cannot fit becomes a marker string.
 */
export function boundJsonTotal(value: unknown, b: JsonBounds, maxJsonChars: number): unknown {
  let bounds = b;
  for (let i = 0; i < 8; i++) {
    const v = boundJson(value, bounds);
    const json = JSON.stringify(v) ?? '';
    if (json.length <= maxJsonChars) return v;
    bounds = { ...bounds, maxString: Math.max(40, Math.floor(bounds.maxString / 2)), maxItems: Math.max(2, Math.floor(bounds.maxItems / 2)), maxKeys: Math.max(4, Math.floor(bounds.maxKeys / 2)) };
  }
  return '…[truncated: too large]';
}
