// The `tesseract` pipeline: OCR with the Tesseract binary (LSTM line recogniser plus its own layout
// analysis), reading with the repo's `.traineddata` files, so the model is data in the hub and the
// engine is a separate process. A batch is split into at most `max_processes` runs, each reading
// its images from one file list, because loading the language data costs more than reading a line.
import { constants } from 'node:fs';
import { copyFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngine } from '../../runtime/engine-time.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { ImageSource } from '../../tasks/values.js';
import { decodeImage } from '../media/decode-image.js';
import type { Quad } from '../ocr/quad.js';
import { readingOrder } from '../ocr/reading-order.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { checkTraineddata } from './check-traineddata.js';
import { pipelineLimits } from '../limits/pipeline-limits.js';
import { handToProgram, makeProgramDir } from '../limits/program-dir.js';
import { dropsToNobody, sandboxLimits } from '../limits/sandbox-command.js';
import { checkPageSegmentationMode, readTesseractConfig, type TesseractConfig } from './read-tesseract-config.js';
import { readTesseractTsv, type TesseractLine } from './read-tesseract-tsv.js';
import { runTesseract } from './run-tesseract.js';

export interface TesseractResult {
  /** Lines in reading order, joined by "\n". */
  text: string;
  lines: TesseractLine[];
}

/** The largest traineddata file accepted; tessdata_best's biggest script models are ~50 MB. */
const MAX_TRAINEDDATA_BYTES = 256 * 1024 * 1024;
/** Enlarging (preprocessor.scale) stops at this many pixels. */
const MAX_SCALED_PIXELS = 40_000_000;
/** TSV is ~60 bytes a word; this bounds a page of ~60 000 words. */
const OUTPUT_BYTES_PER_IMAGE = 4 * 1024 * 1024;
/**
 * Resident size of one tesseract process, estimated from its language data: measured peak RSS was
 * 35 MB for eng (4.1 MB of data), 63 MB for chi_sim (2.5 MB) and 84 MB for chi_sim+eng.
 */
const PROCESS_BASE_BYTES = 24 * 1024 * 1024;
const PROCESS_BYTES_PER_DATA_BYTE = 10;

interface Run {
  settings: Pick<TesseractConfig, 'psm' | 'minScore'>;
  context: Pick<RunContext, 'signal'>;
}

function imageSource(input: unknown): ImageSource {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  throw new ModaError('TASK_INPUT_INVALID', 'an OCR input is an image: bytes, base64, a data: URI or an http(s) URL');
}

function runSettings(config: TesseractConfig, parameters: Readonly<Record<string, unknown>>): Run['settings'] {
  // `threshold` is the name the ocr task schema shares with other tasks; `min_score` says it plainly.
  const minScore = parameters.min_score ?? parameters.threshold;
  if (minScore !== undefined && (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1))) {
    throw new ModaError('TASK_INPUT_INVALID', 'min_score (threshold) must be a number from 0 to 1');
  }
  const psm = parameters.psm;
  if (psm !== undefined && typeof psm !== 'number') throw new ModaError('TASK_INPUT_INVALID', 'psm must be a tesseract page segmentation mode number');
  return {
    minScore: minScore ?? config.minScore,
    psm: psm === undefined ? config.psm : checkPageSegmentationMode(psm, 'psm', 'TASK_INPUT_INVALID'),
  };
}

/** An image ready for tesseract, and how much it was enlarged. */
interface Page {
  png: Buffer;
  scale: number;
}

/** Lines read from an enlarged image, with boxes in pixels of the input image. */
function unscaled(lines: TesseractLine[], scale: number): TesseractLine[] {
  if (scale === 1) return lines;
  const back = (value: number) => Math.round(value / scale);
  return lines.map((line) => {
    const { xmin, ymin, xmax, ymax, polygon } = line.box;
    return { ...line, box: { xmin: back(xmin), ymin: back(ymin), xmax: back(xmax), ymax: back(ymax), polygon: polygon.map(([x, y]) => [back(x), back(y)]) as Quad } };
  });
}

