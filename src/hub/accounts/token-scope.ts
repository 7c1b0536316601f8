// The repos a fine-grained token is limited to, named as the Hugging Face Hub names them:
// `namespace/name` for a model, `datasets/namespace/name` for a dataset. Each must exist and be
// readable by the creator; they are stored as `type:key` (see scopeKey).
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType } from '../../db/schema.js';
import { scopeKey, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { findRepo } from '../repos/repo-record.js';

export const MAX_SCOPED_REPOS = 100;

function parseRepoName(name: string): { type: RepoType; repoId: string } {
  const parts = name.split('/');
  if (parts.length === 3 && (parts[0] === 'datasets' || parts[0] === 'models')) return { type: parts[0] === 'datasets' ? 'dataset' : 'model', repoId: `${parts[1]}/${parts[2]}` };
  if (parts.length === 2) return { type: 'model', repoId: name };
  throw new ModaError('VALIDATION_FAILED', `"${name}" is not a repo name: use namespace/name for a model or datasets/namespace/name for a dataset`);
}

/** The stored scope of `names`; null when no list was given. */
export async function tokenScope(hub: HubContext, actor: Actor, names: unknown): Promise<string[] | null> {
  if (names === undefined || names === null) return null;
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_SCOPED_REPOS || !names.every((name) => typeof name === 'string')) {
    throw new ModaError('VALIDATION_FAILED', `repos must be a list of 1-${MAX_SCOPED_REPOS} repo names`);
  }
  const keys = new Set<string>();
  for (const name of names as string[]) {
    const { type, repoId } = parseRepoName(name.trim());
    const repo = await findRepo(hub, actor, type, repoId, 'read');
    keys.add(scopeKey(type, repo.row.key));
  }
  return [...keys].sort();
}

/** `type:key` back to the name a client uses. */
export function scopedRepoName(key: string): string {
  const [type, repoKey] = key.split(':', 2);
  return type === 'dataset' ? `datasets/${repoKey}` : (repoKey ?? key);
}
