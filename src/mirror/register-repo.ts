// Turns a complete bare git repository built in a scratch folder into a hub repo: moved into place,
// then recorded in the database — the insert is the moment it becomes visible, so a crash before it
// leaves only an unrecorded folder (replaced by the next import of that name). Used by bundle
// import and the read-through mirror, which both build the whole repo before anyone may see it.
import { indexRepoLfsObjects } from '../hub/lfs-object-index.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RepoType, RepoVisibility } from '../db/schema.js';
import { ModaError } from '../errors/moda-error.js';
import { gitDirOf, reposRoot, scratchName, type HubContext } from '../hub/context.js';
import { git } from '../hub/git.js';
import { parseRepoId } from '../hub/paths.js';
import { recordRepo } from '../hub/repos/record-repo.js';
import { repoNameLockKey } from '../hub/repos/repo-write-lock.js';
import type { RepoRecord } from '../hub/repos/repo-record.js';

/** A fresh scratch folder under the repos root (start-up recovery clears crash leftovers there). */
export async function scratchDir(hub: HubContext, label: string): Promise<string> {
  const dir = join(reposRoot(hub), '.scratch', scratchName(hub, `${label}-`));
  await mkdir(dir, { recursive: true });
  return dir;
}

/** `git init --bare` with the settings createRepo gives every hub repo. */
export async function initBareRepo(gitDir: string, defaultBranch: string): Promise<void> {
  await mkdir(gitDir, { recursive: true });
  await git(gitDir, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`]);
  for (const [key, value] of [
    ['http.receivepack', 'true'],
    ['receive.denyNonFastForwards', 'true'],
    ['gc.auto', '0'],
    ['core.fsync', 'objects,reference'],
    ['core.fsyncMethod', 'fsync'],
  ] as const) {
    await git(gitDir, ['config', key, value]);
  }
}

export interface RegisterRepoInput {
  type: RepoType;
  repoId: string;
  /** The complete bare repository, in a scratch folder; it is moved, not copied. */
  scratchGitDir: string;
  private: boolean;
  /** Wins over `private` when given (bundles carry `internal` too). */
  visibility?: RepoVisibility;
  defaultBranch: string;
  createdAt?: string;
}

async function recorded(hub: HubContext, type: RepoType, key: string): Promise<boolean> {
  return (await hub.db.selectFrom('repos').select('id').where('type', '=', type).where('key', '=', key).executeTakeFirst()) !== undefined;
}

export async function registerRepo(hub: HubContext, input: RegisterRepoInput): Promise<RepoRecord> {
  const { namespace, name } = parseRepoId(input.repoId);
  const key = input.repoId.toLowerCase();
  const exists = () => new ModaError('HUB_REPO_EXISTS', `${input.type} repo ${input.repoId} already exists`);
  if (await recorded(hub, input.type, key)) throw exists();
  // Under the name's lock, which creates and moves onto this name take too: the folder replaced
  // below is a crash leftover only while no row holds the name, so check, replace and record with
  // nobody in between (a create or move in flight would otherwise lose its folder to this one).
  const repo = await hub.commitLocks.run(repoNameLockKey(input.type, key), async () => {
    if (await recorded(hub, input.type, key)) throw exists();
    await hub.writeFence?.();
    const target = gitDirOf(hub, input.type, namespace, name);
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    try {
      await rename(input.scratchGitDir, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw exists();
      throw error;
    }
    return recordRepo(hub, {
      type: input.type,
      namespace,
      name,
      visibility: input.visibility ?? (input.private ? 'private' : 'public'),
      defaultBranch: input.defaultBranch,
      createdAt: input.createdAt,
    });
  });
  // The repo arrives whole (bundle import, mirror): every LFS object of its history is its own.
  await indexRepoLfsObjects(hub, repo.id, repo.gitDir);
  return repo;
}
