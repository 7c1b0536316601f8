// Shared parsing of Hugging Face route parameters: repo type from the URL prefix, repo id from the
// namespace/name params, and query flags.
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';

export interface RepoParams {
  namespace: string;
  name: string;
}

export const REPO_KINDS = [
  { type: 'model' as RepoType, api: 'models', prefix: '' },
  { type: 'dataset' as RepoType, api: 'datasets', prefix: '/datasets' },
] as const;

export function repoIdOf(params: RepoParams): string {
  return `${params.namespace}/${params.name}`;
}

export function flag(value: unknown): boolean {
  return value === true || value === '1' || value === 'true' || value === 'True';
}

/** Reads a query parameter that may repeat (`expand=a&expand=b`, `expand[]=a`). */
export function list(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

export function positiveInt(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new ModaError('VALIDATION_FAILED', `${name} must be a positive integer`);
  return Math.min(number, max);
}

export function typeOfApi(api: string): RepoType {
  return api === 'datasets' ? 'dataset' : 'model';
}
