// Where rate-limit buckets live. In memory for one server now; a cluster needs buckets shared by
// every replica (Redis), which implements this same interface.
import type { RateRule } from '../../config/rate-rule.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the request would be allowed; 0 when it is. */
  retryAfterSeconds: number;
}

export interface RateLimitStore {
  /**
   * Takes `cost` units from the bucket `key` (capacity rule.limit, refilled evenly over
   * rule.windowMs). Cost 0 only asks whether a unit is left, spending nothing.
   */
  take(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
}
