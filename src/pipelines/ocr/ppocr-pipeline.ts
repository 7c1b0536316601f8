// The `ppocr` pipeline: PaddleOCR's PP-OCR system (DB text detection, optional direction
// classification, CRNN/SVTR recognition with CTC) on ONNX Runtime. Every file name and setting
// comes from configuration.json; images of one batch share the classifier and recogniser batches.
import { ModaError } from '../../errors/moda-error.js';
import { loadOnnxModel, MAX_ONNX_FILE_BYTES, type OnnxModel } from '../../runtime/engines/onnx-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { ImageSource } from '../../tasks/values.js';
import { decodeImage } from '../media/decode-image.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { classifyOrientation, type OrientationClassifier } from './classify-orientation.js';
import { decideOrientation, type PageOrientation } from './decide-orientation.js';
import { detectTextBoxes, type DetectedBox, type DetectorSettings } from './detect-text-boxes.js';
import { halfTurn, quadSize, readingQuad, type Point } from './quad.js';
import { readCharacters } from './read-characters.js';
import { readPpocrConfig, type PpocrConfig } from './read-ppocr-config.js';
import { readingOrder } from './reading-order.js';
import { recognizeTextLines, type Recognizer } from './recognize-text-lines.js';
import type { InferenceTally } from './run-session.js';
import { channelNormalization, type RgbImage, type TextLineCrop } from './sample-text-line.js';

export interface OcrLine {
  text: string;
  score: number;
  box: { xmin: number; ymin: number; xmax: number; ymax: number; polygon: Point[] };
}

export interface OcrResult {
  /** Lines in reading order, joined by "\n". */
  text: string;
  lines: OcrLine[];
  /** 0 or 180 when the direction classifier ran: how far the page is turned. */
  angle?: number;
}

/** The reader behind the pipeline, also used directly by bench/ocr.ts to time model work apart. */
export interface PpocrReader {
  memoryBytes: number;
  read(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext, tally?: InferenceTally): Promise<OcrResult[]>;
  dispose(): Promise<void>;
}

const MAX_DICTIONARY_BYTES = 4 * 1024 * 1024;
const MAX_SIDE_LIMIT = 4096;

interface ReadSettings {
  detector: DetectorSettings;
  minScore: number;
  useAngleCls: boolean;
}

