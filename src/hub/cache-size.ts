// What the bounded caches count: approximate bytes a key or value holds, and a registry of the named
// caches so /metrics can show how much each holds (moda_cache_bytes, moda_cache_entries).

/** Bytes a string may take: V8 keeps one byte per character, or two once any is outside Latin-1. */
export function stringBytes(text: string): number {
  return 2 * text.length;
}

/** Map entry, key object and bookkeeping around each entry, whatever it holds. */
export const ENTRY_OVERHEAD_BYTES = 128;

export interface CacheStats {
  readonly name: string;
  readonly size: number;
  readonly bytes: number;
}

const named = new Set<CacheStats>();

/** Adds a cache to what /metrics reports; caches are module-level or per-hub, so they stay few. */
export function registerCacheStats(cache: CacheStats): void {
  named.add(cache);
}

/** Entries and bytes per cache name, summed over the caches of that name (one per server in tests). */
export function cacheStats(): Map<string, { entries: number; bytes: number }> {
  const totals = new Map<string, { entries: number; bytes: number }>();
  for (const cache of named) {
    const total = totals.get(cache.name) ?? { entries: 0, bytes: 0 };
    total.entries += cache.size;
    total.bytes += cache.bytes;
    totals.set(cache.name, total);
  }
  return totals;
}
