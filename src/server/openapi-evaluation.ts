// The OpenAPI paths of evaluation: starting an `eval` job (its params schema is the job type's own),
// the predictions artifact of a job, and a model's evaluation results with the "older revision" mark.
import type { ErrorCode } from '../errors/catalog.js';
import { EvalParams } from '../evaluation/eval-params.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

export function evaluationSchemas(): Record<string, JsonSchema> {
  return {
    // JSON round trip: TypeBox's symbol keys stay out of the document.
    EvalParams: JSON.parse(JSON.stringify(EvalParams)) as JsonSchema,
    ModelEvaluation: {
      type: 'object',
      properties: {
        dataset: { type: 'string' },
        task_id: { type: 'string' },
        dataset_revision: { type: ['string', 'null'] },
        metric: { type: ['string', 'null'] },
        value: {},
        date: { type: ['string', 'null'] },
        verified: { type: 'boolean', description: 'computed by this server (source Moda evaluation)' },
        source: { type: 'object', properties: { url: { type: ['string', 'null'] }, name: { type: ['string', 'null'] } } },
        model_revision: { type: ['string', 'null'], description: 'the model commit the number was computed on' },
        older_revision: { type: ['boolean', 'null'], description: 'the model changed after model_revision (card and result edits do not count); null when unknown' },
        file: { type: 'string' },
      },
    },
  };
}

export function evaluationPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  return {
    '/api/v1/jobs': {
      post: {
        operationId: 'createJob',
        tags: ['evaluation'],
        summary: 'Start a job; `{"type": "eval", "params": {…}}` evaluates a model on a dataset split',
        description:
          'Other job types (catalog-import, pull, dataset-prepare, …) and their params schemas: GET /api/v1/job-types. An `eval` job: Model and dataset are pinned to commits when the job starts; every sample runs through the model pipeline and the serving batcher. The result has the metrics, failures per code (failed samples count as wrong), the label mapping, throughput, the predictions artifact and — when the owner may write the model and the dataset is visible to all its readers — the results commit (model-index, `.eval_results/<dataset>.yaml`, a table in the card). Problems found before any sample runs fail the job with EVAL_TASK_UNSUPPORTED, EVAL_COLUMNS_INVALID, METRIC_UNKNOWN, METRIC_NOT_FOR_TASK, DATASET_SPLIT_NOT_FOUND, DATASET_CONFIG_NOT_FOUND, EVAL_NO_SAMPLES or HUB_REPO_NOT_FOUND.',
        security: [{ token: [] }],
        requestBody: {
          required: true,
          content: json({
            anyOf: [
              { type: 'object', required: ['type', 'params'], properties: { type: { const: 'eval' }, params: { $ref: '#/components/schemas/EvalParams' } } },
              { type: 'object', required: ['type'], properties: { type: { type: 'string' }, params: { type: 'object' } } },
            ],
          }),
        },
        responses: { '201': { description: 'The job, queued', content: json({ type: 'object' }) }, ...errorResponses(['JOB_TYPE_UNKNOWN', 'JOB_PARAMS_INVALID', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN']) },
      },
    },
    '/api/v1/jobs/{id}/artifacts/{name}': {
      get: {
        operationId: 'jobArtifact',
        tags: ['evaluation'],
        summary: "A job's artifact, e.g. an evaluation's `predictions.jsonl` (one JSON object per sample: row_idx, reference, prediction, correct, error, output)",
        security: [{ token: [] }],
        parameters: [pathParameter('id'), pathParameter('name')],
        responses: { '200': { description: 'The file', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }, ...errorResponses(['JOB_NOT_FOUND', 'JOB_ARTIFACT_NOT_FOUND', 'AUTH_REQUIRED']) },
      },
    },
    '/api/v1/jobs/{id}/predictions': {
      get: {
        operationId: 'jobPredictions',
        tags: ['evaluation'],
        summary: "An evaluation's per-sample predictions for the dataset rows named in `rows` (row_idx, comma-separated, at most 100): prediction, correct, error — what the dataset viewer shows beside each row. Only the job's owner and site admins see them",
        security: [{ token: [] }],
        parameters: [pathParameter('id'), { name: 'rows', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d+(,\\d+)*$' }, description: 'row_idx values, e.g. 0,1,2' }],
        responses: {
          '200': { description: 'The job, the dataset commit, config and split it evaluated, and one entry per asked-for row that has a prediction', content: json({ type: 'object' }) },
          ...errorResponses(['JOB_NOT_FOUND', 'JOB_ARTIFACT_NOT_FOUND', 'VALIDATION_FAILED', 'AUTH_REQUIRED']),
        },
      },
    },
    '/api/v1/models/{owner}/{name}/evaluations': {
      get: {
        operationId: 'modelEvaluations',
        tags: ['evaluation'],
        summary: "A model's evaluation results (`.eval_results/*.yaml` on its default branch), each marked `older_revision` when the model changed since",
        parameters: [pathParameter('owner'), pathParameter('name')],
        responses: {
          '200': { description: 'The results', content: json({ type: 'object', properties: { model: { type: 'string' }, head: { type: 'string' }, evaluations: { type: 'array', items: { $ref: '#/components/schemas/ModelEvaluation' } } } }) },
          ...errorResponses(['HUB_REPO_NOT_FOUND']),
        },
      },
    },
  };
}
