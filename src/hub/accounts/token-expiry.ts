// When a new token expires: `expiresIn` as a count of hours, days or weeks (`12h`, `30d`, `2w`) or
// `expiresAt` as an ISO date or time; neither = never. A date in the past or far future is refused.
import { ModaError } from '../../errors/moda-error.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const MAX_MS = 3650 * 86_400_000;

export function tokenExpiry(input: { expiresIn?: string; expiresAt?: string }, nowMs: number): string | null {
  if (input.expiresIn !== undefined && input.expiresAt !== undefined) throw new ModaError('VALIDATION_FAILED', 'give expiresIn or expiresAt, not both');
  let atMs: number;
  if (input.expiresIn !== undefined) {
    const match = /^(\d{1,6})\s*([hdw])$/.exec(input.expiresIn.trim().toLowerCase());
    if (!match || Number(match[1]) === 0) throw new ModaError('VALIDATION_FAILED', `expiresIn must be a count of hours, days or weeks such as 12h, 30d or 2w, got "${input.expiresIn}"`);
    atMs = nowMs + Number(match[1]) * (UNIT_MS[match[2] ?? 'd'] ?? 0);
  } else if (input.expiresAt !== undefined) {
    atMs = /^\d{4}-\d{2}-\d{2}/.test(input.expiresAt) ? Date.parse(input.expiresAt) : Number.NaN;
    if (Number.isNaN(atMs)) throw new ModaError('VALIDATION_FAILED', `expiresAt must be an ISO date or time such as 2030-01-31, got "${input.expiresAt}"`);
    if (atMs <= nowMs) throw new ModaError('VALIDATION_FAILED', `expiresAt ${input.expiresAt} is not in the future`);
  } else {
    return null;
  }
  if (atMs - nowMs > MAX_MS) throw new ModaError('VALIDATION_FAILED', 'a token may expire at most 10 years ahead; leave the expiry out for a token that never expires');
  return new Date(atMs).toISOString();
}
