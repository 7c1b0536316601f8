// Branch and tag creation and deletion; all moves are compare-and-swap so they never clobber a
// concurrent writer.
import { ModaError } from '../../errors/moda-error.js';
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { git } from '../git.js';
import { checkRefName } from '../paths.js';
import { readRef, resolveRevision } from '../refs.js';
import { compareAndSwapRef } from '../write-commit.js';
import type { RepoRecord } from './repo-record.js';

export async function createBranch(hub: HubContext, repo: RepoRecord, branch: string, startingPoint?: string): Promise<string> {
  checkRefName(branch);
  const start = (await resolveRevision(repo.gitDir, startingPoint ?? repo.row.default_branch)).commit;
  if (!(await compareAndSwapRef(repo.gitDir, `refs/heads/${branch}`, start, undefined))) {
    throw new ModaError('HUB_REF_EXISTS', `branch "${branch}" already exists`);
  }
  hub.caches.heads.clear();
  return start;
}

export async function deleteBranch(hub: HubContext, repo: RepoRecord, branch: string): Promise<void> {
  checkRefName(branch);
  if (branch === repo.row.default_branch) throw new ModaError('HUB_REF_PROTECTED', `"${branch}" is the default branch`);
  await deleteRef(hub, repo, `refs/heads/${branch}`, `branch "${branch}"`);
}

export async function createTag(hub: HubContext, actor: Actor, repo: RepoRecord, tag: string, revision: string, message?: string): Promise<string> {
  checkRefName(tag);
  const { commit } = await resolveRevision(repo.gitDir, revision);
  if (await readRef(repo.gitDir, `refs/tags/${tag}`)) throw new ModaError('HUB_REF_EXISTS', `tag "${tag}" already exists`);
  let target = commit;
  if (message) {
    const user = actor.user ?? 'anonymous';
    const tagger = `${user} <${user}@users.noreply.moda> ${Math.floor(Date.now() / 1000)} +0000`;
    const body = `object ${commit}\ntype commit\ntag ${tag}\ntagger ${tagger}\n\n${message.replace(/\0/g, '')}\n`;
    target = (await git(repo.gitDir, ['hash-object', '-t', 'tag', '-w', '--stdin'], { input: body })).stdout.toString().trim();
  }
  if (!(await compareAndSwapRef(repo.gitDir, `refs/tags/${tag}`, target, undefined))) {
    throw new ModaError('HUB_REF_EXISTS', `tag "${tag}" already exists`);
  }
  hub.caches.heads.clear();
  return commit;
}

export async function deleteTag(hub: HubContext, repo: RepoRecord, tag: string): Promise<void> {
  checkRefName(tag);
  await deleteRef(hub, repo, `refs/tags/${tag}`, `tag "${tag}"`);
}

async function deleteRef(hub: HubContext, repo: RepoRecord, ref: string, label: string): Promise<void> {
  const current = await git(repo.gitDir, ['rev-parse', '--verify', '--quiet', ref], { okCodes: [1] });
  const value = current.stdout.toString().trim();
  if (current.code !== 0 || !value) throw new ModaError('HUB_REVISION_NOT_FOUND', `${label} does not exist`);
  await git(repo.gitDir, ['update-ref', '-d', ref, value]);
  hub.caches.heads.clear();
}
