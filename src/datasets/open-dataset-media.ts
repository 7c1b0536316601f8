// The bytes of the media files a dataset's rows name, for the jobs that feed them to a model
// (evaluation, tuning): a repo path (imagefolder and audiofolder datasets, LFS or not), or a member of
// a zip archive of the repo, named `<archive>/<member>` as the rows of a zip split name it (git cannot
// hold a file and a folder of one name, so the archive is the one ancestor of the path that is a
// file). Members are read through the same bounded zip reader as the archive-member route
// (zip/open-archive.ts: the preparation's limits, names that stay inside, no member past the size it
// declares); each archive is opened and its directory read once per reader, however many batches
// ask for its members. Files kept in git are read with one `git cat-file --batch` per group (one
// process per image cost more than decoding a small one).
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { listFiles, readBlobs, type RepoFile } from '../hub/list-files.js';
import { fileKindOf } from './data-file-format.js';
import { openArchive, type OpenArchive } from './zip/open-archive.js';
import type { ZipEntry } from './zip/zip-directory.js';

/** At most this many bytes are read ahead at once (a `git cat-file --batch` answer is held whole). */
const MAX_GROUP_BYTES = 128 * 1024 * 1024;

/** A media file a row names. */
export interface MediaRequest {
  path: string;
  /** The row (named in messages). */
  row: number;
}

/** Why a request has no bytes: the file is not there, or it is larger than the reader's limit. Callers decide what that costs. */
export interface MediaRefusal {
  refused: 'missing' | 'too-large';
  message: string;
}

export type MediaRead = Uint8Array | MediaRefusal;

export interface DatasetMedia {
  /**
   * The bytes of each request, in order, or its refusal; read a group at a time as they are
   * consumed, so a page of large files is never held whole. A broken archive (a member that
   * inflates past its declared size, a corrupt entry) or a missing LFS object throws its own code.
   */
  read(requests: readonly MediaRequest[]): AsyncGenerator<MediaRead, void, undefined>;
  /** Closes the archives it opened. */
  close(): Promise<void>;
}

export interface DatasetMediaOptions {
  /** Larger files (and members, by the size their entry declares) are refused before they are read. */
  maxFileBytes: number;
}

/** Where a request's bytes are, with their size; or why there are none. */
type Located = { kind: 'git'; file: RepoFile } | { kind: 'lfs'; file: RepoFile; oid: string } | { kind: 'member'; archive: OpenArchive; entry: ZipEntry } | MediaRefusal;

export function isMediaRefusal(read: MediaRead): read is MediaRefusal {
  return !(read instanceof Uint8Array);
}

