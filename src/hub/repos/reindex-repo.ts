// Re-reads a repo's card and config files at the head of its default branch and stores the
// searchable fields. Runs after every commit to the default branch and at start-up for repos whose
// indexed head differs from git (e.g. after a crash between the ref update and this write).
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { gitText } from '../git.js';
import { deriveIndexFields } from '../index-fields.js';
import { listFiles, readBlobs } from '../list-files.js';
import { readRef } from '../refs.js';
import type { RepoRecord } from './repo-record.js';

const SOURCES = { readme: 'README.md', configuration: 'configuration.json', config: 'config.json' } as const;

/** Told when a commit `by` someone (an API commit or a push) moved a repo's default branch. */
export type DefaultBranchListener = (repo: RepoRecord, head: string, by: Actor) => void;

// Per hub, so tests running several servers in one process keep them apart.
const listeners = new WeakMap<HubContext, Set<DefaultBranchListener>>();

/** Calls `listener` after each commit to a default branch made in this process; returns the unsubscribe. */
export function onDefaultBranchCommit(hub: HubContext, listener: DefaultBranchListener): () => void {
  const set = listeners.get(hub) ?? new Set();
  listeners.set(hub, set);
  set.add(listener);
  return () => set.delete(listener);
}

/** Indexes the default branch's head; `by` (who committed) tells the default-branch listeners. */
export async function reindexRepo(hub: HubContext, repo: RepoRecord, by?: Actor): Promise<void> {
  // A slower writer could store an older head after a newer one; re-check and redo until stable.
  for (let attempt = 0; attempt < 5; attempt++) {
    const head = await readRef(repo.gitDir, `refs/heads/${repo.row.default_branch}`);
    if (!head) return;
    await indexCommit(hub, repo, head);
    if ((await readRef(repo.gitDir, `refs/heads/${repo.row.default_branch}`)) === head) {
      if (by) for (const listener of listeners.get(hub) ?? []) listener(repo, head, by);
      return;
    }
  }
}

async function indexCommit(hub: HubContext, repo: RepoRecord, head: string): Promise<void> {
  const files = await listFiles(repo.gitDir, head);
  const wanted = files.filter((file) => !file.lfs && file.size <= 1024 * 1024 && Object.values(SOURCES).includes(file.path as never));
  const contents = await readBlobs(repo.gitDir, wanted.map((file) => file.blobId));
  const text = (path: string) => {
    const file = wanted.find((entry) => entry.path === path);
    return file ? contents.get(file.blobId)?.toString('utf8') : undefined;
  };
  const fields = deriveIndexFields({ files, readme: text(SOURCES.readme), configuration: text(SOURCES.configuration), config: text(SOURCES.config) });
  const lastModified = await commitDate(repo, head);
  await hub.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('repos')
      .set({
        sha: head,
        // The leaderboard index reads this head next (src/evaluation/leaderboards/catch-up-eval-index.ts).
        eval_pending: 1,
        last_modified: lastModified,
        pipeline_tag: fields.pipelineTag,
        library_name: fields.libraryName,
        license: fields.license,
        tags: JSON.stringify(fields.tags),
        card_data: fields.cardData ? JSON.stringify(fields.cardData) : null,
        config: fields.config ? JSON.stringify(fields.config) : null,
      })
      .where('id', '=', repo.id)
      .execute();
    hub.caches.repos.clear();
    hub.caches.heads.clear();
    await trx.deleteFrom('repo_tags').where('repo_id', '=', repo.id).execute();
    if (fields.tags.length > 0) {
      await trx.insertInto('repo_tags').values(fields.tags.map((tag) => ({ repo_id: repo.id, tag }))).execute();
    }
  });
}

async function commitDate(repo: RepoRecord, commit: string): Promise<string> {
  const seconds = Number((await gitText(repo.gitDir, ['show', '-s', '--format=%ct', commit])).trim());
  return new Date(seconds * 1000).toISOString();
}
