// Embeds a tuning job's examples through the backbone's own pipeline, a batch at a time (the size
// the method's `embedding_batch_size` names), reporting progress. A batch's image files are read
// together (read-example-image.ts), the next batch's while the backbone runs on this one. An image
// that does not decode fails the job with TUNE_IMAGE_INVALID naming its row; an example the
// backbone finds nothing in (a photo without a face, for a face model) is counted and left out.
import { isModaError, ModaError } from '../../../errors/moda-error.js';
import type { Backbone } from '../../../pipelines/embedding/load-backbone.js';
import type { RunContext } from '../../../pipelines/pipeline-implementation.js';
import type { TuneExample } from '../../tune-method.js';
import { readExampleImages, type DatasetFiles } from './read-example-image.js';

/** Largest image decoded for training, width × height (the server's default for requests). */
const MAX_IMAGE_PIXELS = 40_000_000;

export interface EmbeddedExamples {
  /** Row-major, one row per kept example. */
  vectors: Float32Array;
  dimensions: number;
  /** The examples kept, in order (those with an embedding). */
  kept: TuneExample[];
  /** Examples the backbone found nothing in. */
  empty: TuneExample[];
  /** Time reading the examples and running the backbone, ms: throughput for the card and the bench. */
  embedMs: number;
}

export interface EmbedOptions {
  batchSize: number;
  files: DatasetFiles | undefined;
  signal: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

function imageFailed(example: TuneExample, error: unknown): ModaError {
  const reason = isModaError(error) ? error.message : (error as Error).message;
  return new ModaError('TUNE_IMAGE_INVALID', `row ${example.row}: the image cannot be used: ${reason}`, { cause: error, details: { row: example.row } });
}

async function inputsOf(batch: readonly TuneExample[], backbone: Backbone, files: DatasetFiles | undefined): Promise<unknown[]> {
  if (backbone.spec.input === 'text') {
    return batch.map((example) => {
      if (typeof example.text !== 'string') throw new ModaError('TUNE_COLUMN_NOT_FOUND', `row ${example.row} has no text for the text backbone ${backbone.repo}`);
      return example.text;
    });
  }
  if (!files) throw new ModaError('INTERNAL', 'image examples without their dataset files');
  try {
    return await readExampleImages(batch, files);
  } catch (error) {
    // A broken zip archive (a member inflating past its size) keeps its own code: the archive is at fault, not one image.
    if (isModaError(error) && (error.code === 'TUNE_IMAGE_INVALID' || error.code === 'DATASET_ARCHIVE_INVALID' || error.code === 'DATASET_ARCHIVE_TOO_LARGE')) throw error;
    throw new ModaError('TUNE_IMAGE_INVALID', `rows ${batch[0]?.row}–${batch.at(-1)?.row}: the images cannot be read: ${isModaError(error) ? error.message : (error as Error).message}`, { cause: error });
  }
}

/** Runs one batch; when it fails on an input, runs its inputs one by one to name the row at fault. */
async function embedBatch(backbone: Backbone, batch: TuneExample[], inputs: unknown[], context: RunContext): Promise<(number[] | undefined)[]> {
  try {
    return await backbone.embed(inputs, context);
  } catch (error) {
    if (!isModaError(error) || !error.code.startsWith('IMAGE_')) throw error;
    for (const [index, input] of inputs.entries()) {
      await backbone.embed([input], context).catch((single: unknown) => {
        throw imageFailed(batch[index]!, single);
      });
    }
    throw error;
  }
}

export async function embedExamples(backbone: Backbone, examples: readonly TuneExample[], options: EmbedOptions): Promise<EmbeddedExamples> {
  const context: RunContext = { maxImagePixels: MAX_IMAGE_PIXELS, fetch: () => Promise.reject(new ModaError('IMAGE_FETCH_FAILED', 'training images are read from the dataset, never fetched')), signal: options.signal };
  const rows: number[][] = [];
  const kept: TuneExample[] = [];
  const empty: TuneExample[] = [];
  let embedMs = 0;
  const batchAt = (start: number) => examples.slice(start, start + options.batchSize);
  const read = (start: number) => {
    const reading = inputsOf(batchAt(start), backbone, options.files);
    // Awaited in its turn; until then a failure must not count as unhandled.
    reading.catch(() => undefined);
    return reading;
  };
  let reading = examples.length > 0 ? read(0) : undefined;
  for (let start = 0; start < examples.length; start += options.batchSize) {
    options.signal.throwIfAborted();
    const batch = batchAt(start);
    // Reading the files counts: it is part of what embedding a dataset costs.
    const began = performance.now();
    const inputs = await reading!;
    reading = start + options.batchSize < examples.length ? read(start + options.batchSize) : undefined;
    const vectors = await embedBatch(backbone, batch, inputs, context);
    embedMs += performance.now() - began;
    vectors.forEach((vector, index) => {
      if (vector) {
        rows.push(vector);
        kept.push(batch[index]!);
      } else {
        empty.push(batch[index]!);
      }
    });
    options.onBatch?.(Math.min(examples.length, start + batch.length), examples.length);
  }
  const dimensions = rows[0]?.length ?? 0;
  const vectors = new Float32Array(rows.length * dimensions);
  rows.forEach((row, index) => vectors.set(row, index * dimensions));
  return { vectors, dimensions, kept, empty, embedMs };
}
