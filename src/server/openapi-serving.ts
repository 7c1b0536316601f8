// The OpenAPI paths of the serving routes beside the native pipeline: deployments, the Hugging Face
// inference shape and the OpenAI-compatible face. Their bodies belong to those protocols (the
// OpenAI ones are documented by OpenAI), so the schemas here name the fields Moda reads.
import type { ErrorCode } from '../errors/catalog.js';

type JsonSchema = Record<string, unknown>;
type ErrorResponses = (codes: readonly ErrorCode[]) => Record<string, JsonSchema>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

export function servingSchemas(): Record<string, JsonSchema> {
  const batching = {
    type: 'object',
    properties: {
      max_batch_size: { oneOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }], description: '`auto`: measured at load time' },
      max_queue_delay_ms: { type: 'number', minimum: 0, maximum: 10_000 },
      max_queue: { type: 'integer', minimum: 1 },
    },
  };
  const maxConcurrency = {
    oneOf: [{ type: 'integer', minimum: 1, maximum: 16 }, { const: 'auto' }],
    description: 'Model instances running batches at once; `auto`: the server chooses (one per core for single-threaded engines)',
  };
  const keepAlive = {
    oneOf: [{ const: 'forever' }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)?$' }, { type: 'number' }],
    description: 'Idle time before the model is unloaded (Ollama\'s keep_alive): `forever` (default), a duration such as `30s`, `10m`, `1h` (up to a year), or seconds (negative = forever). An unloaded deployment is `idle` and loads again on its next request.',
  };
  return {
    DeploymentRequest: {
      type: 'object',
      required: ['model'],
      properties: {
        model: { type: 'string', description: 'owner/name' },
        name: { type: 'string' },
        revision: { type: 'string' },
        task: { type: 'string' },
        batching,
        required: { type: 'boolean', description: '/readyz waits for it; site admins only' },
        default: { type: 'boolean', description: 'Serves the model\'s own routes for requests that name no revision (default true); false only keeps the commit loaded' },
        max_concurrency: maxConcurrency,
        keep_alive: keepAlive,
      },
    },
    DeploymentUpdate: {
      type: 'object',
      properties: {
        revision: { type: 'string', description: 'Pin this revision and reload' },
        redeploy: { type: 'boolean', description: 'Pin the revision again and reload' },
        required: { type: 'boolean', description: 'Site admins only' },
        default: { type: 'boolean', description: 'Serves the model\'s own routes' },
        batching,
        max_concurrency: { ...maxConcurrency, description: 'Scales the loaded model while it serves' },
        keep_alive: keepAlive,
      },
    },
    Deployment: {
      type: 'object',
      required: ['name', 'model', 'revision', 'commit', 'task', 'state', 'batching', 'required', 'max_concurrency', 'keep_alive', 'endpoint'],
      properties: {
        name: { type: 'string' },
        model: { type: 'string' },
        revision: { type: 'string' },
        commit: { type: 'string', description: 'The pinned commit' },
        task: { type: 'string' },
        state: { enum: ['loading', 'ready', 'idle', 'failed'], description: '`idle`: unloaded after its keep_alive; the next request loads it again' },
        batching: { type: 'object' },
        calibration: { type: 'object', description: 'Measured items per second by batch size' },
        required: { type: 'boolean' },
        default: { type: 'boolean', description: 'Whether it answers the model\'s own routes' },
        max_concurrency: maxConcurrency,
        keep_alive: { type: 'string', description: '`forever`, or the idle time before the model is unloaded, in seconds (`300s`)' },
        expires_at: { type: 'string', description: 'ISO 8601 time when the model is unloaded unless a request comes first (finite keep_alive, loaded now)' },
        instances: { type: 'integer', minimum: 1, description: 'Instances loaded now; absent while the model is not loaded' },
        memory_bytes: { type: 'integer' },
        llm: {
          type: 'object',
          description: 'GGUF models, while loaded: the quantisation served, sequences (in use now, and requests queued beyond them) and the KV cache bytes they hold',
          properties: { quant: { type: 'string' }, file: { type: 'string' }, sequences: { type: 'integer' }, sequences_in_use: { type: 'integer' }, queued: { type: 'integer' }, context_length: { type: 'integer' }, kv_cache_bytes: { type: 'integer' } },
        },
        endpoint: { type: 'string' },
      },
    },
  };
}

