// `image-head`: few-shot image classification on a frozen backbone. Every image is embedded once by
// the base model's own pipeline (any model whose pipeline gives image embeddings: the MobileNetV2
// features, a face model's descriptors), then a small head — optional ReLU layer, dense → softmax —
// is trained on the vectors with tfjs (Adam, early stopping on the validation loss). The result is
// served by the `embedding-head` pipeline, which runs the backbone at the pinned commit and the head.
import { Type } from '@sinclair/typebox';
import { ModaError } from '../../../errors/moda-error.js';
import { defineTuneMethod } from '../../tune-method.js';
import { DEFAULT_HEAD_HYPERPARAMETERS } from '../../embedding/head-hyperparameters.js';
import { embeddingBatchSize } from '../embedding/embedding-hyperparameters.js';
import { EMBEDDING_SHARE, embeddingLimitations, embedTrainingData, labelledVectors } from '../embedding/embed-training-data.js';
import { baseModelInput } from '../embedding/base-model-input.js';

const HEAD_DIR = 'head';

export const imageHeadMethod = defineTuneMethod({
  name: 'image-head',
  description: 'Few-shot image classification: a dense → softmax head trained with tfjs on the embeddings of a frozen image backbone',
  task: 'image-classification',
  input: 'image',
  baseModel: 'required',
  inputFor: (base, { hub, actor }) => baseModelInput(hub, actor, base, 'image'),
  hyperparameters: Type.Object(
    {
      epochs: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_HEAD_HYPERPARAMETERS.epochs, description: 'Most passes over the training embeddings' }),
      batch_size: Type.Integer({ minimum: 1, maximum: 1024, default: DEFAULT_HEAD_HYPERPARAMETERS.batchSize, description: 'Examples per Adam step' }),
      learning_rate: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: DEFAULT_HEAD_HYPERPARAMETERS.learningRate, description: 'Adam learning rate' }),
      patience: Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_HEAD_HYPERPARAMETERS.patience, description: 'Epochs without a lower validation loss before training stops (the best epoch is kept)' }),
      hidden_units: Type.Integer({ minimum: 0, maximum: 4096, default: DEFAULT_HEAD_HYPERPARAMETERS.hiddenUnits, description: '0: dense → softmax on the embedding; otherwise a ReLU layer this wide first (Teachable Machine uses 100)' }),
      embedding_batch_size: embeddingBatchSize,
    },
    { additionalProperties: false },
  ),
  async train(context) {
    const { trainHead } = await import('../../embedding/train-head.js');
    const hyper = context.hyperparameters;
    const data = await embedTrainingData(context, 'image');
    const classes = context.labels.length;
    const train = labelledVectors(data.train, context.labels);
    const validation = labelledVectors(data.validation, context.labels);
    if (new Set(train.labels).size < 2) throw new ModaError('TUNE_TOO_FEW_EXAMPLES', 'fewer than 2 classes have a training image the backbone could embed');
    const began = performance.now();
    const trained = await trainHead(
      { dimensions: data.train.dimensions, classes, train, validation },
      { epochs: hyper.epochs, batchSize: hyper.batch_size, learningRate: hyper.learning_rate, patience: hyper.patience, hiddenUnits: hyper.hidden_units, seed: context.seed },
      {
        signal: context.signal,
        onEpoch(epoch, total) {
          const fraction = EMBEDDING_SHARE + (1 - EMBEDDING_SHARE) * (epoch.epoch / total);
          const elapsed = (performance.now() - began) / 1000;
          context.report({ epoch: epoch.epoch, epochs: total, step: epoch.step, loss: epoch.loss, validationLoss: epoch.validationLoss, validationAccuracy: epoch.validationAccuracy, fraction, etaSeconds: (elapsed / epoch.epoch) * (total - epoch.epoch) });
        },
      },
    );
    context.log(`kept the weights of epoch ${trained.bestEpoch} of ${trained.history.length}${trained.stoppedEarly ? ' (stopped early: the validation loss stopped falling)' : ''}`);
    // Validation examples the backbone found nothing in get no label: they count as errors.
    const predicted = new Map(data.validation.kept.map((example, index) => [example, context.labels[trained.validationPredictions[index]!] ?? '']));
    return {
      files: [
        { path: `${HEAD_DIR}/model.json`, content: new TextEncoder().encode(`${JSON.stringify(trained.modelJson, null, 2)}\n`) },
        { path: `${HEAD_DIR}/${trained.weightsFile}`, content: trained.weights },
      ],
      pipeline: { type: 'embedding-head', framework: 'tfjs', model: { type: 'dense-softmax-head', file: `${HEAD_DIR}/model.json` } },
      configuration: { backbone: data.backbone },
      limitations: embeddingLimitations(data, data),
      predictions: context.validation.map((example) => predicted.get(example) ?? ''),
      stats: {
        embedding_dimensions: data.train.dimensions,
        embedded_per_second: data.embeddedPerSecond,
        steps: trained.steps,
        steps_per_second: trained.trainMs > 0 ? (trained.steps * 1000) / trained.trainMs : 0,
        best_epoch: trained.bestEpoch,
        epochs_run: trained.history.length,
        examples_without_embedding: data.train.empty.length + data.validation.empty.length,
      },
      reproducibility:
        'The head is seeded (Glorot initialisation, batch order) and tfjs-wasm runs single-threaded, so the same data, hyperparameters and seed give byte-identical weights on the same machine; a CPU without WebAssembly SIMD can round differently. The backbone is frozen at its pinned commit.',
    };
  },
});
