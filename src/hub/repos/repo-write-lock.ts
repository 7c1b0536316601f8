// The one lock every write to a repo's refs takes (API commits, squashes, a push's index write) and
// a move takes too. It is keyed by the repo's id, which a move keeps, so a commit that queued behind
// a move goes on in the repo's new folder; before, it wrote to the old path, which was gone (500).
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../context.js';
import { toRecord, type RepoRecord } from './repo-record.js';

export function repoLockKey(repoId: string): string {
  return `repo:${repoId}`;
}

/** A name a repo may move to: two moves onto one name queue on it, so only one can take the name. */
export function repoNameLockKey(type: string, key: string): string {
  return `repo-name:${type}:${key.toLowerCase()}`;
}

/**
 * Runs `work` holding the repo's write lock, with the repo as it stands once the lock is held: moved
 * (a new `gitDir`) or deleted (HUB_REPO_NOT_FOUND) while the caller waited.
 */
export async function withRepoWriteLock<T>(hub: HubContext, repo: RepoRecord, work: (current: RepoRecord) => Promise<T>): Promise<T> {
  return hub.commitLocks.run(repoLockKey(repo.id), async () => {
    const row = await hub.db.selectFrom('repos').selectAll().where('id', '=', repo.id).executeTakeFirst();
    if (!row) throw new ModaError('HUB_REPO_NOT_FOUND', `${repo.type === 'model' ? 'Repository' : 'Dataset'} ${repo.fullName} was deleted while this write waited`);
    return work(row.key === repo.row.key && row.default_branch === repo.row.default_branch ? repo : toRecord(hub, row));
  });
}
