/**
 * A short-lived cache of registries' ARM state for the push path. The event is a hint and the
 * registry is re-read from ARM, but a burst of pushes to one registry need not re-read it for every
 * image: entries live at most `maxAgeMs` (AUDITOR_REGISTRY_CACHE_SECONDS, default 60 s) and the cache
 * holds at most `maxEntries` registries (least recently used evicted).
 */
import type { RegistrySnapshot } from '../domain/snapshots.js';

export class RegistryStateCache {
  private readonly entries = new Map<string, { at: number; value: RegistrySnapshot }>();

  constructor(
    readonly maxAgeMs: number,
    private readonly maxEntries = 1000,
  ) {}

  /** The registry's state and when it was read (epoch ms: a cached entry keeps its original read time). */
  async get(id: string, now: number, load: () => Promise<RegistrySnapshot>): Promise<{ value: RegistrySnapshot; at: number }> {
    const key = id.toLowerCase();
    const hit = this.entries.get(key);
    if (hit && this.maxAgeMs > 0 && now - hit.at < this.maxAgeMs) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = await load();
    const entry = { at: now, value };
    if (this.maxAgeMs > 0) {
      this.entries.delete(key);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, entry);
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}
