// Creates a repo: a bare git repository built in a scratch folder with its first commit
// (.gitattributes + README.md card), moved into place, then recorded in the database. A crash
// before the insert leaves only an unrecorded folder, which the next create of that name replaces.
import { recordAuditEvent } from '../audit/record-audit-event.js';
import { checkRepoQuota } from '../quotas/check-repo-quota.js';
import { knownLfsObject } from '../lfs-object-access.js';
import { recordLfsObjects } from '../lfs-object-index.js';
import { pointerOfContent } from '../lfs-pointer.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import type { RepoType, RepoVisibility } from '../../db/schema.js';
import { canWriteNamespace, requireWriteToken, type Actor } from '../actor.js';
import { gitDirOf, reposRoot, scratchName, type HubContext } from '../context.js';
import { DEFAULT_GITATTRIBUTES } from '../gitattributes.js';
import { git } from '../git.js';
import { defaultModelCard } from '../model-card.js';
import { checkFilePath, checkRefName, parseRepoId } from '../paths.js';
import { buildCommit, compareAndSwapRef, type CommitOperation } from '../write-commit.js';
import { recordRepo } from './record-repo.js';
import type { RepoRecord } from './repo-record.js';
import { repoNameLockKey } from './repo-write-lock.js';

export interface CreateRepoInput {
  type: RepoType;
  /** `namespace/name`. */
  repoId: string;
  private?: boolean;
  /** Wins over `private` when given. */
  visibility?: RepoVisibility;
  /** Display name shown beside the id (ModelScope's `ChineseName`). */
  chineseName?: string;
  defaultBranch?: string;
  /** Written into the default model card. */
  license?: string;
  /** The default model card's first paragraph (ModelScope's `Description`). */
  description?: string;
  /** Extra files of the first commit (they replace the default README.md/.gitattributes). */
  files?: { path: string; content: Uint8Array }[];
}

export async function createRepo(hub: HubContext, actor: Actor, input: CreateRepoInput): Promise<RepoRecord> {
  const user = requireWriteToken(actor);
  const { namespace, name } = parseRepoId(input.repoId);
  const owner = await hub.db.selectFrom('users').select('name').where('name', '=', namespace).executeTakeFirst();
  if (!owner) throw new ModaError('HUB_USER_NOT_FOUND', `no user or organization "${namespace}"`);
  if (!canWriteNamespace(actor, namespace)) throw new ModaError('AUTH_FORBIDDEN', `you may not create repos under "${namespace}"`);
  const defaultBranch = checkRefName(input.defaultBranch ?? 'main');
  const pointers = [];
  for (const file of input.files ?? []) {
    checkFilePath(file.path);
    const pointer = pointerOfContent(file.content);
    if (!pointer) continue;
    // The repo does not exist yet: only an object of a repo the creator can read may be named.
    if (!(await knownLfsObject(hub, actor, pointer.oid, pointer.size))) {
      throw new ModaError('LFS_OBJECT_MISSING', `LFS object ${pointer.oid} (${pointer.size} bytes) for ${file.path} has not been uploaded`);
    }
    pointers.push(pointer.oid);
  }
  const key = input.repoId.toLowerCase();
  const existing = await hub.db.selectFrom('repos').select('id').where('type', '=', input.type).where('key', '=', key).executeTakeFirst();
  if (existing) throw new ModaError('HUB_REPO_EXISTS', `You already created this ${input.type} repo: ${input.repoId}`);
  await checkRepoQuota(hub, namespace);

  const scratch = join(reposRoot(hub), '.scratch', scratchName(hub));
  await mkdir(scratch, { recursive: true });
  try {
    await git(scratch, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`]);
    // Pushes arrive through `git http-backend`, which honours these per-repo settings.
    await git(scratch, ['config', 'http.receivepack', 'true']);
    await git(scratch, ['config', 'receive.denyNonFastForwards', 'true']);
    await git(scratch, ['config', 'gc.auto', '0']);
    // An acknowledged commit must survive power loss, not only a killed process.
    await git(scratch, ['config', 'core.fsync', 'objects,reference']);
    await git(scratch, ['config', 'core.fsyncMethod', 'fsync']);
    const commit = await buildCommit(scratch, {
      parent: undefined,
      summary: 'initial commit',
      author: { name: user, email: `${user}@users.noreply.moda` },
      operations: firstCommitFiles(`${namespace}/${name}`, input),
    });
    await compareAndSwapRef(scratch, `refs/heads/${defaultBranch}`, commit, undefined);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }

  const visibility = input.visibility ?? (input.private ? 'private' : 'public');
  // Under the name's lock (which a move onto this name takes too): the folder replaced below is a
  // crash leftover only while no row holds the name, so check and replace with nobody in between.
  const repo = await hub.commitLocks.run(repoNameLockKey(input.type, key), async () => {
    try {
      const taken = await hub.db.selectFrom('repos').select('id').where('type', '=', input.type).where('key', '=', key).executeTakeFirst();
      if (taken) throw new ModaError('HUB_REPO_EXISTS', `You already created this ${input.type} repo: ${input.repoId}`);
      await hub.writeFence?.();
      const target = gitDirOf(hub, input.type, namespace, name);
      await mkdir(dirname(target), { recursive: true });
      await rm(target, { recursive: true, force: true });
      await rename(scratch, target);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return recordRepo(hub, { type: input.type, namespace, name, visibility, defaultBranch, chineseName: input.chineseName });
  });
  await recordAuditEvent(hub, actor, 'repo.create', `${input.type}:${repo.fullName}`, { visibility });
  await recordLfsObjects(hub, repo.id, pointers);
  return repo;
}

function firstCommitFiles(repoId: string, input: CreateRepoInput): CommitOperation[] {
  const files = new Map<string, Uint8Array>([
    ['.gitattributes', Buffer.from(DEFAULT_GITATTRIBUTES)],
    ['README.md', Buffer.from(defaultModelCard(repoId, input.type, input.license, input.description))],
  ]);
  for (const file of input.files ?? []) files.set(file.path, file.content);
  return [...files].map(([path, content]) => ({ kind: 'file', path, content }));
}