/** Contiguous slices of `items`, at most `count` of them, sizes differing by at most one. */
function slices<T>(items: readonly T[], count: number): T[][] {
  const parts = Math.min(count, items.length);
  const result: T[][] = [];
  let start = 0;
  for (let part = 0; part < parts; part++) {
    const size = Math.floor(items.length / parts) + (part < items.length % parts ? 1 : 0);
    result.push(items.slice(start, start + size));
    start += size;
  }
  return result;
}

export interface TesseractReader {
  memoryBytes: number;
  /** Removes the copy of the language data made for `nobody`, if one was made. */
  dispose(): Promise<void>;
  read(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext): Promise<TesseractResult[]>;
}

/**
 * The folder tesseract reads `<language>.traineddata` from. Run as `nobody`, it cannot enter the
 * server's snapshot cache, so the files checked there are copied into a folder of its own (a
 * reflink where the file system has them); otherwise the snapshot itself.
 */
async function tessdataFor(snapshot: ModelSnapshot, languages: readonly string[], dataFiles: readonly string[], asNobody: boolean): Promise<{ dir: string; copied: boolean }> {
  if (!asNobody) return { dir: snapshot.dir, copied: false };
  const dir = await makeProgramDir('moda-tessdata-', true);
  try {
    await Promise.all(
      languages.map(async (language, index) => {
        const copy = join(dir, `${language}.traineddata`);
        await copyFile(dataFiles[index]!, copy, constants.COPYFILE_FICLONE);
        await handToProgram(copy, true);
      }),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, copied: true };
}

/** `binary` is for tests; a repo cannot choose what runs. */
export async function loadTesseract(snapshot: ModelSnapshot, options: Pick<LoadOptions, 'threads' | 'limits'>, binary?: string): Promise<TesseractReader> {
  const config = readTesseractConfig(snapshot.configuration);
  // The server's limits (MODA_EXTERNAL_PROGRAM_*), never the model's configuration, bound each process.
  const limits = pipelineLimits(options.limits);
  const sandbox = sandboxLimits(limits);
  // As root the server hands tesseract only what it must read and runs it as `nobody`.
  const asNobody = dropsToNobody();
  // tesseract finds `<language>.traineddata` in --tessdata-dir, so every one must sit at the repo root.
  const dataFiles = await Promise.all(
    config.languages.map(async (language) => {
      const file = await snapshotFile(snapshot, `${language}.traineddata`, { maxBytes: MAX_TRAINEDDATA_BYTES });
      await checkTraineddata(file, `${language}.traineddata`);
      return file;
    }),
  );
  const dataBytes = (await Promise.all(dataFiles.map((file) => stat(file)))).reduce((sum, info) => sum + info.size, 0);
  // The server caps what the model's configuration asks for.
  const processes = Math.max(1, Math.min(config.maxProcesses, limits.externalProcesses, options.threads > 0 ? options.threads : availableParallelism()));
  const languages = config.languages.join('+');
  const tessdata = await tessdataFor(snapshot, config.languages, dataFiles, asNobody);
  const dispose = async () => {
    if (tessdata.copied) await rm(tessdata.dir, { recursive: true, force: true });
  };

  /** Reads PNG images with one tesseract process; one list of lines per image. */
  async function readPngs(pngs: readonly Buffer[], run: Run): Promise<TesseractLine[][]> {
    const dir = await makeProgramDir('moda-tesseract-', asNobody);
    try {
      const paths = pngs.map((_, index) => join(dir, `${index}.png`));
      // A file that is not an image is read as a list of image paths, one per line.
      const list = join(dir, 'images.txt');
      await Promise.all([...pngs.map((png, index) => writeFile(paths[index]!, png)), writeFile(list, `${paths.join('\n')}\n`)]);
      await Promise.all([...paths, list].map((file) => handToProgram(file, asNobody)));
      const output = await timeEngine(() => runTesseract({
        ...(binary === undefined ? {} : { binary }),
        tessdataDir: tessdata.dir,
        languages,
        psm: run.settings.psm,
        oem: config.oem,
        dpi: config.dpi,
        input: list,
        cwd: dir,
        timeoutMs: config.timeoutMs * pngs.length,
        maxOutputBytes: OUTPUT_BYTES_PER_IMAGE * pngs.length,
        asNobody,
        limits: sandbox,
        ...(run.context.signal ? { signal: run.context.signal } : {}),
      }));
      return readTesseractTsv(output.tsv, pngs.length, run.settings.minScore);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function encodePage(input: unknown, context: RunContext): Promise<Page> {
    const image = await decodeImage(imageSource(input), { maxPixels: context.maxImagePixels, fetch: context.fetch, ...(context.signal ? { signal: context.signal } : {}) });
    let pixels = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
    // Enlarging never takes an image past MAX_SCALED_PIXELS; one already past it is read as it is.
    const scale = Math.max(1, Math.min(config.scale, Math.sqrt(MAX_SCALED_PIXELS / (image.width * image.height))));
    if (scale > 1) pixels = pixels.resize({ width: Math.round(image.width * scale), height: Math.round(image.height * scale), kernel: 'cubic' });
    // Tesseract binarises a grey image itself; grey PNGs are a third the size. Speed over size when compressing.
    const png = await (config.grayscale ? pixels.greyscale() : pixels).png({ compressionLevel: 1 }).toBuffer();
    return { png, scale: scale > 1 ? Math.round(image.width * scale) / image.width : 1 };
  }

  // Reads one blank image so that a missing binary or language data that does not load fails now.
  const blank = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#ffffff' } }).greyscale().png().toBuffer();
  try {
    await readPngs([blank], { settings: { psm: config.psm, minScore: 0 }, context: {} });
  } catch (error) {
    await dispose();
    if (error instanceof ModaError && error.code === 'MODEL_INFERENCE_FAILED') {
      throw new ModaError('MODEL_LOAD_FAILED', `${snapshot.repo}: ${error.message}`, { cause: error, ...(error.details ? { details: error.details } : {}) });
    }
    throw error;
  }

  return {
    memoryBytes: processes * (PROCESS_BASE_BYTES + PROCESS_BYTES_PER_DATA_BYTE * dataBytes),
    dispose,
    async read(inputs, parameters, context) {
      const settings = runSettings(config, parameters);
      // Decoding first makes a bad image fail before any process starts, naming the first bad one.
      const encoded: Page[] = [];
      for (const input of inputs) {
        if (context.signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'OCR was cancelled', { cause: context.signal.reason });
        encoded.push(await encodePage(input, context));
      }
      // When one process fails the batch has failed: the others are stopped rather than left running.
      const stop = new AbortController();
      const signal = context.signal ? AbortSignal.any([context.signal, stop.signal]) : stop.signal;
      try {
        const pages = await Promise.all(slices(encoded, processes).map((slice) => readPngs(slice.map((page) => page.png), { settings, context: { signal } })));
        return pages.flat().map((read, index) => {
          const found = unscaled(read, encoded[index]!.scale);
          const lines = config.readingOrder === 'rows' ? readingOrder(found.map((line) => line.box.polygon)).map((position) => found[position]!) : found;
          return { text: lines.map((line) => line.text).join('\n'), lines };
        });
      } finally {
        stop.abort();
      }
    },
  };
}

export const tesseractPipeline: PipelineImplementation = {
  type: 'tesseract',
  tasks: ['ocr'],
  engine: 'tesseract',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const reader = await loadTesseract(snapshot, options);
    return {
      task: options.task,
      type: 'tesseract',
      engine: 'tesseract',
      memoryBytes: reader.memoryBytes,
      run: (inputs, parameters, context) => reader.read(inputs, parameters, context),
      dispose: () => reader.dispose(),
    };
  },
};
