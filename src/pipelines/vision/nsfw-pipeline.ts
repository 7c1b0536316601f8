// The `nsfwjs` pipeline: image moderation with the nsfwjs Keras models (MobileNetV2 / InceptionV3;
// classes Drawing, Hentai, Neutral, Porn, Sexy). The model is read from nsfwjs' npm bundle files or
// from a plain tfjs layers `model.json`; a whole batch goes through the model in one call.
import { ModaError } from '../../errors/moda-error.js';
import { loadTfjsLayersModel, MAX_TFJS_JSON_BYTES, tf, type TfjsLayersModel } from '../../runtime/engines/tfjs-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { LabelScore } from '../../tasks/values.js';
import { configurationSettings } from '../text/configuration-settings.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation } from '../pipeline-implementation.js';
import { bilinearAlignCorners, decodeInput, decodeResized, inferenceFailed, labelsFrom, roundTo } from './model-input.js';
import { readNsfwjsBundle } from './nsfwjs-bundle.js';

/** A bundle shard is base64 in JavaScript: about 4/3 of the weights. */
const MAX_BUNDLE_FILE_BYTES = 256 * 1024 * 1024;

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 64 || !value.every((item) => typeof item === 'string')) {
    throw new ModaError('MODEL_LOAD_FAILED', `${where} must be a list of file names`);
  }
  return value as string[];
}

async function loadModel(snapshot: ModelSnapshot): Promise<TfjsLayersModel> {
  const model = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
  const format = model.string('format', 'layers-model', /^(layers-model|nsfwjs-bundle)$/);
  if (format === 'layers-model') return loadTfjsLayersModel(await snapshotFile(snapshot, model.string('file', 'model.json'), { maxBytes: MAX_TFJS_JSON_BYTES }));
  const topology = await snapshotFile(snapshot, model.string('topology', 'model.min.js'), { maxBytes: MAX_BUNDLE_FILE_BYTES });
  const shards = await Promise.all(stringList(model.raw('weights'), 'configuration.json model.weights').map((name) => snapshotFile(snapshot, name, { maxBytes: MAX_BUNDLE_FILE_BYTES })));
  return loadTfjsLayersModel(await readNsfwjsBundle(topology, shards));
}

export const nsfwPipeline: PipelineImplementation = {
  type: 'nsfwjs',
  tasks: ['image-classification'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const preprocessor = configurationSettings(snapshot.configuration?.preprocessor, 'configuration.json preprocessor');
    const scale = preprocessor.number('rescale_factor', 1 / 255, { min: 0, max: 255 });
    // nsfwjs itself resizes with tf.image.resizeBilinear(alignCorners = true); `stretch` is sharp's
    // anti-aliased resize. On borderline photos the two can disagree (see the model card).
    const resize = preprocessor.string('resize', 'bilinear_align_corners', /^(bilinear_align_corners|stretch)$/);
    const labels = labelsFrom(snapshot.configuration);
    const layers = await loadModel(snapshot);
    const inputShape = layers.model.inputs[0]?.shape ?? [];
    const outputShape = layers.model.outputs[0]?.shape ?? [];
    const [, height, width, channels] = inputShape;
    if (inputShape.length !== 4 || channels !== 3 || typeof height !== 'number' || typeof width !== 'number' || outputShape.at(-1) !== labels.length) {
      layers.dispose();
      throw new ModaError('MODEL_LOAD_FAILED', `expected a model from [n, h, w, 3] images to ${labels.length} classes, got [${inputShape.join(', ')}] → [${outputShape.join(', ')}]`);
    }
    return {
      task: options.task,
      type: 'nsfwjs',
      engine: 'tfjs',
      memoryBytes: layers.memoryBytes,
      async run(inputs, parameters, context) {
        const batch = new Float32Array(inputs.length * height * width * 3);
        for (const [index, input] of inputs.entries()) {
          const pixels =
            resize === 'stretch'
              ? (await decodeResized(input, 'image-classification', context, width, height, scale)).pixels
              : bilinearAlignCorners(await decodeInput(input, 'image-classification', context), width, height, scale);
          batch.set(pixels, index * height * width * 3);
        }
        let scores: Float32Array;
        try {
          const output = tf.tidy(() => layers.model.predict(tf.tensor4d(batch, [inputs.length, height, width, 3])) as tf.Tensor);
          try {
            scores = (await output.data()) as Float32Array;
          } finally {
            output.dispose();
          }
        } catch (error) {
          throw inferenceFailed(error);
        }
        const topK = typeof parameters.top_k === 'number' ? parameters.top_k : labels.length;
        return inputs.map((_input, index) =>
          labels
            .map((label, classIndex): LabelScore => ({ label, score: roundTo(scores[index * labels.length + classIndex]!, 6) }))
            .sort((a, b) => b.score - a.score)
            .slice(0, topK),
        );
      },
      dispose: () => Promise.resolve(layers.dispose()),
    };
  },
};
