// Token buckets in a Map for one server process. Memory is bounded: past maxKeys the least recently
// used bucket goes, which at worst forgives a client that has been quiet the longest.
import type { RateRule } from '../../config/rate-rule.js';
import type { RateDecision, RateLimitStore } from './rate-limit-store.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: { maxKeys?: number; now?: () => number } = {},
  ) {}

  take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(key, rule, cost));
  }

  private takeNow(key: string, rule: RateRule, cost: number): RateDecision {
    const now = (this.options.now ?? Date.now)();
    const perMs = rule.limit / rule.windowMs;
    const bucket = this.buckets.get(key) ?? { tokens: rule.limit, updatedMs: now };
    bucket.tokens = Math.min(rule.limit, bucket.tokens + Math.max(0, now - bucket.updatedMs) * perMs);
    bucket.updatedMs = now;
    // Re-inserting keeps the Map in least-recently-used order for eviction.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.evict();
    const needed = Math.max(cost, 1);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((needed - bucket.tokens) / perMs / 1000)) };
  }

  private evict(): void {
    const maxKeys = this.options.maxKeys ?? 100_000;
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= maxKeys) return;
      this.buckets.delete(key);
    }
  }
}
