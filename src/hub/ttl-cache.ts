// A bounded map whose entries expire after a fixed time. Used for hot read paths (repo rows, token
// lookups, branch heads) where a value may be up to `ttlMs` old across processes; writers in this
// process clear the cache, so a process always reads its own writes. Keys come from requests (repo
// names up to 2 KB), so the bound counts their bytes as well as the entries.
import { ENTRY_OVERHEAD_BYTES, registerCacheStats, stringBytes, type CacheStats } from './cache-size.js';

/** What one value (a repo row, an actor, a resolved head) is taken to hold: they are all small. */
const VALUE_BYTES = 1024;

export class TtlCache<K, V> implements CacheStats {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private totalBytes = 0;
  /** Called by clear() (a write made entries stale), not by clearLocal(): replicas hear of it here. */
  onClear: (() => void) | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    readonly name = '',
  ) {
    if (name) registerCacheStats(this);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.remove(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    this.remove(key);
    const bytes = this.bytesOf(key);
    // Everything here is at most ttlMs old anyway: starting over is cheaper than tracking age.
    if (this.entries.size >= this.capacity || this.totalBytes + bytes > this.maxBytes) this.clearLocal();
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
    this.totalBytes += bytes;
  }

  /** Drops every entry because a write made them stale, here and (through onClear) on other replicas. */
  clear(): void {
    this.clearLocal();
    this.onClear?.();
  }

  /** Drops every entry of this process only. */
  clearLocal(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  private remove(key: K): void {
    if (this.entries.delete(key)) this.totalBytes -= this.bytesOf(key);
  }

  private bytesOf(key: K): number {
    return ENTRY_OVERHEAD_BYTES + VALUE_BYTES + (typeof key === 'string' ? stringBytes(key) : 0);
  }
}
