// A least-recently-used map for values derived from immutable inputs (commits, answers keyed by
// everything they depend on), bounded by entries and by bytes: one entry may be a whole repo's file
// list, so a count alone does not bound memory. Map keeps insertion order: the first key is the oldest.
import { ENTRY_OVERHEAD_BYTES, registerCacheStats, stringBytes, type CacheStats } from './cache-size.js';

export interface LruCacheOptions<V> {
  /** Name in /metrics (moda_cache_bytes{cache=…}); unnamed caches are not reported. */
  name?: string;
  maxEntries: number;
  /** Bytes keys and values may hold together (by `sizeOf`); default: unbounded beyond maxEntries. */
  maxBytes?: number;
  /** Approximate bytes a value holds; default: strings and buffers by length, anything else 1 KiB. */
  sizeOf?: (value: V) => number;
}

function defaultSize(value: unknown): number {
  if (typeof value === 'string') return stringBytes(value);
  if (value instanceof Uint8Array) return value.byteLength;
  return 1024;
}

export class LruCache<K, V> implements CacheStats {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private totalBytes = 0;
  readonly name: string;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly sizeOf: (value: V) => number;

  /** `capacity` alone bounds entries only; pass options to bound bytes too. */
  constructor(capacity: number | LruCacheOptions<V>) {
    const options = typeof capacity === 'number' ? { maxEntries: capacity } : capacity;
    this.name = options.name ?? '';
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.sizeOf = options.sizeOf ?? defaultSize;
    if (options.name) registerCacheStats(this);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry?.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const bytes = ENTRY_OVERHEAD_BYTES + (typeof key === 'string' ? stringBytes(key) : 0) + this.sizeOf(value);
    // A value larger than the whole budget would only evict everything else and then itself.
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    while (this.entries.size > this.maxEntries || this.totalBytes > this.maxBytes) this.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}
