// The OpenAPI 3.1 document of the serving API, generated from the task catalog: every task's input,
// parameters and output schema become components, and the pipeline route takes and returns any of
// them. The task schemas are draft-07; OpenAPI 3.1 speaks JSON Schema 2020-12, so tuples are rewritten.
import { readFileSync } from 'node:fs';
import { errorCatalog, type ErrorCode } from '../errors/catalog.js';
import { TASK_IDS, tasks } from '../tasks/catalog.js';
import type { TaskDefinition } from '../tasks/task-definition.js';
import { toJsonSchema, type JsonSchema } from '../tasks/to-json-schema.js';
import { hubPaths, hubSchemas } from './openapi-hub.js';
import { leaderboardPaths, leaderboardSchemas } from './openapi-leaderboards.js';
import { hfAddedPaths } from './openapi-hf-routes.js';
import { servingPaths, servingSchemas } from './openapi-serving.js';
import { tuningPaths, tuningSchemas } from './openapi-tuning.js';
import { evaluationPaths, evaluationSchemas } from './openapi-evaluation.js';

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, JsonSchema>; components: JsonSchema & { schemas: Record<string, JsonSchema> } };

/** Codes the pipeline route can answer with, grouped by status in the document. */
const PIPELINE_ERRORS: ErrorCode[] = [
  'BAD_REQUEST',
  'TASK_INPUT_INVALID',
  'BATCH_EMPTY',
  'IMAGE_DECODE_FAILED',
  'INPUT_FETCH_FAILED',
  'INPUT_FETCH_DISABLED',
  'AUDIO_DECODE_FAILED',
  'AUTH_INVALID_TOKEN',
  'HUB_REPO_NOT_FOUND',
  'HUB_REVISION_NOT_FOUND',
  'TASK_UNKNOWN',
  'BODY_TOO_LARGE',
  'INPUT_TOO_LONG',
  'IMAGE_TOO_LARGE',
  'DECODE_MEMORY_EXCEEDED',
  'DECODE_MEMORY_BUSY',
  'AUDIO_FORMAT_UNSUPPORTED',
  'TASK_MISMATCH',
  'MODEL_NOT_RUNNABLE',
  'MODEL_LOAD_FAILED',
  'QUEUE_FULL',
  'MODEL_INFERENCE_FAILED',
  'INTERNAL',
  'ENGINE_UNAVAILABLE',
  'MODEL_MEMORY_EXHAUSTED',
  'INFERENCE_TIMEOUT',
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, extra: JsonSchema = {}) => ({ 'application/json': { schema, ...extra } });

/** A draft-07 schema as JSON Schema 2020-12: no `$schema`, and tuples as `prefixItems`. */
export function toSchema2020(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSchema2020);
  if (typeof value !== 'object' || value === null) return value;
  const node: JsonSchema = {};
  const source = value as JsonSchema;
  for (const [key, child] of Object.entries(source)) {
    if (key === '$schema' || key === 'additionalItems') continue;
    if (key === 'items' && Array.isArray(child)) {
      node.prefixItems = toSchema2020(child);
      if ('additionalItems' in source) node.items = toSchema2020(source.additionalItems);
      continue;
    }
    node[key] = toSchema2020(child);
  }
  return node;
}

function schemaName(task: TaskDefinition, part: 'Input' | 'Parameters' | 'Output' | 'Request' | 'Response'): string {
  return `${task.id}.${part}`;
}

function taskSchemas(task: TaskDefinition): Record<string, JsonSchema> {
  const { input, parameters, output } = toJsonSchema(task);
  const common = { 'x-moda-task': task.id };
  return {
    [schemaName(task, 'Input')]: { ...(toSchema2020(input) as JsonSchema), ...common },
    [schemaName(task, 'Parameters')]: { ...(toSchema2020(parameters) as JsonSchema), ...common },
    [schemaName(task, 'Output')]: { ...(toSchema2020(output) as JsonSchema), ...common },
    [schemaName(task, 'Request')]: {
      title: `${task.title} request`,
      description: `${task.description} Send \`input\` for one, or \`inputs\` for a batch (the answer then has \`outputs\`, in order).`,
      ...common,
      type: 'object',
      properties: {
        input: ref(schemaName(task, 'Input')),
        inputs: { type: 'array', minItems: 1, items: ref(schemaName(task, 'Input')) },
        parameters: ref(schemaName(task, 'Parameters')),
        task: { const: task.id, description: 'The task to run; needed only when the model serves several' },
        revision: { type: 'string', minLength: 1, description: 'Branch, tag or commit to run (default: main)' },
      },
      oneOf: [{ required: ['input'] }, { required: ['inputs'] }],
    },
    [schemaName(task, 'Response')]: {
      title: `${task.title} response`,
      ...common,
      type: 'object',
      required: ['model', 'revision', 'task'],
      properties: {
        model: { type: 'string', description: 'owner/name of the model that ran' },
        revision: { type: 'string', pattern: '^[0-9a-f]{40}$', description: 'The commit that ran' },
        task: { const: task.id },
        output: ref(schemaName(task, 'Output')),
        outputs: { type: 'array', items: ref(schemaName(task, 'Output')) },
      },
      oneOf: [{ required: ['output'] }, { required: ['outputs'] }],
    },
  };
}

