// The `tfjs-image-embedding` pipeline: an image backbone read as a tfjs graph model (a plain
// `model.json` or nsfwjs' npm bundle files), whose named inner node — a pooled feature vector — is
// the embedding. A whole batch goes through the graph in one `execute` call.
import { ModaError } from '../../errors/moda-error.js';
import { loadTfjsGraphModel, MAX_TFJS_JSON_BYTES, tf, type TfjsGraphModel } from '../../runtime/engines/tfjs-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import { configurationSettings } from '../text/configuration-settings.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation } from '../pipeline-implementation.js';
import { bilinearAlignCorners, decodeInput, decodeResized, inferenceFailed } from './model-input.js';
import { readNsfwjsBundle } from './nsfwjs-bundle.js';

/** A bundle shard is base64 in JavaScript: about 4/3 of the weights. */
const MAX_BUNDLE_FILE_BYTES = 256 * 1024 * 1024;
/** A graph node name as tfjs-converter writes them: path segments, an optional `:output` index. */
const NODE_NAME = /^[A-Za-z0-9_./-]{1,512}(:\d{1,3})?$/;

function fileList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 64 || !value.every((item) => typeof item === 'string')) {
    throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json model.weights must be a list of file names');
  }
  return value as string[];
}

async function loadGraph(snapshot: ModelSnapshot): Promise<TfjsGraphModel> {
  const model = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
  const format = model.string('format', 'graph-model', /^(graph-model|nsfwjs-bundle)$/);
  if (format === 'graph-model') return loadTfjsGraphModel(await snapshotFile(snapshot, model.string('file', 'model.json'), { maxBytes: MAX_TFJS_JSON_BYTES }));
  const topology = await snapshotFile(snapshot, model.string('topology', 'model.min.js'), { maxBytes: MAX_BUNDLE_FILE_BYTES });
  const shards = await Promise.all(fileList(model.raw('weights')).map((name) => snapshotFile(snapshot, name, { maxBytes: MAX_BUNDLE_FILE_BYTES })));
  return loadTfjsGraphModel(await readNsfwjsBundle(topology, shards));
}

/** Scales each row of a [n, d] matrix to unit length (rows of zeros stay zero). */
export function normalizeRows(values: Float32Array, dimensions: number): void {
  for (let start = 0; start < values.length; start += dimensions) {
    let sum = 0;
    for (let index = start; index < start + dimensions; index++) sum += values[index]! * values[index]!;
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let index = start; index < start + dimensions; index++) values[index] = values[index]! / norm;
  }
}

export const imageEmbeddingPipeline: PipelineImplementation = {
  type: 'tfjs-image-embedding',
  tasks: ['image-feature-extraction'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const outputNode = settings.string('output_node', '', NODE_NAME);
    if (outputNode === '') throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json model.output_node must name the graph node that holds the embedding');
    const preprocessor = configurationSettings(snapshot.configuration?.preprocessor, 'configuration.json preprocessor');
    const scale = preprocessor.number('rescale_factor', 1 / 255, { min: 0, max: 255 });
    const resize = preprocessor.string('resize', 'bilinear_align_corners', /^(bilinear_align_corners|stretch)$/);
    const graph = await loadGraph(snapshot);
    const inputShape = graph.model.inputs[0]?.shape ?? [];
    const [, height, width, channels] = inputShape;
    if (inputShape.length !== 4 || channels !== 3 || typeof height !== 'number' || typeof width !== 'number' || height <= 0 || width <= 0) {
      graph.dispose();
      throw new ModaError('MODEL_LOAD_FAILED', `expected a graph model taking [n, h, w, 3] images, got [${inputShape.join(', ')}]`);
    }
    // The node must exist and give one vector per image: checked once on a blank image, not on a user's request.
    let dimensions: number;
    try {
      const probe = tf.tidy(() => graph.model.execute(tf.zeros([1, height, width, 3]), outputNode) as tf.Tensor);
      const shape = probe.shape;
      probe.dispose();
      if (shape.length !== 2 || shape[0] !== 1 || !(shape[1]! > 0)) throw new Error(`it gives shape [${shape.join(', ')}], not [1, d]`);
      dimensions = shape[1]!;
    } catch (error) {
      graph.dispose();
      throw new ModaError('MODEL_LOAD_FAILED', `configuration.json model.output_node "${outputNode}" is not a [n, d] node of the graph: ${(error as Error).message}`, { cause: error });
    }
    return {
      task: options.task,
      type: 'tfjs-image-embedding',
      engine: 'tfjs',
      memoryBytes: graph.memoryBytes,
      async run(inputs, parameters, context) {
        const batch = new Float32Array(inputs.length * height * width * 3);
        for (const [index, input] of inputs.entries()) {
          const pixels =
            resize === 'stretch'
              ? (await decodeResized(input, 'image-feature-extraction', context, width, height, scale)).pixels
              : bilinearAlignCorners(await decodeInput(input, 'image-feature-extraction', context), width, height, scale);
          batch.set(pixels, index * height * width * 3);
        }
        let values: Float32Array;
        try {
          const output = tf.tidy(() => graph.model.execute(tf.tensor4d(batch, [inputs.length, height, width, 3]), outputNode) as tf.Tensor);
          try {
            values = (await output.data()) as Float32Array;
          } finally {
            output.dispose();
          }
        } catch (error) {
          throw inferenceFailed(error);
        }
        if (parameters.normalize === true) normalizeRows(values, dimensions);
        return inputs.map((_input, index) => ({ embedding: Array.from(values.subarray(index * dimensions, (index + 1) * dimensions)) }));
      },
      dispose: () => Promise.resolve(graph.dispose()),
    };
  },
};
