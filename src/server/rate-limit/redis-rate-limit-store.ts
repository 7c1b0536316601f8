// Token buckets in Redis, shared by every replica (MODA_REDIS_URL): the same bucket arithmetic as the
// in-memory store, done in one Lua script so that concurrent replicas cannot both spend the last
// unit. The clock is Redis's own (TIME), so replicas with skewed clocks still agree. A bucket key
// expires once it would be full again anyway. Redis unreachable: the request is allowed (failing
// open) and the error logged, so an outage of Redis never takes the hub down with it.
import type { Redis } from 'ioredis';
import type { RateRule } from '../../config/rate-rule.js';
import type { RateDecision, RateLimitStore } from './rate-limit-store.js';

const KEY_PREFIX = 'moda:rate:';

// ARGV: limit, windowMs, cost, now in ms (empty: Redis's clock). Returns {allowed 0|1, retry s}.
const TAKE = `
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local per_ms = limit / window
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(stored[1]) or limit
local updated = tonumber(stored[2]) or now
tokens = math.min(limit, tokens + math.max(0, now - updated) * per_ms)
local needed = math.max(cost, 1)
local allowed = 0
local retry = 0
if tokens >= needed then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.max(1, math.ceil((needed - tokens) / per_ms / 1000))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updated', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) / per_ms) + 1000)
return {allowed, retry}
`;

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: { now?: () => number; onError?: (error: unknown) => void } = {},
  ) {}

  async take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    try {
      const now = this.options.now ? String(this.options.now()) : '';
      const [allowed, retryAfterSeconds] = (await this.redis.eval(TAKE, 1, KEY_PREFIX + key, rule.limit, rule.windowMs, cost, now)) as [number, number];
      return { allowed: allowed === 1, retryAfterSeconds };
    } catch (error) {
      this.options.onError?.(error);
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}
