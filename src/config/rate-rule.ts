// A rate limit as operators write it: `30/m` (30 per minute), `1000/h`, `5/10s`; `0` or `off` turns
// the limit off. Parsed once by the config; the rate limiter runs a token bucket from it.
import { ModaError } from '../errors/moda-error.js';

export interface RateRule {
  /** Requests allowed in one window; also the burst a quiet client may spend at once. */
  limit: number;
  windowMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The rule in `raw`, null when it says off; CONFIG_INVALID naming `env` otherwise. */
export function parseRateRule(raw: string, env: string): RateRule | null {
  const value = raw.trim().toLowerCase();
  if (value === '0' || value === 'off') return null;
  const match = /^(\d+)\s*\/\s*(\d*)\s*(s|m|h|d)$/.exec(value);
  const limit = Number(match?.[1]);
  const count = match?.[2] ? Number(match[2]) : 1;
  if (!match || !Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(count) || count < 1) {
    throw new ModaError('CONFIG_INVALID', `${env} must be a rate such as 30/m, 1000/h or 5/10s (0 = off), got "${raw}"`);
  }
  return { limit, windowMs: count * (UNIT_MS[match[3] ?? 's'] ?? 1000) };
}

export function formatRateRule(rule: RateRule | null): string {
  if (!rule) return 'off';
  const unit = Object.entries(UNIT_MS).reverse().find(([, ms]) => rule.windowMs % ms === 0);
  if (!unit) return `${rule.limit}/${rule.windowMs}ms`;
  const count = rule.windowMs / unit[1];
  return `${rule.limit}/${count === 1 ? '' : count}${unit[0]}`;
}
