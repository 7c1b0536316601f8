// Options several commands share, declared once so their spelling and choices agree.
import { Option } from 'commander';
import { MEMBER_ROLES, REPO_TYPES, SEARCH_SORTS, TOKEN_ROLES, type RepoType } from '../client/api-types.js';
import { ModaError } from '../errors/moda-error.js';

export const typeOption = () => new Option('--type <type>', 'repository type').choices([...REPO_TYPES]).default('model' as RepoType);
export const jsonOption = () => new Option('--json', 'print JSON instead of text');
export const tokenRoleOption = () => new Option('--role <role>', 'what the token may do').choices([...TOKEN_ROLES]).default('read');
export const memberRoleOption = () => new Option('--role <role>', 'role in the organization').choices([...MEMBER_ROLES]);
export const sortOption = () => new Option('--sort <key>', 'sort by').choices([...SEARCH_SORTS]);

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new ModaError('VALIDATION_FAILED', `expected a positive integer, got "${value}"`);
  return number;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
