// The `centernet` pipeline: object detection with a CenterNet tfjs graph model (MB3-CenterNet as
// shipped by @vladmandic/human). The graph already decodes its heatmaps into a fixed list of
// [xmin, ymin, xmax, ymax, score, class] rows in input-pixel units; what is left here is stretching
// the image to the input size, per-class non-maximum suppression and scaling boxes back.
import { ModaError } from '../../errors/moda-error.js';
import { graphInputShape, loadTfjsGraphModel, MAX_TFJS_JSON_BYTES, tf, type TfjsGraphModel } from '../../runtime/engines/tfjs-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { Box } from '../../tasks/values.js';
import { configurationSettings } from '../text/configuration-settings.js';
import { pipelineLimits, type PipelineLimits } from '../limits/pipeline-limits.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { decodeResized, inferenceFailed, labelsFrom, roundTo } from './model-input.js';
import { suppressBoxes, type ScoredBox } from './suppress-boxes.js';

export interface Detection {
  label: string;
  score: number;
  box: Box;
}

/** Milliseconds spent per stage, summed over calls; lets benchmarks and tests see model time apart. */
export interface StageTimings {
  preprocessMs: number;
  modelMs: number;
  postprocessMs: number;
}

export interface CenternetDetector {
  memoryBytes: number;
  detect(input: unknown, parameters: Readonly<Record<string, unknown>>, context: RunContext, timings?: StageTimings): Promise<Detection[]>;
  dispose(): void;
}

interface CenternetSettings {
  file: string;
  output: string;
  threshold: number;
  iouThreshold: number;
  classAgnostic: boolean;
  scale: number;
}

function readSettings(snapshot: ModelSnapshot): CenternetSettings {
  const model = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
  const preprocessor = configurationSettings(snapshot.configuration?.preprocessor, 'configuration.json preprocessor');
  return {
    file: model.string('file', 'model.json'),
    output: model.string('output', 'tower_0/detections'),
    threshold: model.number('threshold', 0.2, { min: 0, max: 1 }),
    iouThreshold: model.number('iou_threshold', 0.4, { min: 0, max: 1 }),
    classAgnostic: model.boolean('class_agnostic_nms', false),
    scale: preprocessor.number('rescale_factor', 1, { min: 0, max: 255 }),
  };
}

/** A box before suppression, in model-input pixels. */
type Candidate = ScoredBox;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

export async function loadCenternet(snapshot: ModelSnapshot, limitOverrides?: Partial<PipelineLimits>): Promise<CenternetDetector> {
  const settings = readSettings(snapshot);
  const limits = pipelineLimits(limitOverrides);
  const labels = labelsFrom(snapshot.configuration);
  const graph: TfjsGraphModel = await loadTfjsGraphModel(await snapshotFile(snapshot, settings.file, { maxBytes: MAX_TFJS_JSON_BYTES }));
  let inputHeight: number;
  let inputWidth: number;
  try {
    const shape = graphInputShape(graph.model);
    [, inputHeight = -1, inputWidth = -1] = shape;
    if (shape.length !== 4 || shape[3] !== 3 || inputHeight <= 0 || inputWidth <= 0) throw new ModaError('MODEL_LOAD_FAILED', `a centernet model takes [1, height, width, 3], not [${shape.join(', ')}]`);
    if (!graph.model.outputNodes.includes(settings.output)) throw new ModaError('MODEL_LOAD_FAILED', `the model has no output "${settings.output}" (it has ${graph.model.outputNodes.join(', ')})`);
  } catch (error) {
    graph.dispose();
    throw error;
  }

  async function detect(input: unknown, parameters: Readonly<Record<string, unknown>>, context: RunContext, timings?: StageTimings): Promise<Detection[]> {
    const started = performance.now();
    const { pixels, originalWidth, originalHeight } = await decodeResized(input, 'object-detection', context, inputWidth, inputHeight, settings.scale);
    const inferenceStarted = performance.now();
    let rows: Float32Array;
    try {
      const output = tf.tidy(() => graph.model.execute(tf.tensor4d(pixels, [1, inputHeight, inputWidth, 3]), settings.output) as tf.Tensor);
      try {
        if (output.rank !== 3 || output.shape[2] !== 6) throw new ModaError('MODEL_INFERENCE_FAILED', `expected detections shaped [1, n, 6], got [${output.shape.join(', ')}]`);
        rows = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
    } catch (error) {
      throw inferenceFailed(error);
    }
    const postStarted = performance.now();
    const threshold = typeof parameters.threshold === 'number' ? parameters.threshold : settings.threshold;
    const candidates: Candidate[] = [];
    for (let row = 0; row + 6 <= rows.length; row += 6) {
      const score = rows[row + 4]!;
      const classIndex = rows[row + 5]!;
      if (!(score >= threshold) || !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= labels.length) continue;
      candidates.push({ classIndex, score, xmin: rows[row]!, ymin: rows[row + 1]!, xmax: rows[row + 2]!, ymax: rows[row + 3]! });
    }
    const sx = originalWidth / inputWidth;
    const sy = originalHeight / inputHeight;
    const clamp = (value: number, max: number) => roundTo(Math.min(max, Math.max(0, value)), 1);
    let kept = suppressBoxes(candidates, { iouThreshold: settings.iouThreshold, classAgnostic: settings.classAgnostic, maxCandidates: limits.maxBoxesBeforeSuppression, maxKept: limits.maxLabels });
    const topK = positiveInteger(parameters.top_k);
    if (topK !== undefined) kept = kept.slice(0, topK);
    const detections = kept.map((candidate) => ({
      label: labels[candidate.classIndex]!,
      score: roundTo(candidate.score, 4),
      box: {
        xmin: clamp(candidate.xmin * sx, originalWidth),
        ymin: clamp(candidate.ymin * sy, originalHeight),
        xmax: clamp(candidate.xmax * sx, originalWidth),
        ymax: clamp(candidate.ymax * sy, originalHeight),
      },
    }));
    if (timings) {
      const finished = performance.now();
      timings.preprocessMs += inferenceStarted - started;
      timings.modelMs += postStarted - inferenceStarted;
      timings.postprocessMs += finished - postStarted;
    }
    return detections;
  }

  return { memoryBytes: graph.memoryBytes, detect, dispose: () => graph.dispose() };
}

export const centernetPipeline: PipelineImplementation = {
  type: 'centernet',
  tasks: ['object-detection'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const detector = await loadCenternet(snapshot, options.limits);
    return {
      task: options.task,
      type: 'centernet',
      engine: 'tfjs',
      memoryBytes: detector.memoryBytes,
      async run(inputs, parameters, context) {
        const outputs: Detection[][] = [];
        // The graph's batch dimension is fixed at 1: images run one after another.
        for (const input of inputs) outputs.push(await detector.detect(input, parameters, context));
        return outputs;
      },
      dispose: () => Promise.resolve(detector.dispose()),
    };
  },
};