export function servingPaths(errorResponses: ErrorResponses): Record<string, JsonSchema> {
  const ndjson = { 'application/x-ndjson': { schema: { type: 'string', description: 'One JSON progress event per line: resolving, materializing, loading, calibrating, then ready (with the deployment) or error' } } };
  const openAi = (operationId: string, summary: string) => ({
    post: {
      operationId,
      tags: ['openai'],
      summary,
      description: 'OpenAI-compatible; use the official `openai` client with `baseURL: <server>/v1` and a Moda token as the API key. Errors use the OpenAI envelope `{error: {message, type, param, code}}`.',
      requestBody: { required: true, content: json({ type: 'object', required: ['model'], properties: { model: { type: 'string', description: 'owner/name' } } }) },
      responses: { '200': { description: 'As OpenAI answers (SSE `text/event-stream` with `stream: true`)', content: json({ type: 'object' }) }, ...errorResponses(['TASK_INPUT_INVALID', 'HUB_REPO_NOT_FOUND', 'TASK_MISMATCH']) },
    },
  });
  return {
    '/api/v1/deployments': {
      get: { operationId: 'listDeployments', tags: ['deployments'], summary: 'Deployments of models the caller can read', responses: { '200': { description: 'The deployments', content: json({ type: 'object', properties: { deployments: { type: 'array', items: ref('Deployment') } } }) } } },
      post: {
        operationId: 'createDeployment',
        tags: ['deployments'],
        summary: 'Pin a model at a commit, load it and measure its batch size',
        requestBody: { required: true, content: json(ref('DeploymentRequest')) },
        responses: { '201': { description: 'Loaded and ready (or NDJSON progress with `Accept: application/x-ndjson`)', content: { ...json(ref('Deployment')), ...ndjson } }, ...errorResponses(['VALIDATION_FAILED', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN', 'HUB_REPO_NOT_FOUND', 'HUB_NAME_TAKEN', 'TASK_MISMATCH', 'MODEL_LOAD_FAILED', 'MODEL_MEMORY_EXHAUSTED']) },
      },
    },
    '/api/v1/deployments/{name}': {
      get: { operationId: 'getDeployment', parameters: [pathParameter('name')], tags: ['deployments'], summary: 'One deployment', responses: { '200': { description: 'The deployment', content: json(ref('Deployment')) }, ...errorResponses(['NOT_FOUND']) } },
      patch: {
        operationId: 'updateDeployment',
        parameters: [pathParameter('name')],
        tags: ['deployments'],
        summary: 'New batching settings or max_concurrency, or a new revision / `redeploy: true` to pin again and reload',
        requestBody: { required: true, content: json(ref('DeploymentUpdate')) },
        responses: { '200': { description: 'The deployment', content: { ...json(ref('Deployment')), ...ndjson } }, ...errorResponses(['VALIDATION_FAILED', 'AUTH_FORBIDDEN', 'NOT_FOUND']) },
      },
      delete: { operationId: 'deleteDeployment', parameters: [pathParameter('name')], tags: ['deployments'], summary: 'Remove a deployment (its model is unloaded)', responses: { '204': { description: 'Removed' }, ...errorResponses(['AUTH_FORBIDDEN', 'NOT_FOUND']) } },
    },
    '/models/{owner}/{name}': {
      post: {
        operationId: 'runHfInference',
        parameters: [pathParameter('owner'), pathParameter('name')],
        tags: ['inference'],
        summary: 'Hugging Face inference API shape (`endpointUrl` of @huggingface/inference)',
        description: '`{inputs, parameters}` as JSON, or the raw image/audio body; the answer has the shape the Hugging Face Inference API gives for the task.',
        requestBody: { required: true, content: { ...json({ type: 'object', required: ['inputs'], properties: { inputs: {}, parameters: { type: 'object' } } }), 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } } },
        responses: { '200': { description: 'Task-shaped answer', content: json({}) }, ...errorResponses(['TASK_INPUT_INVALID', 'HUB_REPO_NOT_FOUND', 'TASK_MISMATCH', 'QUEUE_FULL', 'MODEL_MEMORY_EXHAUSTED']) },
      },
    },
    '/v1/models': { get: { operationId: 'openAiListModels', tags: ['openai'], summary: 'Models with an OpenAI endpoint (text generation, embeddings)', responses: { '200': { description: '`{object: "list", data: [{id, object, created, owned_by}]}`', content: json({ type: 'object' }) } } } },
    '/v1/embeddings': openAi('openAiEmbeddings', 'Embeddings from a feature-extraction model'),
    '/v1/chat/completions': openAi('openAiChatCompletions', 'Chat completions from a text-generation model, streamed with `stream: true`'),
    '/v1/completions': openAi('openAiCompletions', 'Text completions from a text-generation model'),
  };
}
