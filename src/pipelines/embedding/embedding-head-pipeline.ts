// The `embedding-head` pipeline: a tuned classifier = a frozen backbone at its pinned commit (the
// snapshot's `backbone`) + a small tfjs head (dense → softmax) trained on its embeddings. A batch
// goes through the backbone in one call and through the head in one more; an input the backbone
// finds nothing in (an image without a face, for a face backbone) gets an empty list of labels.
import { ModaError } from '../../errors/moda-error.js';
import { loadTfjsLayersModel, MAX_TFJS_JSON_BYTES, tf } from '../../runtime/engines/tfjs-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { LabelScore } from '../../tasks/values.js';
import { configurationSettings } from '../text/configuration-settings.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation } from '../pipeline-implementation.js';
import { inferenceFailed, labelsFrom, roundTo } from '../vision/model-input.js';
import { classificationTask } from './embedding-spec.js';
import { loadBackbone, type Backbone } from './load-backbone.js';

/** The labels of one row of scores, highest first, `top_k` of them. */
export function rankedLabels(labels: readonly string[], scores: ArrayLike<number>, topK: unknown): LabelScore[] {
  const count = typeof topK === 'number' ? topK : labels.length;
  return labels
    .map((label, index): LabelScore => ({ label, score: roundTo(Math.min(1, Math.max(0, scores[index]!)), 6) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, count);
}

/** The backbone of a tuned snapshot, loaded, and checked to serve `task`. */
export async function loadTunedBackbone(snapshot: ModelSnapshot, options: LoadOptions): Promise<Backbone> {
  if (!snapshot.backbone) throw new ModaError('MODEL_LOAD_FAILED', `${snapshot.repo}: configuration.json names no backbone {repo, commit} to run on`);
  const backbone = await loadBackbone(snapshot.backbone, { device: options.device, threads: options.threads, ...(options.limits && { limits: options.limits }) });
  const serves = classificationTask(backbone.spec);
  if (serves !== options.task) {
    await backbone.dispose();
    throw new ModaError('TASK_MISMATCH', `${snapshot.repo} classifies ${backbone.spec.input === 'image' ? 'images' : 'texts'} (${serves}), not ${options.task}`);
  }
  return backbone;
}

export const embeddingHeadPipeline: PipelineImplementation = {
  type: 'embedding-head',
  tasks: ['image-classification', 'text-classification'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const labels = labelsFrom(snapshot.configuration);
    const file = configurationSettings(snapshot.configuration?.model, 'configuration.json model').string('file', 'head/model.json');
    const head = await loadTfjsLayersModel(await snapshotFile(snapshot, file, { maxBytes: MAX_TFJS_JSON_BYTES }));
    const inputShape = head.model.inputs[0]?.shape ?? [];
    const outputShape = head.model.outputs[0]?.shape ?? [];
    const dimensions = inputShape[1];
    if (inputShape.length !== 2 || typeof dimensions !== 'number' || outputShape.length !== 2 || outputShape[1] !== labels.length) {
      head.dispose();
      throw new ModaError('MODEL_LOAD_FAILED', `expected a head from [n, d] embeddings to ${labels.length} classes, got [${inputShape.join(', ')}] → [${outputShape.join(', ')}]`);
    }
    let backbone: Backbone;
    try {
      backbone = await loadTunedBackbone(snapshot, options);
    } catch (error) {
      head.dispose();
      throw error;
    }
    return {
      task: options.task,
      type: 'embedding-head',
      engine: 'tfjs',
      memoryBytes: head.memoryBytes + backbone.pipeline.memoryBytes,
      async run(inputs, parameters, context) {
        const embeddings = await backbone.embed(inputs, context);
        const found = embeddings.flatMap((embedding, index) => (embedding ? [{ embedding, index }] : []));
        for (const { embedding } of found) {
          if (embedding.length !== dimensions) throw new ModaError('MODEL_INFERENCE_FAILED', `the backbone gives ${embedding.length}-d embeddings but the head takes ${dimensions}`);
        }
        const outputs: LabelScore[][] = inputs.map(() => []);
        if (found.length === 0) return outputs;
        let scores: Float32Array;
        try {
          const matrix = new Float32Array(found.length * dimensions);
          found.forEach(({ embedding }, row) => matrix.set(embedding, row * dimensions));
          const output = tf.tidy(() => head.model.predict(tf.tensor2d(matrix, [found.length, dimensions])) as tf.Tensor);
          try {
            scores = (await output.data()) as Float32Array;
          } finally {
            output.dispose();
          }
        } catch (error) {
          throw inferenceFailed(error);
        }
        found.forEach(({ index }, row) => {
          outputs[index] = rankedLabels(labels, scores.subarray(row * labels.length, (row + 1) * labels.length), parameters.top_k);
        });
        return outputs;
      },
      async dispose() {
        head.dispose();
        await backbone.dispose();
      },
    };
  },
};
