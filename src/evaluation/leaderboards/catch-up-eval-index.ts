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

/** Indexes up to `limit` repos whose indexed head is missing or differs from the repo's; returns how many. */
export async function catchUpEvalIndex(hub: HubContext, limit = 200): Promise<number> {
  const stale = await hub.db
    .selectFrom('repos')
    .leftJoin('eval_indexed_repos', 'eval_indexed_repos.repo_id', 'repos.id')
    .selectAll('repos')
    .where('repos.sha', 'is not', null)
    .where((eb) => eb.or([eb('eval_indexed_repos.head', 'is', null), eb('eval_indexed_repos.head', '!=', eb.ref('repos.sha'))]))
    .limit(limit)
    .execute();
  for (const row of stale) await indexEvalRepoOnce(hub, toRecord(hub, row));
  return stale.length;
}

/** Indexes each default-branch commit made in this process; returns the unsubscribe. */
export function followDefaultBranchCommits(hub: HubContext, logError: (message: string, error: unknown) => void): () => void {
  return onDefaultBranchCommit(hub, (repo) => {
    void indexEvalRepoOnce(hub, repo).catch((error: unknown) => logError(`could not index the evaluation results of ${repo.fullName}`, error));
  });
}