function exampleRequest(task: TaskDefinition): JsonSchema {
  return { input: task.example.input, ...(task.example.parameters !== undefined && { parameters: task.example.parameters }) };
}

function exampleResponse(task: TaskDefinition): JsonSchema {
  return { model: 'owner/name', revision: '0123456789abcdef0123456789abcdef01234567', task: task.id, output: task.example.output };
}

function errorResponses(codes: readonly ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = errorCatalog[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: group.map((code) => `\`${code}\`: ${errorCatalog[code].message}`).join('; '),
      content: json(ref('Error')),
    };
  }
  return responses;
}

const REQUEST_ID_HEADER = { 'x-request-id': { description: 'The id of this request, also in the server log lines about it', schema: { type: 'string' } } };

function pipelinePath(): JsonSchema {
  const examples = (make: (task: TaskDefinition) => JsonSchema) => Object.fromEntries(TASK_IDS.map((id) => [id, { summary: tasks[id].title, value: make(tasks[id]) }]));
  const raw = { schema: { type: 'string', contentEncoding: 'binary', description: 'The image or audio itself; parameters go in the `parameters` query value' } };
  return {
    post: {
      operationId: 'runPipeline',
      tags: ['inference'],
      summary: 'Run a model',
      description: 'Runs the model in `owner/name` on one input or a batch. The body follows the schema of the task the model serves; media are base64, a data: URI or a URL, or the raw body.',
      parameters: [
        { name: 'owner', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'task', in: 'query', schema: { enum: [...TASK_IDS] }, description: 'The task, when the body does not name it' },
        { name: 'revision', in: 'query', schema: { type: 'string' }, description: 'Branch, tag or commit, when the body does not name it' },
        { name: 'parameters', in: 'query', schema: { type: 'string' }, description: 'The parameters as JSON, for raw bodies' },
        { name: 'X-Request-Timeout', in: 'header', schema: { type: 'integer', minimum: 1, maximum: 3_600_000 }, description: 'Milliseconds the caller will wait; later answers become INFERENCE_TIMEOUT (504)' },
      ],
      requestBody: {
        required: true,
        content: {
          ...json(ref('PipelineRequest'), { examples: examples(exampleRequest) }),
          'image/*': raw,
          'audio/*': raw,
          'application/octet-stream': raw,
        },
      },
      responses: {
        '200': {
          description: "The answer in the task's output schema, with the commit that ran",
          headers: {
            ...REQUEST_ID_HEADER,
            'x-model-commit': { description: 'The commit that ran', schema: { type: 'string' } },
            'server-timing': { description: "`inference;dur=<ms>`: time in the model's queue and run", schema: { type: 'string' } },
          },
          content: json(ref('PipelineResponse'), { examples: examples(exampleResponse) }),
        },
        ...errorResponses(PIPELINE_ERRORS),
      },
    },
  };
}

