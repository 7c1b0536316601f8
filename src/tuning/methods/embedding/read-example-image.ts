// The bytes of a batch of training images, whatever shape their dataset cells have: a repo path
// (imagefolder datasets, read from the dataset repo at its pinned commit, LFS or not, or a member of a
// zip split named `<archive>/<member>`), Hugging Face's Image feature `{bytes, path}` (Parquet
// datasets), or raw bytes. Anything else, and a file that is missing or too large, is
// TUNE_IMAGE_INVALID naming the row. The files are read by the datasets' media reader
// (datasets/open-dataset-media.ts), which reads a batch's git files together and opens each archive
// once per job.
import { ModaError } from '../../../errors/moda-error.js';
import type { HubContext } from '../../../hub/context.js';
import { isMediaRefusal, openDatasetMedia } from '../../../datasets/open-dataset-media.js';

/** Larger than any photo a few-shot dataset needs; the decoder bounds the pixels on top. */
const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/** A file of the dataset wanted for the example in `row` (named in errors). */
export interface ImageFileRequest {
  path: string;
  row: number;
}

export interface DatasetFiles {
  /** The bytes of each requested file, in order. */
  readMany(requests: readonly ImageFileRequest[]): Promise<Uint8Array[]>;
  /** Closes the archives read so far. */
  close(): Promise<void>;
}

export async function datasetFiles(hub: HubContext, gitDir: string, commit: string): Promise<DatasetFiles> {
  const media = await openDatasetMedia(hub, gitDir, commit, { maxFileBytes: MAX_IMAGE_FILE_BYTES });
  return {
    async readMany(requests) {
      const images: Uint8Array[] = [];
      let index = 0;
      for await (const read of media.read(requests)) {
        const { row } = requests[index++]!;
        if (isMediaRefusal(read)) throw new ModaError('TUNE_IMAGE_INVALID', read.message, { details: { row } });
        images.push(read);
      }
      return images;
    },
    close: () => media.close(),
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
