// The server's side of snapshots: repo@commit written out once as a plain directory under
// $MODA_HOME/snapshots, LFS weights hard-linked from an fs blob store (no copy, no extra disk) or
// streamed from an S3 one (each replica keeps its own copy), small files from git. Built in a
// scratch folder and renamed into place, so a reader never sees half of it.
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import type { HubContext } from '../hub/context.js';
import { listFiles, readBlobs, type RepoFile } from '../hub/list-files.js';
import { openFileContent } from '../hub/open-file-content.js';
import type { RepoRecord } from '../hub/repos/repo-record.js';
import { COMMIT_SHA } from '../hub/paths.js';
import { ModaError } from '../errors/moda-error.js';

/** Regular (non-LFS) files up to this size are read in one `git cat-file --batch`. */
const BATCH_READ_MAX = 8 * 1024 * 1024;

const building = new Map<string, Promise<string>>();

export function snapshotsRoot(hub: HubContext): string {
  return join(hub.config.home, 'snapshots');
}

function snapshotDir(hub: HubContext, repo: RepoRecord, commit: string): string {
  if (!COMMIT_SHA.test(commit)) throw new ModaError('REVISION_INVALID', `not a commit sha: ${commit}`);
  return join(snapshotsRoot(hub), `${repo.type}s--${repo.fullName.toLowerCase().replace('/', '--')}`, commit);
}

async function writeLfsFile(hub: HubContext, gitDir: string, file: RepoFile, target: string): Promise<void> {
  const oid = file.lfs?.oid ?? '';
  const local = hub.blobs.localPath?.(oid);
  if (local) {
    try {
      await link(local, target);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `LFS object ${oid} of ${file.path} is not in the blob store`);
      // Another file system (EXDEV) or no hard links allowed: fall back to a copy.
      await copyFile(local, target);
      return;
    }
  }
  await pipeStreams(await openFileContent(hub, gitDir, file, undefined), createWriteStream(target));
}

async function build(hub: HubContext, repo: RepoRecord, commit: string, dir: string): Promise<string> {
  const scratch = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(scratch, { recursive: true });
  try {
    const files = await listFiles(repo.gitDir, commit);
    const small = files.filter((file) => !file.lfs && file.size <= BATCH_READ_MAX);
    const contents = small.length ? await readBlobs(repo.gitDir, small.map((file) => file.blobId)) : new Map<string, Buffer>();
    for (const file of files) {
      const target = join(scratch, ...file.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      if (file.lfs) await writeLfsFile(hub, repo.gitDir, file, target);
      else if (file.size <= BATCH_READ_MAX) await writeFile(target, contents.get(file.blobId) ?? Buffer.alloc(0));
      else await pipeStreams(await openFileContent(hub, repo.gitDir, file, undefined), createWriteStream(target));
    }
    await mkdir(dirname(dir), { recursive: true });
    try {
      await rename(scratch, dir);
    } catch (error) {
      // Another process finished the same snapshot first; theirs is identical.
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await rm(scratch, { recursive: true, force: true });
    }
    return dir;
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

/** The snapshot directory of repo@commit, written on first use. */
export async function materializeSnapshot(hub: HubContext, repo: RepoRecord, commit: string): Promise<string> {
  const dir = snapshotDir(hub, repo, commit);
  if ((await stat(dir).catch(() => undefined))?.isDirectory()) return dir;
  let pending = building.get(dir);
  if (!pending) {
    pending = build(hub, repo, commit, dir).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}
