// The OpenAPI paths of tuning: `POST /api/v1/jobs` with a `tune` job's params (the job routes take
// other types too; this documents the tune shape and its result) and `GET /api/v1/tune-methods`.
import type { ErrorCode } from '../errors/catalog.js';
import { TuneParamsSchema } from '../tuning/tune-job.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

/** TypeBox keeps its markers under symbol keys; JSON drops them. */
function plain(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

export function tuningSchemas(): Record<string, JsonSchema> {
  return {
    TuneParams: plain(TuneParamsSchema),
    TuneJobRequest: { type: 'object', required: ['type', 'params'], properties: { type: { const: 'tune' }, params: ref('TuneParams') } },
    TuneResult: {
      type: 'object',
      description: "A succeeded tune job's `result`",
      required: ['repo', 'commit', 'url', 'metrics'],
      properties: {
        repo: { type: 'string', description: 'The model repo committed to' },
        commit: { type: 'string', description: 'The one commit holding the model, its card, metrics and training params' },
        url: { type: 'string' },
        commit_url: { type: 'string' },
        method: { type: 'string' },
        dataset: { type: 'string', description: 'namespace/name@commit trained on' },
        base_model: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'namespace/name@commit built on' },
        private: { type: 'boolean' },
        training_seconds: { type: 'number' },
        stats: { type: 'object', additionalProperties: { type: 'number' } },
        metrics: {
          type: 'object',
          description: 'Held-out metrics',
          properties: {
            accuracy: { type: 'number' },
            macro_f1: { type: 'number' },
            examples: { type: 'integer' },
            per_class: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, precision: { type: 'number' }, recall: { type: 'number' }, f1: { type: 'number' }, support: { type: 'integer' } } } },
          },
        },
      },
    },
    TuneMethod: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        description: { type: 'string' },
        task: { type: 'string' },
        input: { enum: ['text', 'image'] },
        base_model: { enum: ['required', 'optional', 'none'] },
        hyperparameters: { type: 'object', description: 'JSON Schema of the hyperparameters, with ranges and defaults' },
      },
    },
  };
}

export function tuningPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  return {
    '/api/v1/jobs': {
      post: {
        operationId: 'createTuneJob',
        tags: ['tuning'],
        summary: 'Start a job; for `type: "tune"`, train a model from a dataset and commit it',
        description: 'The params are checked against the type\'s schema, and for a tune job the method and its hyperparameters too. Follow it with `GET /api/v1/jobs/{id}` or its logs (`curve {json}` lines carry the training curve); a succeeded tune job\'s `result` is a TuneResult. Failures a tune job ends with: TUNE_COLUMN_NOT_FOUND, TUNE_ONE_CLASS, TUNE_TOO_MANY_CLASSES, TUNE_EMPTY_TEXTS, TUNE_NOT_ENOUGH_ROWS, TUNE_DATASET_TOO_LARGE, HUB_REPO_NOT_FOUND (a dataset the caller cannot read), AUTH_FORBIDDEN (an output repo the caller cannot write), JOB_CANCELLED.',
        requestBody: { required: true, content: json({ oneOf: [ref('TuneJobRequest'), { type: 'object', required: ['type'], properties: { type: { type: 'string' }, params: { type: 'object' } } }] }) },
        responses: {
          '201': { description: 'Queued; `result` will be a TuneResult for a tune job', content: json({ type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, state: { type: 'string' }, result: { oneOf: [ref('TuneResult'), { type: 'null' }] } } }) },
          ...errorResponses(['JOB_TYPE_UNKNOWN', 'JOB_PARAMS_INVALID', 'TUNE_METHOD_UNKNOWN', 'TUNE_HYPERPARAMETERS_INVALID', 'TUNE_BASE_MODEL_INVALID', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN']),
        },
      },
    },
    '/api/v1/tune-methods': {
      get: {
        operationId: 'listTuneMethods',
        tags: ['tuning'],
        summary: 'The training methods a tune job may name, with their hyperparameter schemas',
        responses: { '200': { description: 'The methods', content: json({ type: 'object', properties: { methods: { type: 'array', items: ref('TuneMethod') } } }) } },
      },
    },
  };
}