function numberParameter(parameters: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = parameters[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function readSettings(config: PpocrConfig, parameters: Readonly<Record<string, unknown>>): ReadSettings {
  const maxSide = numberParameter(parameters, 'max_side');
  const det = config.det;
  return {
    detector: {
      limitSideLength: maxSide === undefined ? det.limitSideLength : Math.min(MAX_SIDE_LIMIT, Math.max(32, Math.round(maxSide))),
      limitType: maxSide === undefined ? det.limitType : 'max',
      normalization: channelNormalization(config.channelOrder, det.mean, det.std),
      threshold: numberParameter(parameters, 'det_threshold') ?? det.threshold,
      boxThreshold: numberParameter(parameters, 'box_threshold') ?? det.boxThreshold,
      unclipRatio: det.unclipRatio,
      minSize: det.minSize,
      maxCandidates: det.maxCandidates,
    },
    // `threshold` is the name the ocr task schema shares with other tasks; `min_score` says it plainly.
    minScore: numberParameter(parameters, 'min_score') ?? numberParameter(parameters, 'threshold') ?? config.rec.dropScore,
    useAngleCls: typeof parameters.use_angle_cls === 'boolean' ? parameters.use_angle_cls : config.cls.enabled,
  };
}

function imageSource(input: unknown): ImageSource {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  throw new ModaError('TASK_INPUT_INVALID', 'an OCR input is an image: bytes, base64, a data: URI or an http(s) URL');
}

function outputLine(box: DetectedBox, text: string, score: number): OcrLine {
  const polygon = box.quad.map(([x, y]): Point => [Math.round(x), Math.round(y)]);
  const xs = polygon.map((point) => point[0]);
  const ys = polygon.map((point) => point[1]);
  return { text, score, box: { xmin: Math.min(...xs), ymin: Math.min(...ys), xmax: Math.max(...xs), ymax: Math.max(...ys), polygon } };
}

interface Page {
  image: RgbImage;
  boxes: DetectedBox[];
}

async function loadModels(snapshot: ModelSnapshot, config: PpocrConfig, options: Pick<LoadOptions, 'device' | 'threads' | 'spinning'>): Promise<{ det: OnnxModel | undefined; rec: OnnxModel; cls: OnnxModel | undefined }> {
  const file = (name: string) => snapshotFile(snapshot, name, { maxBytes: MAX_ONNX_FILE_BYTES });
  const optionalFile = (name: string | undefined) => (name === undefined ? undefined : file(name));
  const [detFile, recFile, clsFile] = await Promise.all([optionalFile(config.files.det), file(config.files.rec), optionalFile(config.files.cls)]);
  const loaded: OnnxModel[] = [];
  const load = async (path: string) => {
    const model = await loadOnnxModel(path, options);
    loaded.push(model);
    return model;
  };
  try {
    const det = detFile === undefined ? undefined : await load(detFile);
    const rec = await load(recFile);
    const cls = clsFile === undefined ? undefined : await load(clsFile);
    return { det, rec, cls };
  } catch (error) {
    await Promise.all(loaded.map((model) => model.dispose()));
    throw error;
  }
}

/** A recognition-only model reads the whole image as one line. */
function wholeImage(image: RgbImage): DetectedBox[] {
  return [{ quad: [[0, 0], [image.width, 0], [image.width, image.height], [0, image.height]], score: 1 }];
}

/** Refuses a dictionary whose size does not match the recogniser's classes (a mismatch reads garbage). */
function checkClasses(rec: OnnxModel, characters: readonly string[]): void {
  const metadata = rec.session.outputMetadata[0];
  const classes = metadata?.isTensor ? metadata.shape.at(-1) : undefined;
  if (typeof classes === 'number' && classes !== characters.length) {
    throw new ModaError('MODEL_LOAD_FAILED', `the recogniser has ${classes} output classes but the dictionary gives ${characters.length} (blank + entries${characters.at(-1) === ' ' ? ' + space' : ''})`);
  }
}

export async function loadPpocr(snapshot: ModelSnapshot, options: Pick<LoadOptions, 'device' | 'threads'>): Promise<PpocrReader> {
  const config = readPpocrConfig(snapshot.configuration);
  const characters = await readCharacters(await snapshotFile(snapshot, config.files.dict, { maxBytes: MAX_DICTIONARY_BYTES }), config.useSpaceChar);
  const models = await loadModels(snapshot, config, options);
  const all = [models.rec, ...(models.det ? [models.det] : []), ...(models.cls ? [models.cls] : [])];
  try {
    checkClasses(models.rec, characters);
  } catch (error) {
    await Promise.all(all.map((model) => model.dispose()));
    throw error;
  }
  const recognizer: Recognizer = {
    model: models.rec,
    characters,
    imageHeight: config.rec.imageHeight,
    minWidth: config.rec.minWidth,
    batchSize: config.rec.batchSize,
    normalization: channelNormalization(config.channelOrder, config.rec.mean, config.rec.std),
  };
  const classifier: OrientationClassifier | undefined = models.cls && {
    model: models.cls,
    imageHeight: config.cls.imageHeight,
    imageWidth: config.cls.imageWidth,
    batchSize: config.cls.batchSize,
    normalization: channelNormalization(config.channelOrder, config.cls.mean, config.cls.std),
  };

  async function read(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext, tally?: InferenceTally): Promise<OcrResult[]> {
    const settings = readSettings(config, parameters);
    const pages: Page[] = [];
    for (const input of inputs) {
      context.signal?.throwIfAborted();
      const image = await decodeImage(imageSource(input), { maxPixels: context.maxImagePixels, fetch: context.fetch, ...(context.signal ? { signal: context.signal } : {}) });
      pages.push({ image, boxes: models.det ? await detectTextBoxes(models.det, image, settings.detector, tally) : wholeImage(image) });
    }
    context.signal?.throwIfAborted();
    const pageCrops: TextLineCrop[][] = pages.map((page) =>
      page.boxes.map((box) => {
        const quad = readingQuad(box.quad);
        const { width, height } = quadSize(quad);
        return { image: page.image, quad, aspect: width / height };
      }),
    );
    // Lines of every page share the classifier and recogniser batches.
    const crops = pageCrops.flat();
    let orientations: PageOrientation[] | undefined;
    if (settings.useAngleCls && classifier) {
      const upsideDown = crops.length > 0 ? await classifyOrientation(classifier, crops, tally) : [];
      let first = 0;
      orientations = pageCrops.map((members) => {
        const orientation = decideOrientation(upsideDown.slice(first, first + members.length), members.map((crop) => crop.aspect), config.cls.threshold);
        first += members.length;
        orientation.flip.forEach((flip, index) => {
          if (flip) members[index]!.quad = halfTurn(members[index]!.quad);
        });
        return orientation;
      });
    }
    const decoded = crops.length > 0 ? await recognizeTextLines(recognizer, crops, tally) : [];
    let first = 0;
    return pages.map((page, pageIndex) => {
      const readLines = decoded.slice(first, first + page.boxes.length);
      first += page.boxes.length;
      const kept = page.boxes.flatMap((_, index) => (readLines[index]!.text.trim() !== '' && readLines[index]!.score >= settings.minScore ? [index] : []));
      const turned = orientations?.[pageIndex]?.turned ?? false;
      const lines = readingOrder(kept.map((index) => page.boxes[index]!.quad), turned).map((position) => {
        const index = kept[position]!;
        return outputLine(page.boxes[index]!, readLines[index]!.text.trim(), readLines[index]!.score);
      });
      const result: OcrResult = { text: lines.map((line) => line.text).join('\n'), lines };
      if (orientations) result.angle = turned ? 180 : 0;
      return result;
    });
  }

  return {
    memoryBytes: all.reduce((sum, model) => sum + model.memoryBytes, 0) + characters.reduce((sum, entry) => sum + 2 * entry.length + 32, 0),
    read,
    dispose: async () => {
      await Promise.all(all.map((model) => model.dispose()));
    },
  };
}

export const ppocrPipeline: PipelineImplementation = {
  type: 'ppocr',
  tasks: ['ocr'],
  engine: 'onnx',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const reader = await loadPpocr(snapshot, options);
    return {
      task: options.task,
      type: 'ppocr',
      engine: 'onnx',
      memoryBytes: reader.memoryBytes,
      run: (inputs, parameters, context) => reader.read(inputs, parameters, context),
      dispose: () => reader.dispose(),
    };
  },
};
