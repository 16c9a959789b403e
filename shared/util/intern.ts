/**
 * Shares equal strings (issue 18, memory): the returned function gives back one copy of each distinct value it has
 * seen, so rows read in bulk do not each hold their own copy of a scope, rule or repository. Past `max` distinct
 * values the rest are returned as they come, which bounds what it keeps.
 */
export function stringInterner(max = Number.POSITIVE_INFINITY): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const known = seen.get(s);
    if (known !== undefined) return known;
    if (seen.size < max) seen.set(s, s);
    return s;
  };
}