/** An LFS file's bytes: a local store's file read at once, other stores' objects streamed. */
async function readLfsFile(hub: HubContext, path: string, oid: string): Promise<Uint8Array> {
  const local = hub.blobs.localPath?.(oid);
  if (!local) return buffer(await hub.blobs.read(oid));
  return readFile(local).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} of ${path} is not in the store`);
    throw error;
  });
}

function sizeOf(where: Located): number {
  if ('refused' in where) return 0;
  return where.kind === 'member' ? where.entry.unpacked : where.file.size;
}

export async function openDatasetMedia(hub: HubContext, gitDir: string, commit: string, options: DatasetMediaOptions): Promise<DatasetMedia> {
  const byPath = new Map<string, RepoFile>((await listFiles(gitDir, commit)).map((file) => [file.path, file]));
  const archives = new Map<string, Promise<OpenArchive>>();
  const tooLarge = (request: MediaRequest, size: number): MediaRefusal => ({ refused: 'too-large', message: `row ${request.row}: ${request.path.slice(0, 300)} is ${size} bytes, more than the ${options.maxFileBytes} a file may have here` });
  const missing = (request: MediaRequest, why: string): MediaRefusal => ({ refused: 'missing', message: `row ${request.row}: ${why}` });

  const archiveOf = (file: RepoFile): Promise<OpenArchive> => {
    let opened = archives.get(file.path);
    if (!opened) {
      opened = openArchive(hub, gitDir, file);
      archives.set(file.path, opened);
      // A failed open is not kept: its error reaches the read that asked, and fails the job.
      opened.catch(() => archives.delete(file.path));
    }
    return opened;
  };

  const locate = async (request: MediaRequest): Promise<Located> => {
    const file = byPath.get(request.path);
    if (file) {
      if (file.size > options.maxFileBytes) return tooLarge(request, file.size);
      return file.lfs ? { kind: 'lfs', file, oid: file.lfs.oid } : { kind: 'git', file };
    }
    const segments = request.path.split('/');
    for (let end = segments.length - 1; end > 0; end--) {
      const container = byPath.get(segments.slice(0, end).join('/'));
      if (!container) continue;
      if (fileKindOf(container.path) !== 'zip') break;
      const archive = await archiveOf(container);
      const member = segments.slice(end).join('/');
      const entry = archive.entry(member);
      if (!entry) return missing(request, `${container.path} holds no file ${JSON.stringify(member.slice(0, 300))}`);
      // Refused by the size its entry declares, before a byte is inflated; the reader stops at that size whatever the data says.
      return entry.unpacked > options.maxFileBytes ? tooLarge(request, entry.unpacked) : { kind: 'member', archive, entry };
    }
    return missing(request, `the dataset commit has no file ${JSON.stringify(request.path.slice(0, 300))}`);
  };

  /** Reads one group of located requests, each distinct file once. */
  async function readGroup(located: readonly Located[]): Promise<MediaRead[]> {
    const content = new Map<unknown, Uint8Array>();
    const git = [...new Set(located.flatMap((where) => ('kind' in where && where.kind === 'git' ? [where.file] : [])))];
    if (git.length > 0) {
      const blobs = await readBlobs(gitDir, git.map((file) => file.blobId));
      for (const file of git) {
        const blob = blobs.get(file.blobId);
        if (!blob) throw new ModaError('INTERNAL', `git has no blob ${file.blobId} for ${file.path}`);
        content.set(file, blob);
      }
    }
    const lfs = new Map(located.flatMap((where) => ('kind' in where && where.kind === 'lfs' ? [[where.file, where.oid] as const] : [])));
    const byArchive = new Map<OpenArchive, Set<ZipEntry>>();
    for (const where of located) if ('kind' in where && where.kind === 'member') byArchive.set(where.archive, (byArchive.get(where.archive) ?? new Set()).add(where.entry));
    await Promise.all([
      ...[...lfs].map(async ([file, oid]) => content.set(file, await readLfsFile(hub, file.path, oid))),
      // Archives side by side; the members of one in the order they lie in it.
      ...[...byArchive].map(async ([archive, entries]) => {
        for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) content.set(entry, await buffer(await archive.read(entry)));
      }),
    ]);
    return located.map((where) => {
      if ('refused' in where) return where;
      const bytes = content.get(where.kind === 'member' ? where.entry : where.file);
      if (!bytes) throw new ModaError('INTERNAL', 'a located media file was not read');
      return bytes;
    });
  }

  return {
    async *read(requests) {
      const located: Located[] = [];
      for (const request of requests) located.push(await locate(request));
      // Consecutive groups of at most MAX_GROUP_BYTES, read as the caller gets to them.
      for (let start = 0; start < located.length; ) {
        let end = start;
        let bytes = 0;
        while (end < located.length && (end === start || bytes + sizeOf(located[end]!) <= MAX_GROUP_BYTES)) bytes += sizeOf(located[end++]!);
        yield* await readGroup(located.slice(start, end));
        start = end;
      }
    },
    async close() {
      const opened = await Promise.allSettled(archives.values());
      archives.clear();
      for (const result of opened) if (result.status === 'fulfilled') await result.value.close();
    },
  };
}
