// `tune`: trains a new model from a hub dataset with a registered method (tune-methods.ts) and
// commits it, with its card, metrics and training params, to a model repo in one commit. The method
// and hyperparameters are checked when the job is created; everything else when it runs (run-tuning.ts).
import { Type } from '@sinclair/typebox';
import { defineJobType } from '../jobs/job-type.js';
import { pinDatasetRevision } from './pin-dataset-revision.js';
import { checkTuneParams, runTuning, type TuneParams } from './run-tuning.js';

const RepoId = (description: string) => Type.String({ minLength: 3, maxLength: 200, pattern: '^[^/@\\s]+/[^/@\\s]+$', description });
const ColumnName = Type.String({ minLength: 1, maxLength: 200 });

export const TuneParamsSchema = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 64, description: 'Training method: fasttext (text classification from scratch), or another registered one (GET /api/v1/job-types lists them)' }),
    base_model: Type.Optional(Type.String({ minLength: 3, maxLength: 300, pattern: '^[^/@\\s]+/[^/@\\s]+(@[^\\s]+)?$', description: 'Model repo the method builds on, `namespace/name` or `namespace/name@revision`; pinned to a commit' })),
    dataset: RepoId('Dataset repo, `namespace/name`'),
    dataset_revision: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Branch, tag or commit of the dataset; default its default branch. Resolved when the job is submitted: the job stores and trains on that commit' })),
    config: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Dataset config; default `default` or the first" })),
    split: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Training split; default `train` or the first' })),
    validation_split: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Validation split; default validation/valid/dev/test when present, else 15 % of each class of the training split (stratified, seeded)' })),
    columns: Type.Optional(
      Type.Object(
        {
          text: Type.Optional(Type.Union([ColumnName, Type.Array(ColumnName, { minItems: 1, maxItems: 8 })], { description: 'Text column, or several joined by a line break; default text, sentence, content, …' })),
          image: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Image column; default image' })),
          label: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Label column; default label, labels, target, class, …' })),
        },
        { additionalProperties: false },
      ),
    ),
    hyperparameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The method's hyperparameters (its schema: GET /api/v1/tune-methods); defaults fill the rest" })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'Seed of every random choice (validation split, initial weights); default 42' })),
    output_repo: RepoId('Model repo to commit the result to, created when missing, `namespace/name`'),
    private: Type.Optional(Type.Boolean({ description: 'Visibility of a new output repo; default private when the dataset is not public' })),
  },
  { additionalProperties: false },
);

export const tuneJob = defineJobType({
  type: 'tune',
  description: 'Train a model from a dataset (fastText text classification, …) and commit it with its card, metrics and training params',
  paramsSchema: TuneParamsSchema,
  // A killed server's job runs again from the start: training is reproducible and nothing was committed.
  maxAttempts: 2,
  backoff: { delayMs: 2_000, factor: 2 },
  checkParams(params) {
    checkTuneParams(params as TuneParams);
  },
  prepareParams(params, { hub, actor }) {
    return pinDatasetRevision(hub, actor, params);
  },
  run(context) {
    return runTuning(context as Parameters<typeof runTuning>[0]);
  },
});
