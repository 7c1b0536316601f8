// `prototypes`: zero-training few-shot classification. Each class's prototype is the mean of its
// examples' normalised embeddings from the base model (image features, text feature-extraction, face
// descriptors: "enrol these faces"), and an input gets the class of the most cosine-similar
// prototype. 1–5 examples per class are enough to start; there is no training loop to tune, only
// the softmax temperature of the scores. Served by the `embedding-prototypes` pipeline.
import { Type } from '@sinclair/typebox';
import { ModaError } from '../../../errors/moda-error.js';
import { computePrototypes, prototypesBytes, prototypeScores, prototypeSimilarities } from '../../../pipelines/embedding/prototypes.js';
import { defineTuneMethod } from '../../tune-method.js';
import { embeddingBatchSize } from '../embedding/embedding-hyperparameters.js';
import { embeddingLimitations, embedTrainingData, labelledVectors } from '../embedding/embed-training-data.js';
import { baseModelInput } from '../embedding/base-model-input.js';

export const PROTOTYPES_FILE = 'prototypes.bin';

export const prototypesMethod = defineTuneMethod({
  name: 'prototypes',
  description: 'Few-shot classification without training: class means (prototypes) of the base model’s embeddings, nearest by cosine similarity; images, texts or faces',
  task: 'image-classification',
  input: 'image',
  baseModel: 'required',
  inputFor: (base, { hub, actor }) => baseModelInput(hub, actor, base, 'any'),
  hyperparameters: Type.Object(
    {
      temperature: Type.Number({ minimum: 0.001, maximum: 100, default: 0.05, description: 'Scores are softmax(cosine similarity / temperature): lower is more confident' }),
      embedding_batch_size: embeddingBatchSize,
    },
    { additionalProperties: false },
  ),
  async train(context) {
    const hyper = context.hyperparameters;
    const data = await embedTrainingData(context, 'any');
    const classes = context.labels.length;
    const train = labelledVectors(data.train, context.labels);
    const rows = Array.from({ length: train.labels.length }, (_, row) => train.vectors.subarray(row * data.train.dimensions, (row + 1) * data.train.dimensions));
    const prototypes = computePrototypes(rows, [...train.labels], classes);
    const missing = context.labels.filter((_label, index) => prototypes.counts[index] === 0);
    if (missing.length > 0) throw new ModaError('TUNE_TOO_FEW_EXAMPLES', `no training example of ${missing.slice(0, 10).join(', ')} could be embedded, so ${missing.length === 1 ? 'it has' : 'they have'} no prototype`);
    context.report({ epoch: 1, epochs: 1, step: train.labels.length, fraction: 1 });
    const predicted = new Map(
      data.validation.kept.map((example, row) => {
        const scores = prototypeScores(prototypeSimilarities(prototypes, data.validation.vectors.subarray(row * data.validation.dimensions, (row + 1) * data.validation.dimensions)), hyper.temperature);
        return [example, context.labels[scores.indexOf(Math.max(...scores))] ?? ''];
      }),
    );
    return {
      files: [{ path: PROTOTYPES_FILE, content: prototypesBytes(prototypes) }],
      pipeline: { type: 'embedding-prototypes', framework: 'tfjs', model: { type: 'prototypes', file: PROTOTYPES_FILE, dimensions: prototypes.dimensions, temperature: hyper.temperature, examples_per_class: prototypes.counts } },
      configuration: { backbone: data.backbone },
      limitations: [
        ...embeddingLimitations(data, data),
        `Each prototype is the mean of ${Math.min(...prototypes.counts)}–${Math.max(...prototypes.counts)} examples: with so few, one unusual example moves its class a lot. Scores are softmax(cosine similarity / ${hyper.temperature}) over the known classes only, so an input of none of them still gets a confident-looking label.`,
      ],
      predictions: context.validation.map((example) => predicted.get(example) ?? ''),
      stats: {
        embedding_dimensions: prototypes.dimensions,
        embedded_per_second: data.embeddedPerSecond,
        examples_without_embedding: data.train.empty.length + data.validation.empty.length,
      },
      reproducibility: 'Prototypes are means of the backbone’s embeddings: the same data and backbone commit give byte-identical prototypes on the same machine (a CPU without WebAssembly SIMD can round the embeddings differently).',
    };
  },
});
