// Reading ModelScope's PascalCase bodies and query strings. The Python SDK often posts
// `data=json.dumps(...)` with no Content-Type, so a body may arrive as text and is parsed here.
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType, RepoVisibility } from '../../db/schema.js';

export type Fields = Record<string, unknown>;

export function jsonBody(body: unknown): Fields {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const text = value.toString().trim();
    if (text === '') throw new ModaError('VALIDATION_FAILED', 'the request needs a JSON body');
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      throw new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', 'the body must be a JSON object');
  return value as Fields;
}

export function optionalString(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ModaError('VALIDATION_FAILED', `${key} must be a string`);
  return value;
}

export function requiredString(fields: Fields, key: string): string {
  const value = optionalString(fields, key);
  if (value === undefined || value.trim() === '') throw new ModaError('VALIDATION_FAILED', `${key} is required`);
  return value;
}

/** A whole number from JSON or a query string; `fallback` when absent. */
export function integerField(fields: Fields, key: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ModaError('VALIDATION_FAILED', `${key} must be an integer ${bounds}`);
  }
  return number;
}

/** `Recursive=True` (Python's str(bool)), `true` or `1`. */
export function booleanField(fields: Fields, key: string): boolean {
  const value = fields[key];
  return value === true || value === 1 || (typeof value === 'string' && ['true', '1'].includes(value.toLowerCase()));
}

/** ModelScope's visibility codes (constants.py ModelVisibility / DatasetVisibility). */
const VISIBILITY_CODES: Record<RepoVisibility, 1 | 3 | 5> = { private: 1, internal: 3, public: 5 };

export function visibilityCode(visibility: RepoVisibility): 1 | 3 | 5 {
  return VISIBILITY_CODES[visibility];
}

export function visibilityFromCode(value: unknown): RepoVisibility {
  const code = typeof value === 'string' && /^\d$/.test(value) ? Number(value) : value;
  const found = (Object.keys(VISIBILITY_CODES) as RepoVisibility[]).find((visibility) => VISIBILITY_CODES[visibility] === code);
  if (found === undefined) throw new ModaError('VALIDATION_FAILED', `Visibility must be 1 (private), 3 (internal) or 5 (public), got ${JSON.stringify(value ?? null)}`);
  return found;
}

/** `models` / `datasets` in `/api/v1/repos/{type}s/…` paths. */
export function repoTypeOfPlural(plural: string): RepoType {
  if (plural === 'models') return 'model';
  if (plural === 'datasets') return 'dataset';
  throw new ModaError('NOT_FOUND', `unknown repo type "${plural}": use models or datasets`);
}

/** Unix seconds, the time unit of every ModelScope timestamp (CreatedAt, CommittedDate, …). */
export function epochSeconds(iso: string): number {
  const millis = Date.parse(iso);
  return Number.isNaN(millis) ? 0 : Math.floor(millis / 1000);
}
