/**
 * A clock that starts at `start` and advances with real time (`--now`, tests). Observations carry the
 * time their facts were read and a later read must be later: a clock frozen at one instant would make
 * every audit of a run and every later run look like the same observation.
 */
export function clockStartingAt(start: Date): () => Date {
  const origin = performance.now();
  return () => new Date(start.getTime() + Math.floor((performance.now() - origin) * 1000) / 1000);
}
