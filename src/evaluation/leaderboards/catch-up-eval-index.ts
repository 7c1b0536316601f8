// Keeps the leaderboard index in step with the repos: each commit to a default branch is indexed
// as it happens (the hub's default-branch listener), and every read first indexes the repos whose
// head moved without this process seeing it (another replica's commit, a start after a crash, repos
// that existed before leaderboards did). One repo is indexed by one task at a time per process;
// a second replica doing the same work writes the same rows.
import type { HubContext } from '../../hub/context.js';
import { KeyedMutex } from '../../hub/keyed-mutex.js';
import { onDefaultBranchCommit } from '../../hub/repos/reindex-repo.js';
import { toRecord, type RepoRecord } from '../../hub/repos/repo-record.js';
import { indexEvalRepo } from './index-eval-repo.js';

const locks = new WeakMap<HubContext, KeyedMutex>();

/** Indexes one repo, one task per repo at a time in this process. */
export async function indexEvalRepoOnce(hub: HubContext, repo: RepoRecord): Promise<void> {
  let mutex = locks.get(hub);
  if (!mutex) {
    mutex = new KeyedMutex();
    locks.set(hub, mutex);
  }
  await mutex.run(repo.id, () => indexEvalRepo(hub, repo));
}

/**
 * Marks `repo` caught up with `head` unless another commit recorded a newer head meanwhile (that
 * write set the mark again, and the next read indexes it).
 */
async function clearPending(hub: HubContext, repoId: string, head: string): Promise<void> {
  await hub.db.updateTable('repos').set({ eval_pending: 0 }).where('id', '=', repoId).where('sha', '=', head).execute();
}

/**
 * Indexes up to `limit` repos the index has not caught up with; returns how many. They are the rows
 * whose `eval_pending` mark the write of their head set (an index lookup, not a scan over repos).
 */
export async function catchUpEvalIndex(hub: HubContext, limit = 200): Promise<number> {
  const stale = await hub.db.selectFrom('repos').selectAll().where('eval_pending', '=', 1).where('sha', 'is not', null).limit(limit).execute();
  for (const row of stale) {
    await indexEvalRepoOnce(hub, toRecord(hub, row));
    await clearPending(hub, row.id, row.sha!);
  }
  return stale.length;
}

/** Indexes each default-branch commit made in this process; returns the unsubscribe. */
export function followDefaultBranchCommits(hub: HubContext, logError: (message: string, error: unknown) => void): () => void {
  return onDefaultBranchCommit(hub, (repo, head) => {
    void indexEvalRepoOnce(hub, repo)
      .then(() => clearPending(hub, repo.id, head))
      .catch((error: unknown) => logError(`could not index the evaluation results of ${repo.fullName}`, error));
  });
}
