// Loads a backbone: a model whose pipeline can give embeddings (see embedding-spec.ts), run for the
// task that carries them. Both the tuned pipelines (head, prototypes) and the tuning jobs go through
// here, so a model is trained on exactly the vectors it is later served with.
import { isModaError, ModaError } from '../../errors/moda-error.js';
import { planModel } from '../../runtime/load-model.js';
import type { ModelSnapshot } from '../../runtime/model-snapshot.js';
import { findImplementation } from '../registry.js';
import type { LoadedPipeline, LoadOptions, RunContext } from '../pipeline-implementation.js';
import { readEmbedding, type EmbeddingSpec } from './embedding-spec.js';

export interface Backbone {
  repo: string;
  commit: string;
  spec: EmbeddingSpec;
  pipeline: LoadedPipeline;
  /** One vector per input, in order; undefined where the input has none (an image without a face). */
  embed(inputs: readonly unknown[], context: RunContext): Promise<(number[] | undefined)[]>;
  dispose(): Promise<void>;
}

/** How `snapshot` gives embeddings; MODEL_CANNOT_EMBED when it cannot. */
export async function embeddingSpecOf(snapshot: ModelSnapshot): Promise<EmbeddingSpec> {
  let type: string;
  try {
    type = (await planModel(snapshot)).implementation.type;
  } catch (error) {
    if (isModaError(error) && ['MODEL_NOT_RUNNABLE', 'TASK_MISMATCH', 'TASK_UNKNOWN'].includes(error.code)) throw new ModaError('MODEL_CANNOT_EMBED', `${snapshot.repo} cannot give embeddings: ${error.message}`, { cause: error });
    throw error;
  }
  const spec = findImplementation(type)?.embeds;
  if (!spec) throw new ModaError('MODEL_CANNOT_EMBED', `${snapshot.repo} is a ${type} model, which gives no embeddings; use an image-feature-extraction, feature-extraction or face model`);
  try {
    await planModel(snapshot, spec.task);
  } catch (error) {
    if (isModaError(error) && error.code === 'TASK_MISMATCH') throw new ModaError('MODEL_CANNOT_EMBED', `${snapshot.repo} cannot run ${spec.task}: ${error.message}`, { cause: error });
    throw error;
  }
  // A face model gives descriptors only with its recognition net (checked here, not on the first face).
  if (spec.from === 'best-face' && typeof (snapshot.configuration?.model as Record<string, unknown> | undefined)?.recognition !== 'string') {
    throw new ModaError('MODEL_CANNOT_EMBED', `${snapshot.repo} has no face recognition net (configuration.json model.recognition), so it gives no face descriptors`);
  }
  return spec;
}

/** The snapshot as its pipeline should load it to embed: settings for nets the vector does not need left out (a face model's age and expression). */
function forEmbedding(snapshot: ModelSnapshot, spec: EmbeddingSpec): ModelSnapshot {
  const model = snapshot.configuration?.model as Record<string, unknown> | undefined;
  if (!snapshot.configuration || !model || !spec.unusedModelSettings?.length) return snapshot;
  const kept = Object.fromEntries(Object.entries(model).filter(([name]) => !spec.unusedModelSettings?.includes(name)));
  return { ...snapshot, configuration: { ...snapshot.configuration, model: kept } };
}

export async function loadBackbone(snapshot: ModelSnapshot, options: Omit<LoadOptions, 'task'>): Promise<Backbone> {
  const spec = await embeddingSpecOf(snapshot);
  const { implementation } = await planModel(snapshot, spec.task);
  const pipeline = await implementation.load(forEmbedding(snapshot, spec), { ...options, task: spec.task });
  return {
    repo: snapshot.repo,
    commit: snapshot.commit,
    spec,
    pipeline,
    async embed(inputs, context) {
      const outputs = await pipeline.run(inputs, {}, context);
      return outputs.map((output) => readEmbedding(spec, output));
    },
    dispose: () => pipeline.dispose(),
  };
}
