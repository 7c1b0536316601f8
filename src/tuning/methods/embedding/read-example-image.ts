// The bytes of a batch of training images, whatever shape their dataset cells have: a repo path
// (imagefolder datasets, read from the dataset repo at its pinned commit, LFS or not), Hugging Face's
// Image feature `{bytes, path}` (Parquet datasets), or raw bytes. Anything else is TUNE_IMAGE_INVALID.
// A batch's files kept in git are read with one `git cat-file --batch` (one process per image cost
// more than decoding a small one), LFS files straight from the blob store.
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { ModaError } from '../../../errors/moda-error.js';
import type { HubContext } from '../../../hub/context.js';
import { listFiles, readBlobs, type RepoFile } from '../../../hub/list-files.js';

/** Larger than any photo a few-shot dataset needs; the decoder bounds the pixels on top. */
const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;
/** At most this many bytes of git blobs in one `git cat-file --batch` answer (it is held in memory whole). */
const MAX_GIT_READ_BYTES = 128 * 1024 * 1024;

/** A file of the dataset wanted for the example in `row` (named in errors). */
export interface ImageFileRequest {
  path: string;
  row: number;
}

export interface DatasetFiles {
  /** The bytes of each requested file, in order. */
  readMany(requests: readonly ImageFileRequest[]): Promise<Uint8Array[]>;
}

/** An LFS file's bytes: a local store's file read at once, other stores' objects streamed. */
async function readLfsFile(hub: HubContext, path: string, oid: string): Promise<Uint8Array> {
  const local = hub.blobs.localPath?.(oid);
  if (!local) return new Uint8Array(await buffer(await hub.blobs.read(oid)));
  return readFile(local).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} of ${path} is not in the store`);
    throw error;
  });
}

/** Regular files grouped so that no one `git cat-file` answer holds more than MAX_GIT_READ_BYTES. */
function gitReadGroups(files: readonly RepoFile[]): RepoFile[][] {
  const groups: RepoFile[][] = [];
  let bytes = Infinity;
  for (const file of files) {
    if (bytes + file.size > MAX_GIT_READ_BYTES) {
      groups.push([]);
      bytes = 0;
    }
    groups.at(-1)?.push(file);
    bytes += file.size;
  }
  return groups;
}

export async function datasetFiles(hub: HubContext, gitDir: string, commit: string): Promise<DatasetFiles> {
  const byPath = new Map<string, RepoFile>((await listFiles(gitDir, commit)).map((file) => [file.path, file]));
  const fileOf = ({ path, row }: ImageFileRequest): RepoFile => {
    const file = byPath.get(path);
    if (!file) throw new ModaError('TUNE_IMAGE_INVALID', `row ${row}: the dataset has no file ${path.slice(0, 300)}`, { details: { row } });
    if (file.size > MAX_IMAGE_FILE_BYTES) throw new ModaError('TUNE_IMAGE_INVALID', `row ${row}: ${path} is ${file.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} an image may have`, { details: { row } });
    return file;
  };
  return {
    async readMany(requests) {
      const files = requests.map(fileOf);
      const unique = [...new Map(files.map((file) => [file.path, file])).values()];
      const content = new Map<string, Uint8Array>();
      const inGit = unique.filter((file) => !file.lfs);
      for (const group of gitReadGroups(inGit)) {
        const blobs = await readBlobs(gitDir, group.map((file) => file.blobId));
        for (const file of group) {
          const blob = blobs.get(file.blobId);
          if (!blob) throw new ModaError('INTERNAL', `git has no blob ${file.blobId} for ${file.path}`);
          content.set(file.path, blob);
        }
      }
      await Promise.all(
        unique.map(async (file) => {
          if (file.lfs) content.set(file.path, await readLfsFile(hub, file.path, file.lfs.oid));
        }),
      );
      return files.map((file) => content.get(file.path) ?? new Uint8Array());
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Where an image cell's bytes are: in the cell itself, or in a file of the dataset. */
export function imageCellSource(cell: unknown, row: number): { bytes: Uint8Array } | { path: string } {
  if (cell instanceof Uint8Array) return { bytes: cell };
  if (typeof cell === 'string' && cell !== '') return { path: cell };
  if (isRecord(cell)) {
    if (cell.bytes instanceof Uint8Array && cell.bytes.length > 0) return { bytes: cell.bytes };
    if (typeof cell.path === 'string' && cell.path !== '') return { path: cell.path };
  }
  throw new ModaError('TUNE_IMAGE_INVALID', `row ${row}: the image cell holds ${cell === null || cell === undefined ? 'nothing' : typeof cell}, not an image file or bytes`, { details: { row } });
}

/** The bytes of each example's image, the dataset files among them read together. */
export async function readExampleImages(examples: readonly { image?: unknown; row: number }[], files: DatasetFiles): Promise<Uint8Array[]> {
  const sources = examples.map((example) => imageCellSource(example.image, example.row));
  const requests: ImageFileRequest[] = [];
  sources.forEach((source, index) => 'path' in source && requests.push({ path: source.path, row: examples[index]!.row }));
  const read = requests.length > 0 ? await files.readMany(requests) : [];
  let next = 0;
  return sources.map((source) => ('bytes' in source ? source.bytes : read[next++]!));
}