function readPackageVersion(): string {
  try {
    // src/server/ and dist/server/ are both two folders below the package root.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function buildOpenApiDocument(): OpenApiDocument {
  const taskComponents = Object.assign({}, ...TASK_IDS.map((id) => taskSchemas(tasks[id]))) as Record<string, JsonSchema>;
  const schemas: Record<string, JsonSchema> = {
    Error: {
      type: 'object',
      required: ['error', 'code', 'retryable'],
      properties: {
        error: { type: 'string', description: 'What went wrong, in words' },
        code: { enum: Object.keys(errorCatalog), description: 'Stable error code' },
        retryable: { type: 'boolean', description: 'Whether retrying the same request can succeed (then Retry-After may say when)' },
      },
    },
    PipelineRequest: { description: "One of the tasks' request bodies; the model's task decides which", anyOf: TASK_IDS.map((id) => ref(`${id}.Request`)) },
    PipelineResponse: { oneOf: TASK_IDS.map((id) => ref(`${id}.Response`)) },
    TaskSummary: {
      type: 'object',
      required: ['id', 'modality', 'title', 'titleZh', 'description'],
      properties: {
        id: { enum: [...TASK_IDS] },
        modality: { enum: ['nlp', 'vision', 'audio', 'multimodal'] },
        title: { type: 'string' },
        titleZh: { type: 'string' },
        description: { type: 'string' },
      },
    },
    TaskDetail: {
      allOf: [ref('TaskSummary')],
      type: 'object',
      required: ['input', 'parameters', 'output', 'example'],
      properties: {
        input: { type: 'object', description: 'JSON Schema (draft-07) of one input' },
        parameters: { type: 'object', description: 'JSON Schema (draft-07) of the parameters' },
        output: { type: 'object', description: 'JSON Schema (draft-07) of the answer to one input' },
        example: { type: 'object', required: ['input', 'output'], properties: { input: {}, parameters: { type: 'object' }, output: {} } },
      },
    },
    Readiness: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { enum: ['ready', 'waiting'] },
        waiting: { type: 'array', items: { type: 'string' }, description: 'What the server still waits for (503 only)' },
      },
    },
    ...taskComponents,
  };
  const text = (description: string, contentType = 'text/plain') => ({ description, content: { [contentType]: { schema: { type: 'string' } } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Moda serving API',
      version: readPackageVersion(),
      description: 'Runs hub models on inputs in the schema of their task. Errors are `{error, code, retryable}` with the HTTP status of the code (ModelScope routes answer in its envelope).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'inference', description: 'Running models' },
      { name: 'tasks', description: 'The task catalog: what each task takes and returns' },
      { name: 'operations', description: 'Health, readiness, metrics and this document' },
      { name: 'deployments', description: 'Models pinned to a commit and kept loaded' },
      { name: 'openai', description: 'The OpenAI-compatible face' },
      { name: 'hub', description: 'Hub reads and checks Moda adds beside the Hugging Face API' },
      { name: 'modelscope', description: 'ModelScope API calls Moda adds to those the SDK already documents' },
      { name: 'evaluation', description: 'Evaluation jobs, their predictions, the results models state, and leaderboards' },
      { name: 'tuning', description: 'Training models from datasets as jobs' },
    ],
    components: {
      schemas: { ...schemas, ...servingSchemas(), ...hubSchemas(), ...leaderboardSchemas(), ...evaluationSchemas(), ...tuningSchemas() },
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer', description: 'A Moda access token; anonymous callers reach public models only' },
        modelScopeSession: { type: 'apiKey', in: 'cookie', name: 'm_session_id', description: 'The session cookie ModelScope clients get from `POST /api/v1/login`' },
      },
    },
    security: [{}, { token: [] }],
    paths: {
      '/api/v1/models/{owner}/{name}/pipeline': pipelinePath(),
      ...servingPaths(errorResponses),
      ...hubPaths(errorResponses),
      ...evaluationPaths(errorResponses),
      ...leaderboardPaths(errorResponses),
      ...tuningPaths(errorResponses),
      ...hfAddedPaths(errorResponses),
      '/api/tasks': {
        get: {
          operationId: 'listTasks',
          tags: ['tasks'],
          summary: 'List the tasks',
          responses: { '200': { description: 'Every task Moda knows', content: json({ type: 'object', required: ['tasks'], properties: { tasks: { type: 'array', items: ref('TaskSummary') } } }) } },
        },
      },
      '/api/tasks/{task}': {
        get: {
          operationId: 'getTask',
          tags: ['tasks'],
          summary: "A task's schemas and example",
          parameters: [{ name: 'task', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The task', content: json(ref('TaskDetail')) }, ...errorResponses(['TASK_UNKNOWN']) },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          tags: ['operations'],
          summary: 'Liveness: the process answers',
          security: [{}],
          responses: { '200': { description: 'Alive', content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) } },
        },
      },
      '/livez': {
        get: {
          operationId: 'liveness',
          tags: ['operations'],
          summary: 'Liveness: the process answers (also while it starts or drains); a Kubernetes livenessProbe',
          security: [{}],
          responses: { '200': { description: 'Alive', content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          tags: ['operations'],
          summary: 'Readiness: start-up done, every required deployment loaded, and not draining after SIGTERM',
          security: [{}],
          responses: {
            '200': { description: 'Ready for traffic', content: json(ref('Readiness'), { example: { status: 'ready' } }) },
            '503': { description: 'Not ready yet; `waiting` says for what', content: json(ref('Readiness'), { example: { status: 'waiting', waiting: ['deployment sentiment'] } }) },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format 0.0.4)',
          security: [{}],
          responses: { '200': text('HTTP and inference counters and histograms, model cache gauges, process metrics') },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openApiDocument', tags: ['operations'], summary: 'This document', security: [{}], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
      },
      '/docs': {
        get: { operationId: 'apiDocs', tags: ['operations'], summary: 'This document as a web page', security: [{}], responses: { '200': text('HTML', 'text/html') } },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text; it depends only on the code, so it is built once. */
export function openApiJson(): string {
  cached ??= JSON.stringify(buildOpenApiDocument());
  return cached;
}

/** A fresh copy of the document. */
export function openApiDocument(): OpenApiDocument {
  return JSON.parse(openApiJson()) as OpenApiDocument;
}
