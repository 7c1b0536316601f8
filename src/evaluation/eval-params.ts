// The params of an `eval` job, as one TypeBox schema: the job API validates against it and the
// OpenAPI document shows it.
import { Type, type Static } from '@sinclair/typebox';

const RepoId = (what: string) => Type.String({ minLength: 3, maxLength: 200, pattern: '^[^/]+/[^/]+$', description: `namespace/name of a ${what} repo` });
const Revision = Type.String({ minLength: 1, maxLength: 256, description: 'branch, tag or commit; default the default branch. Pinned to a commit when the job starts' });
const Column = Type.String({ minLength: 1, maxLength: 200 });

export const EvalParams = Type.Object(
  {
    model: RepoId('model'),
    model_revision: Type.Optional(Revision),
    dataset: RepoId('dataset'),
    dataset_revision: Type.Optional(Revision),
    config: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the dataset's config; default the first (usually `default`)" })),
    split: Type.String({ minLength: 1, maxLength: 200, description: 'the split to evaluate on, e.g. test' }),
    columns: Type.Optional(
      Type.Object(
        {
          input: Type.Optional(Type.Union([Column, Type.Array(Column, { minItems: 1, maxItems: 8 })], { description: "column(s) fed to the model; several text columns are joined by a newline. Default: by name (text, sentence, image, audio, …)" })),
          reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'column holding the expected answer. Default: by name (label, text, …)' })),
        },
        { additionalProperties: false },
      ),
    ),
    metrics: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { minItems: 1, maxItems: 20, description: "metric ids (accuracy, f1_macro, cer, cer_no_space, wer, …); default the task's: accuracy + f1_macro for classification, cer + cer_no_space + wer for OCR, wer + cer for speech" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'evaluate only the first N rows of the split (the result says so)' })),
    task: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "the task to run the model as, when its files do not say (configuration.json task, card pipeline_tag, config.json architecture)" })),
  },
  { additionalProperties: false },
);
export type EvalParams = Static<typeof EvalParams>;
