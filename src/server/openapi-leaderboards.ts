// The OpenAPI paths and schemas of the leaderboard routes (src/protocols/moda/leaderboard-routes.ts).
import type { ErrorCode } from '../errors/catalog.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const COMMIT = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const SOURCE = { type: 'object', required: ['url'], properties: { url: { type: 'string' }, name: { type: 'string' } } };
const STATUS = { type: 'string', enum: ['verified', 'self-reported'], description: 'verified: computed by an evaluation job of this server (its job confirms the number); self-reported: stated in the model repo' };

export function leaderboardSchemas(): Record<string, JsonSchema> {
  return {
    LeaderboardTaskValue: {
      type: 'object',
      required: ['value', 'status', 'origin', 'date', 'source', 'job_id'],
      properties: {
        value: { type: 'number', description: "In the metric's own scale (accuracy 0.8668)" },
        status: STATUS,
        origin: { type: 'string', enum: ['model-index', 'eval-results'], description: 'README model-index or .eval_results/*.yaml' },
        date: { type: 'string' },
        source: { oneOf: [SOURCE, { type: 'null' }] },
        job_id: { type: ['string', 'null'], description: 'The evaluation job that computed it (verified results)' },
        problem: { type: 'string', description: 'Why the value is not ranked (outside the metric’s range)' },
      },
    },
    LeaderboardRow: {
      type: 'object',
      required: ['model', 'commit', 'current', 'status', 'score', 'tasks', 'date', 'rank', 'problems'],
      properties: {
        model: { type: 'string' },
        commit: COMMIT,
        current: { type: 'boolean', description: 'false: an older revision of the model (listed, not ranked)' },
        status: STATUS,
        score: { type: 'number', description: 'Mean of the task values (multi-task), or the task value' },
        tasks: { type: 'object', additionalProperties: ref('LeaderboardTaskValue') },
        date: { type: 'string' },
        rank: { type: ['integer', 'null'], minimum: 1 },
        problems: { type: 'array', items: { type: 'string' } },
      },
    },
    LeaderboardReferenceRow: {
      type: 'object',
      required: ['name', 'status', 'score', 'scores', 'source', 'date', 'notes'],
      properties: {
        name: { type: 'string' },
        status: { const: 'reported' },
        score: { type: ['number', 'null'] },
        scores: { type: 'object', additionalProperties: { type: 'number' } },
        source: SOURCE,
        date: { type: ['string', 'null'] },
        notes: { type: ['string', 'null'] },
      },
    },
    Leaderboard: {
      type: 'object',
      required: ['id', 'name', 'description', 'metric', 'higher_is_better', 'display', 'tasks', 'dataset_commit', 'task', 'verified_only', 'rows', 'reference_rows'],
      properties: {
        id: { type: 'string', description: 'The benchmark dataset' },
        name: { type: 'string' },
        description: { type: 'string' },
        metric: { type: 'string' },
        higher_is_better: { type: 'boolean' },
        display: { type: 'string', enum: ['percent', 'number'] },
        tasks: { type: 'array', items: { type: 'object', required: ['id', 'name', 'config', 'split', 'metric'], properties: { id: { type: 'string' }, name: { type: 'string' }, config: { type: 'string' }, split: { type: 'string' }, metric: { type: 'string' } } } },
        dataset_commit: COMMIT,
        task: { type: ['string', 'null'] },
        verified_only: { type: 'boolean' },
        rows: { type: 'array', items: ref('LeaderboardRow'), description: 'Ranked rows first, best first; then older revisions and unrankable values' },
        reference_rows: { type: 'array', items: ref('LeaderboardReferenceRow') },
      },
    },
    LeaderboardSummary: {
      type: 'object',
      required: ['id', 'name', 'description', 'metric', 'higher_is_better', 'display', 'tasks', 'dataset_commit', 'models', 'leader', 'reference_rows', 'error'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        metric: { type: ['string', 'null'] },
        higher_is_better: { type: ['boolean', 'null'] },
        display: { type: ['string', 'null'] },
        tasks: { type: 'array', items: { type: 'string' } },
        dataset_commit: COMMIT,
        models: { type: 'integer', minimum: 0, description: 'Ranked rows the caller can see' },
        leader: { oneOf: [{ type: 'null' }, { type: 'object', required: ['model', 'commit', 'score', 'status'], properties: { model: { type: 'string' }, commit: COMMIT, score: { type: 'number' }, status: { type: 'string' } } }] },
        reference_rows: { type: 'integer', minimum: 0 },
        error: { oneOf: [{ type: 'null' }, { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } }], description: 'Why eval.yaml is not a valid benchmark (BENCHMARK_INVALID, BENCHMARK_SPLIT_NOT_FOUND, …)' },
        model_rows: { type: 'array', items: ref('LeaderboardRow'), description: 'With ?model=: that model’s rows here' },
      },
    },
  };
}

export function leaderboardPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  return {
    '/api/leaderboards': {
      get: {
        operationId: 'listLeaderboards',
        tags: ['evaluation'],
        summary: 'Every benchmark (a dataset with eval.yaml) the caller can read',
        description: 'With `model`, only the benchmarks that model has results on, each with the model’s rows and ranks. Private models count only for callers who can read them.',
        parameters: [{ name: 'model', in: 'query', required: false, description: 'A model id (namespace/name)', schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The benchmarks', content: json({ type: 'object', required: ['leaderboards'], properties: { leaderboards: { type: 'array', items: ref('LeaderboardSummary') } } }) },
          ...errorResponses(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN', 'HUB_REPO_NOT_FOUND']),
        },
      },
    },
    '/api/leaderboards/{namespace}/{name}': {
      get: {
        operationId: 'getLeaderboard',
        tags: ['evaluation'],
        summary: "One benchmark's leaderboard",
        description: 'Rows of model@commit with each task value, the aggregate (mean of task scores; a row only when every task has a result), verified or self-reported, date and job link, and the reference rows (human baseline, papers) marked reported.',
        parameters: [
          { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'verified', in: 'query', required: false, description: 'Only results computed by this server', schema: { type: 'boolean', default: false } },
          { name: 'task', in: 'query', required: false, description: 'Rank by one task instead of the aggregate', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'The leaderboard', content: json(ref('Leaderboard')) },
          ...errorResponses(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN', 'LEADERBOARD_NOT_FOUND', 'BENCHMARK_INVALID', 'BENCHMARK_SPLIT_NOT_FOUND']),
        },
      },
    },
  };
}
