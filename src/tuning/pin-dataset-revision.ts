// A tune job trains on one dataset commit, chosen when the job is submitted: the revision asked
// (a branch, tag or commit; default the dataset's default branch) is resolved then and stored in
// the job's params in its place, so a push to the dataset while the job waits in the queue, or
// before a retry, does not change what it trains on, and the job's params say what it read.
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { resolveRevision } from '../hub/refs.js';
import { findRepo } from '../hub/repos/repo-record.js';

/**
 * `params` with `dataset_revision` replaced by the commit it names now. The actor must be able to
 * read the dataset (HUB_REPO_NOT_FOUND otherwise, as for a missing one); a revision that names
 * nothing is HUB_REVISION_NOT_FOUND.
 */
export async function pinDatasetRevision<Params extends { dataset: string; dataset_revision?: string }>(hub: HubContext, actor: Actor, params: Params): Promise<Params & { dataset_revision: string }> {
  const repo = await findRepo(hub, actor, 'dataset', params.dataset);
  const { commit } = await resolveRevision(repo.gitDir, params.dataset_revision ?? repo.row.default_branch);
  return { ...params, dataset_revision: commit };
}
