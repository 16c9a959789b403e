/**
 * KQL literals. Every value that is interpolated into a query goes through `kqlString`, so a
 * registry name, login server or resource id can never change the shape of a query.
 */

/** A KQL string literal: single-quoted, with backslash and quote escaped; control characters are rejected. */
export function kqlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(`refusing to put a control character into a KQL literal: ${JSON.stringify(value)}`);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A KQL timespan literal of whole days, e.g. `30d`. */
export function kqlDays(days: number): string {
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new RangeError(`days out of range: ${days}`);
  return `${days}d`;
}
