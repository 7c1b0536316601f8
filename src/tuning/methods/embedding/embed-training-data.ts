// The part of both embedding methods before any learning: open the base model as a backbone (in
// this job's process), check it embeds what the method needs, and embed the training and validation
// examples in batches, with progress.
import { ModaError } from '../../../errors/moda-error.js';
import type { TrainContext, TuneExample } from '../../tune-method.js';
import type { LabelledEmbeddings } from '../../embedding/train-head.js';
import { embedExamples, type EmbeddedExamples } from './embed-examples.js';
import { openBaseBackbone } from './open-base-backbone.js';
import { datasetFiles } from './read-example-image.js';

/** Share of the method's progress bar that embedding the data takes; training the head takes the rest. */
export const EMBEDDING_SHARE = 0.5;

export interface TrainingEmbeddings {
  train: EmbeddedExamples;
  validation: EmbeddedExamples;
  /** What configuration.json pins. */
  backbone: { repo: string; commit: string };
  /** Examples embedded per second of backbone time. */
  embeddedPerSecond: number;
  input: 'image' | 'text';
}

/** Card notes every embedding method shares: the frozen backbone, and examples it found nothing in. */
export function embeddingLimitations(data: TrainingEmbeddings, spec: { input: 'image' | 'text' }): string[] {
  const notes = [`The base model ${data.backbone.repo} is frozen at commit \`${data.backbone.commit.slice(0, 12)}\`: the classifier can only tell apart what its embeddings tell apart.`];
  const empty = data.train.empty.length + data.validation.empty.length;
  if (empty > 0) notes.push(`The base model found nothing to embed in ${empty} example${empty === 1 ? '' : 's'} (${data.train.empty.length} training, ${data.validation.empty.length} held out; for a face model: no face found); they were left out of training and count as errors in the held-out scores. Such ${spec.input === 'image' ? 'images' : 'texts'} get an empty list of labels when served.`);
  return notes;
}

/** Class indices of the kept examples in `labels` order, with their vectors. */
export function labelledVectors(embedded: EmbeddedExamples, labels: readonly string[]): LabelledEmbeddings {
  const index = new Map(labels.map((label, position) => [label, position]));
  return { vectors: embedded.vectors, labels: Int32Array.from(embedded.kept, (example) => index.get(example.label) ?? 0) };
}

export async function embedTrainingData(context: TrainContext<{ embedding_batch_size: number }>, input: 'image' | 'text' | 'any'): Promise<TrainingEmbeddings> {
  const batchSize = context.hyperparameters.embedding_batch_size;
  const backbone = await openBaseBackbone(context.hub, context.actor, context.baseModel);
  try {
    if (input !== 'any' && backbone.spec.input !== input) throw new ModaError('MODEL_CANNOT_EMBED', `${backbone.repo} embeds ${backbone.spec.input}s; this method needs a model that embeds ${input}s`);
    const files = backbone.spec.input === 'image' ? await datasetFiles(context.hub, context.dataset.gitDir, context.dataset.commit) : undefined;
    const total = context.train.length + context.validation.length;
    context.log(`embedding ${total} examples with ${backbone.repo}@${backbone.commit.slice(0, 12)} (${backbone.spec.input}, batches of ${batchSize})`);
    let done = 0;
    const embed = (examples: readonly TuneExample[]) =>
      embedExamples(backbone, examples, {
        batchSize,
        files,
        signal: context.signal,
        onBatch(finished) {
          context.report({ epoch: 0, epochs: 1, fraction: ((done + finished) / total) * EMBEDDING_SHARE, message: `embedding ${done + finished} of ${total}` });
        },
      });
    let train: EmbeddedExamples;
    let validation: EmbeddedExamples;
    try {
      train = await embed(context.train);
      done = context.train.length;
      validation = await embed(context.validation);
    } finally {
      await files?.close();
    }
    const embedded = train.kept.length + validation.kept.length + train.empty.length + validation.empty.length;
    const embedMs = train.embedMs + validation.embedMs;
    const embeddedPerSecond = embedMs > 0 ? (embedded * 1000) / embedMs : 0;
    context.log(`embedded ${embedded} examples in ${(embedMs / 1000).toFixed(1)} s (${embeddedPerSecond.toFixed(1)}/s), ${train.dimensions} dimensions${train.empty.length + validation.empty.length > 0 ? `; ${train.empty.length + validation.empty.length} gave no embedding (no face found) and are left out` : ''}`);
    if (train.kept.length === 0) throw new ModaError('TUNE_TOO_FEW_EXAMPLES', `${backbone.repo} found nothing to embed in any training example`);
    return { train, validation, backbone: { repo: backbone.repo, commit: backbone.commit }, embeddedPerSecond, input: backbone.spec.input };
  } finally {
    await backbone.dispose();
  }
}
