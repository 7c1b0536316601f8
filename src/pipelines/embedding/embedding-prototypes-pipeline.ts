// The `embedding-prototypes` pipeline: few-shot classification by the nearest class prototype (the
// mean of a class's normalised example embeddings, `prototypes.bin`) under the cosine similarity,
// on a frozen backbone at its pinned commit. Scores: softmax(similarity / temperature). An input the
// backbone finds nothing in (an image without a face) gets an empty list of labels.
import { readFile } from 'node:fs/promises';
import { ModaError } from '../../errors/moda-error.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import { prototypeScores, prototypeSimilarities, readPrototypes } from './prototypes.js';
import type { LabelScore } from '../../tasks/values.js';
import { configurationSettings } from '../text/configuration-settings.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation } from '../pipeline-implementation.js';
import { labelsFrom } from '../vision/model-input.js';
import { loadTunedBackbone, rankedLabels } from './embedding-head-pipeline.js';

/** 100,000 classes × 4,096 dimensions of float32 would be 1.6 GB: far past any prototype file. */
const MAX_PROTOTYPE_BYTES = 256 * 1024 * 1024;

export const embeddingPrototypesPipeline: PipelineImplementation = {
  type: 'embedding-prototypes',
  tasks: ['image-classification', 'text-classification'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const labels = labelsFrom(snapshot.configuration);
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const dimensions = settings.number('dimensions', 0, { min: 1, max: 65_536, integer: true });
    const temperature = settings.number('temperature', 0.05, { min: 0.001, max: 100 });
    const bytes = await readFile(await snapshotFile(snapshot, settings.string('file', 'prototypes.bin'), { maxBytes: MAX_PROTOTYPE_BYTES }));
    const prototypes = readPrototypes(bytes, labels.length, dimensions);
    if (!prototypes) throw new ModaError('MODEL_LOAD_FAILED', `the prototypes file holds ${bytes.length} bytes, not ${labels.length} classes × ${dimensions} float32`);
    const backbone = await loadTunedBackbone(snapshot, options);
    return {
      task: options.task,
      type: 'embedding-prototypes',
      engine: 'tfjs',
      memoryBytes: bytes.length + backbone.pipeline.memoryBytes,
      async run(inputs, parameters, context) {
        const embeddings = await backbone.embed(inputs, context);
        return embeddings.map((embedding): LabelScore[] => {
          if (!embedding) return [];
          if (embedding.length !== dimensions) throw new ModaError('MODEL_INFERENCE_FAILED', `the backbone gives ${embedding.length}-d embeddings but the prototypes have ${dimensions}`);
          return rankedLabels(labels, prototypeScores(prototypeSimilarities(prototypes, embedding), temperature), parameters.top_k);
        });
      },
      dispose: () => backbone.dispose(),
    };
  },
};
