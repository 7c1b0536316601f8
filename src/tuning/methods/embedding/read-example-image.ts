// The bytes of one training image, whatever shape its dataset cell has: a repo path (imagefolder
// datasets, read from the dataset repo at its pinned commit, LFS or not), Hugging Face's Image
// feature `{bytes, path}` (Parquet datasets), or raw bytes. Anything else is TUNE_IMAGE_INVALID.
import { buffer } from 'node:stream/consumers';
import { ModaError } from '../../../errors/moda-error.js';
import type { HubContext } from '../../../hub/context.js';
import { listFiles, type RepoFile } from '../../../hub/list-files.js';
import { openFileContent } from '../../../hub/open-file-content.js';

/** Larger than any photo a few-shot dataset needs; the decoder bounds the pixels on top. */
const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

export interface DatasetFiles {
  read(path: string): Promise<Uint8Array>;
}

export async function datasetFiles(hub: HubContext, gitDir: string, commit: string): Promise<DatasetFiles> {
  const byPath = new Map<string, RepoFile>((await listFiles(gitDir, commit)).map((file) => [file.path, file]));
  return {
    async read(path) {
      const file = byPath.get(path);
      if (!file) throw new ModaError('TUNE_IMAGE_INVALID', `the dataset has no file ${path.slice(0, 300)}`);
      if (file.size > MAX_IMAGE_FILE_BYTES) throw new ModaError('TUNE_IMAGE_INVALID', `${path} is ${file.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} an image may have`);
      return new Uint8Array(await buffer(await openFileContent(hub, gitDir, file, undefined)));
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export async function readExampleImage(cell: unknown, files: DatasetFiles, row: number): Promise<Uint8Array> {
  if (cell instanceof Uint8Array) return cell;
  if (typeof cell === 'string' && cell !== '') return files.read(cell);
  if (isRecord(cell)) {
    if (cell.bytes instanceof Uint8Array && cell.bytes.length > 0) return cell.bytes;
    if (typeof cell.path === 'string' && cell.path !== '') return files.read(cell.path);
  }
  throw new ModaError('TUNE_IMAGE_INVALID', `row ${row}: the image cell holds ${cell === null || cell === undefined ? 'nothing' : typeof cell}, not an image file or bytes`, { details: { row } });
}
