// Commits a set of file operations to a branch. With `parentCommit` the commit lands only if the
// branch is still there (412 otherwise, never a silent merge); without it, the operations are
// re-applied on whatever the head is, so concurrent writers all land.
import { requireStorage } from '../quotas/storage-quota.js';
import { createHash } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import type { Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import { lfsPatterns, matchesAny } from '../gitattributes.js';
import { checkCommittableLfsObject } from '../lfs-object-access.js';
import { recordLfsObjects } from '../lfs-object-index.js';
import { pointerOfContent } from '../lfs-pointer.js';
import { listFiles, readSmallFile } from '../list-files.js';
import { checkFilePath, checkFolderPath, checkRefName, COMMIT_SHA } from '../paths.js';
import { readRef } from '../refs.js';
import { buildCommit, compareAndSwapRef, type CommitOperation } from '../write-commit.js';
import { reindexRepo } from './reindex-repo.js';
import type { RepoRecord } from './repo-record.js';
import { withRepoWriteLock } from './repo-write-lock.js';

export interface CommitInput {
  branch: string;
  operations: CommitOperation[];
  summary: string;
  description?: string;
  parentCommit?: string;
}

export interface CommitResult {
  commitOid: string;
  branch: string;
}

/** Attempts when the branch moves under a parent-less commit (other processes writing too). */
const MAX_ATTEMPTS = 20;

export async function commitChanges(hub: HubContext, actor: Actor, repo: RepoRecord, input: CommitInput): Promise<CommitResult> {
  const branch = checkRefName(input.branch.replace(/^refs\/heads\//, ''));
  if (input.operations.length === 0) throw new ModaError('HUB_COMMIT_EMPTY');
  if (input.parentCommit !== undefined && !COMMIT_SHA.test(input.parentCommit)) {
    throw new ModaError('VALIDATION_FAILED', 'parentCommit must be a 40-character commit sha');
  }
  for (const operation of input.operations) {
    if (operation.kind === 'deletedFolder') checkFolderPath(operation.path);
    else checkFilePath(operation.path);
    // A plain file whose content is a pointer would serve the object it names just the same.
    const pointer = operation.kind === 'lfsFile' ? operation : operation.kind === 'file' ? pointerOfContent(operation.content) : undefined;
    if (pointer) await checkCommittableLfsObject(hub, actor, repo.id, { oid: pointer.oid, size: pointer.size, path: operation.path });
  }
  const operations = await moveLargeFilesToLfs(hub, repo, branch, input.operations);
  await requireStorage(hub, repo.row.namespace, operations.flatMap((operation) => (operation.kind === 'lfsFile' ? [operation] : [])));
  // Recorded before the branch moves: a crash in between leaves a row too many (for an object the
  // committer was allowed to name), never a pointer the index does not know.
  await recordLfsObjects(hub, repo.id, operations.flatMap((operation) => (operation.kind === 'lfsFile' ? [operation.oid] : [])));
  const author = { name: actor.user ?? 'anonymous', email: `${actor.user ?? 'anonymous'}@users.noreply.moda` };
  const ref = `refs/heads/${branch}`;

  // A repo moved while this commit waited is written in its new folder (repo-write-lock.ts).
  const commitOid = await withRepoWriteLock(hub, repo, async (current) => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await readRef(current.gitDir, ref);
      if (!head) throw new ModaError('HUB_REVISION_NOT_FOUND', `branch "${branch}" does not exist`);
      if (input.parentCommit !== undefined && input.parentCommit !== head) {
        throw new ModaError('HUB_PARENT_COMMIT_STALE', `parentCommit ${input.parentCommit} is not the head of ${branch} (${head})`);
      }
      await checkDeletions(current.gitDir, head, operations);
      const commit = await buildCommit(current.gitDir, {
        parent: head,
        operations,
        summary: input.summary,
        description: input.description,
        author,
      });
      await hub.writeFence?.();
      if (await compareAndSwapRef(current.gitDir, ref, commit, head)) {
        hub.caches.heads.clear();
        // Under the same lock: a replica's slower index write can then never follow a newer one's.
        if (branch === current.row.default_branch) await reindexRepo(hub, current, actor);
        return commit;
      }
      if (input.parentCommit !== undefined) {
        throw new ModaError('HUB_PARENT_COMMIT_STALE', `${branch} moved while committing on ${input.parentCommit}`);
      }
    }
    throw new ModaError('HUB_COMMIT_CONFLICT', `${branch} kept moving; gave up after ${MAX_ATTEMPTS} attempts`);
  });

  return { commitOid, branch };
}

/**
 * Inline files that are large or match the repo's LFS patterns are stored like git-lfs would
 * store them: content in the blob store, a pointer in git. Every client then sees the same layout.
 */
async function moveLargeFilesToLfs(hub: HubContext, repo: RepoRecord, branch: string, operations: CommitOperation[]): Promise<CommitOperation[]> {
  const newAttributes = operations.find((operation): operation is Extract<CommitOperation, { kind: 'file' }> => operation.kind === 'file' && operation.path === '.gitattributes');
  let attributes: string | undefined = newAttributes ? Buffer.from(newAttributes.content).toString('utf8') : undefined;
  // Read under the repo's lock, briefly: a move in between would leave `repo.gitDir` gone.
  attributes ??= await withRepoWriteLock(hub, repo, async (current) => {
    const head = await readRef(current.gitDir, `refs/heads/${branch}`);
    return head ? ((await readSmallFile(current.gitDir, head, '.gitattributes'))?.toString('utf8') ?? '') : '';
  });
  const patterns = lfsPatterns(attributes);
  return Promise.all(
    operations.map(async (operation) => {
      if (operation.kind !== 'file' || operation.path === '.gitattributes') return operation;
      if (operation.content.byteLength < hub.config.lfsThresholdBytes && !matchesAny(operation.path, patterns)) return operation;
      const oid = createHash('sha256').update(operation.content).digest('hex');
      const size = operation.content.byteLength;
      const stored = await hub.blobs.stat(oid);
      if (!stored) await hub.blobs.write([operation.content], { oid, size });
      return { kind: 'lfsFile', path: operation.path, oid, size } satisfies CommitOperation;
    }),
  );
}

async function checkDeletions(gitDir: string, head: string, operations: CommitOperation[]): Promise<void> {
  if (!operations.some((operation) => operation.kind === 'deletedFile' || operation.kind === 'deletedFolder')) return;
  const files = await listFiles(gitDir, head);
  const paths = new Set(files.map((file) => file.path));
  for (const operation of operations) {
    if (operation.kind === 'deletedFile' && !paths.has(operation.path)) {
      throw new ModaError('HUB_ENTRY_NOT_FOUND', `cannot delete ${operation.path}: no such file`);
    }
    if (operation.kind === 'deletedFolder' && !files.some((file) => file.path.startsWith(`${operation.path.replace(/\/+$/, '')}/`))) {
      throw new ModaError('HUB_ENTRY_NOT_FOUND', `cannot delete folder ${operation.path}: no such folder`);
    }
  }
}
