// Replaces a branch's whole history with one commit holding its current tree (the Hub's
// super-squash): the files stay, every earlier commit of that branch is dropped from it.
import { ModaError } from '../../errors/moda-error.js';
import { requireUser, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { gitText } from '../git.js';
import { readRef } from '../refs.js';
import { compareAndSwapRef } from '../write-commit.js';
import { reindexRepo } from './reindex-repo.js';
import type { RepoRecord } from './repo-record.js';
import { withRepoWriteLock } from './repo-write-lock.js';

export async function squashHistory(hub: HubContext, actor: Actor, repo: RepoRecord, branch: string, message: string): Promise<string> {
  const user = requireUser(actor);
  const ref = `refs/heads/${branch}`;
  const commit = await withRepoWriteLock(hub, repo, async (current) => {
    const head = await readRef(current.gitDir, ref);
    if (!head) throw new ModaError('HUB_REVISION_NOT_FOUND', `branch "${branch}" does not exist`);
    const tree = (await gitText(current.gitDir, ['rev-parse', `${head}^{tree}`])).trim();
    const email = `${user}@users.noreply.moda`;
    const env = { GIT_AUTHOR_NAME: user, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: user, GIT_COMMITTER_EMAIL: email };
    const squashed = (await gitText(current.gitDir, ['commit-tree', tree], { input: `${message}\n`, env })).trim();
    if (!(await compareAndSwapRef(current.gitDir, ref, squashed, head))) throw new ModaError('HUB_COMMIT_CONFLICT', `${branch} moved while squashing; try again`);
    hub.caches.heads.clear();
    if (branch === current.row.default_branch) await reindexRepo(hub, current);
    return squashed;
  });
  return commit;
}
