// Observability of a real server: exact Prometheus counts for the inference calls the test makes,
// readiness with and without a check, request ids in headers and in JSON log lines, the OpenAPI
// document (refs resolve, every task is there, examples and real answers validate) and /docs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, Script } from 'node:vm';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { setReadinessCheck } from '../src/protocols/moda/observability-routes.js';
import { openApiDocument } from '../src/server/openapi.js';
import { TASK_IDS, tasks } from '../src/tasks/catalog.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { solidColorPng, tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { freePort } from './helpers/crash/moda-process.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const PIPELINE_ROUTE = '/api/v1/models/:owner/:name/pipeline';
let server: TestServer;
const sentiment = tinyTextClassifier();
const colours = tinyImageClassifier();
/** Real answers of the server, validated against the OpenAPI document later. */
const answers: unknown[] = [];

async function publish(target: { url: string }, name: string, files: ModelFile[]): Promise<void> {
  const created = await fetch(`${target.url}/api/repos/create`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: target.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

function infer(repo: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = (pair[2] ?? '').replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(target: TestServer = server): Promise<(name: string, labels?: Record<string, string>) => number | undefined> {
  const response = await target.request('/metrics', { token: null });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = parseExposition(await response.text());
  return (name, labels = {}) => {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    return samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
  };
}

before(async () => {
  server = await startTestServer({ maxBatchSize: 4 });
  await publish(server, 'sentiment', sentiment.files);
  await publish(server, 'colours', colours.files);
});

after(() => server.stop());

void test('inference metrics count every call exactly, by model, task and status', async () => {
  const head = ((await (await server.request('/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
  for (const body of [{ input: 'great movie' }, { inputs: ['awful', 'good good'] }, { input: 'fine' }]) {
    const response = await infer('admin/sentiment', body);
    assert.equal(response.status, 200, await response.clone().text());
    answers.push(await response.json());
  }
  assert.equal((await infer('admin/sentiment', { input: 42 })).status, 400, 'fails validation after the model is found');
  assert.equal((await infer('admin/nope', { input: 'x' })).status, 404, 'no model: counted only as an HTTP request');
  assert.equal((await server.request('/no/such/route')).status, 404);

  const metric = await scrape();
  const model = { model: 'admin/sentiment' };
  const modelTask = { ...model, task: 'text-classification' };
  assert.equal(metric('moda_inference_requests_total', { ...modelTask, status: '200' }), 3);
  assert.equal(metric('moda_inference_requests_total', { ...modelTask, status: '400' }), 1);
  assert.equal(metric('moda_inference_requests_total', { model: 'admin/nope', task: 'text-classification', status: '404' }), undefined);
  // Only calls that reached the model ran: the 400 failed before its queue.
  assert.equal(metric('moda_inference_duration_seconds_count', modelTask), 3);
  assert.ok((metric('moda_inference_duration_seconds_sum', modelTask) ?? 0) > 0);
  // One request at a time: batches of 1, 2 and 1 inputs.
  assert.equal(metric('moda_inference_batch_size_count', model), 3);
  assert.equal(metric('moda_inference_batch_size_sum', model), 4);
  assert.equal(metric('moda_inference_batch_size_bucket', { ...model, le: '1' }), 2);
  assert.equal(metric('moda_inference_batch_size_bucket', { ...model, le: '2' }), 3);
  assert.equal(metric('moda_models_loaded'), 1);
  assert.ok((metric('moda_model_memory_bytes', model) ?? 0) > 0);
  assert.equal(metric('moda_inference_queue_depth', model), 0);
  assert.equal(metric('moda_model_load_seconds_count', model), 1);
  // Each of those requests had the model to itself: with more than one core it ran on the session over all of them.
  assert.equal(metric('moda_model_solo_batches_total', model), availableParallelism() > 1 ? 3 : undefined);
  assert.equal(metric('moda_model_info', { ...modelTask, commit: head, pinned: 'false' }), 1);
  // HTTP by route pattern, never the raw URL.
  assert.equal(metric('moda_http_requests_total', { method: 'POST', route: PIPELINE_ROUTE, status: '200' }), 3);
  assert.equal(metric('moda_http_requests_total', { method: 'POST', route: PIPELINE_ROUTE, status: '400' }), 1);
  assert.equal(metric('moda_http_requests_total', { method: 'POST', route: PIPELINE_ROUTE, status: '404' }), 1);
  assert.equal(metric('moda_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
  assert.equal(metric('moda_http_request_duration_seconds_count', { method: 'POST', route: PIPELINE_ROUTE }), 5);
  assert.ok((metric('process_cpu_user_seconds_total') ?? 0) > 0, 'process default metrics');
  assert.ok((metric('nodejs_heap_size_used_bytes') ?? 0) > 0);

  // Concurrent requests share batches: whatever the split, the batch sizes add up to the inputs.
  const texts = Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? 'good' : 'bad'));
  const statuses = await Promise.all(texts.map(async (text) => (await infer('admin/sentiment', { input: text })).status));
  assert.deepEqual(new Set(statuses), new Set([200]));
  const later = await scrape();
  assert.equal(later('moda_inference_requests_total', { ...modelTask, status: '200' }), 15);
  assert.equal(later('moda_inference_duration_seconds_count', modelTask), 15);
  assert.equal(later('moda_inference_batch_size_sum', model), 16);
  const batches = (later('moda_inference_batch_size_count', model) ?? 0) - 3;
  assert.ok(batches >= 3 && batches <= 12, `12 inputs in ${batches} batches of at most 4`);
  assert.equal(later('moda_inference_queue_depth', model), 0);
});

void test('a run that fails in the model counts with its status; a second server has its own registry', async () => {
  const bad = await infer('admin/colours', { input: 'AAAA' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'IMAGE_DECODE_FAILED');
  const red = await infer('admin/colours', { input: (await solidColorPng([230, 20, 20])).toString('base64') });
  assert.equal(red.status, 200);
  answers.push(await red.json());
  const metric = await scrape();
  const modelTask = { model: 'admin/colours', task: 'image-classification' };
  assert.equal(metric('moda_inference_requests_total', { ...modelTask, status: '400' }), 1);
  assert.equal(metric('moda_inference_requests_total', { ...modelTask, status: '200' }), 1);
  assert.equal(metric('moda_inference_duration_seconds_count', modelTask), 2, 'failed runs are timed too');
  assert.equal(metric('moda_models_loaded'), 2);

  const other = await startTestServer();
  try {
    const fresh = await scrape(other);
    assert.equal(fresh('moda_models_loaded'), 0);
    assert.equal(fresh('moda_inference_requests_total', { ...modelTask, status: '400' }), undefined);
  } finally {
    await other.stop();
  }
});

void test('/readyz: ready after start-up, 503 with what is missing while a check says so', async () => {
  const ready = await server.request('/readyz', { token: null });
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
  setReadinessCheck(server.app, () => ({ ready: false, waiting: ['deployment admin/sentiment'] }));
  const waiting = await server.request('/readyz', { token: null });
  assert.equal(waiting.status, 503);
  assert.deepEqual(await waiting.json(), { status: 'waiting', waiting: ['deployment admin/sentiment'] });
  setReadinessCheck(server.app, async () => ({ ready: true, waiting: [] }));
  assert.equal((await server.request('/readyz')).status, 200);
});

void test('every response carries a unique request id; a caller-supplied one is kept', async () => {
  const responses = await Promise.all([
    ...Array.from({ length: 16 }, () => server.request('/healthz', { token: null })),
    server.request('/no/such/route'),
    infer('admin/sentiment', { input: 42 }),
    server.request('/metrics'),
  ]);
  const ids = responses.map((response) => response.headers.get('x-request-id') ?? '');
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, ids.length);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  const traced = await infer('admin/sentiment', { input: 'good' }, { 'x-request-id': 'trace-1234' });
  assert.equal(traced.headers.get('x-request-id'), 'trace-1234');
});

/** Every `$ref` in the document, with where it was found. */
function refsOf(value: unknown, path = '#'): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((child, index) => refsOf(child, `${path}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === '$ref' ? [{ ref: String(child), at: path }] : refsOf(child, `${path}/${key}`)));
}

function pointer(document: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

void test('/openapi.json: OpenAPI 3.1 whose refs resolve, with every task, and examples and real answers that validate', async () => {
  const response = await server.request('/openapi.json', { token: null });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const document = (await response.json()) as ReturnType<typeof openApiDocument>;
  assert.deepEqual(document, openApiDocument());
  assert.equal(document.openapi, '3.1.0');
  assert.ok(typeof (document.info as { version?: unknown }).version === 'string');
  for (const path of ['/api/v1/models/{owner}/{name}/pipeline', '/api/tasks', '/api/tasks/{task}', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) assert.ok(document.paths[path], path);
  const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  for (const operation of [
    'POST /api/v1/deployments',
    'PATCH /api/v1/deployments/{name}',
    'POST /api/blobs/stored',
    'GET /api/models/{namespace}/{name}/commit/{revision}',
    'GET /api/datasets/{namespace}/{name}/commit/{revision}',
    'POST /api/v1/datasets',
  ]) {
    assert.ok(operations.includes(operation), operation);
  }

  const refs = refsOf(document);
  assert.ok(refs.length > TASK_IDS.length * 5);
  for (const { ref, at } of refs) {
    assert.match(ref, /^#\/components\/schemas\/[\w.-]+$/, at);
    assert.ok(pointer(document, ref) !== undefined, `${ref} at ${at} does not resolve`);
  }
  const operationIds: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, { operationId: string; responses: Record<string, { description: string }> }>)) {
      assert.ok(['get', 'post', 'patch', 'delete'].includes(method), `${method} ${path}`);
      operationIds.push(operation.operationId);
      assert.ok(Object.keys(operation.responses).length > 0);
      for (const [status, answer] of Object.entries(operation.responses)) {
        assert.match(status, /^[1-5]\d\d$/);
        assert.ok(answer.description.length > 0);
      }
      for (const parameter of [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1])) {
        assert.ok((operation as unknown as { parameters: { name: string; in: string; required: boolean }[] }).parameters.some((entry) => entry.name === parameter && entry.in === 'path' && entry.required), `${path} declares {${parameter}}`);
      }
    }
  }
  assert.equal(new Set(operationIds).size, operationIds.length, 'operationIds are unique');

  const schemas = document.components.schemas;
  const pipelineRequest = schemas.PipelineRequest as { anyOf: { $ref: string }[] };
  assert.deepEqual(pipelineRequest.anyOf.map((entry) => entry.$ref), TASK_IDS.map((id) => `#/components/schemas/${id}.Request`));
  for (const id of TASK_IDS) for (const part of ['Input', 'Parameters', 'Output', 'Request', 'Response']) assert.ok(schemas[`${id}.${part}`], `${id}.${part}`);

  // The schemas compile as JSON Schema 2020-12 (OpenAPI 3.1's dialect) with unknown keywords refused.
  const ajv = new Ajv2020({ strictSchema: true, strictTypes: false, strictTuples: false, allErrors: true });
  for (const keyword of ['x-media', 'x-moda-task', 'components', 'paths']) ajv.addKeyword(keyword);
  ajv.addSchema({ $id: 'moda-openapi', components: document.components, paths: document.paths });
  const validator = (name: string) => {
    const validate = ajv.getSchema(`moda-openapi#/components/schemas/${name}`);
    assert.ok(validate, name);
    return (value: unknown, what: string) => assert.ok(validate(value), `${what} against ${name}: ${ajv.errorsText(validate.errors)}`);
  };
  for (const name of Object.keys(schemas)) validator(name);
  const pipeline = (document.paths['/api/v1/models/{owner}/{name}/pipeline'] as { post: { requestBody: { content: Record<string, { examples: Record<string, { value: unknown }> }> }; responses: Record<string, { content: Record<string, { examples: Record<string, { value: unknown }> }> }> } }).post;
  const requestExamples = pipeline.requestBody.content['application/json']?.examples ?? {};
  const responseExamples = pipeline.responses['200']?.content['application/json']?.examples ?? {};
  assert.deepEqual(Object.keys(requestExamples), [...TASK_IDS]);
  assert.deepEqual(Object.keys(responseExamples), [...TASK_IDS]);
  for (const id of TASK_IDS) {
    assert.deepEqual(requestExamples[id]?.value, { input: tasks[id].example.input, ...(tasks[id].example.parameters && { parameters: tasks[id].example.parameters }) });
    validator(`${id}.Request`)(requestExamples[id]?.value, `${id} example request`);
    validator('PipelineRequest')(requestExamples[id]?.value, `${id} example request`);
    validator(`${id}.Response`)(responseExamples[id]?.value, `${id} example response`);
    validator('PipelineResponse')(responseExamples[id]?.value, `${id} example response`);
    validator(`${id}.Output`)(tasks[id].example.output, `${id} example output`);
  }
  validator('PipelineRequest')({ inputs: ['a', 'b'], parameters: { top_k: 1 } }, 'a batch');
  const bad = ajv.getSchema('moda-openapi#/components/schemas/text-classification.Request');
  assert.equal(bad?.({ input: 'x', parameters: { top_k: 'many' } }), false);
  assert.equal(bad?.({ parameters: {} }), false, 'input or inputs is required');
  assert.ok(answers.length >= 4);
  for (const answer of answers) validator('PipelineResponse')(answer, `the server's answer ${JSON.stringify(answer).slice(0, 80)}`);
  const taskList = await (await server.request('/api/tasks')).json();
  const listSchema = ajv.compile({ $ref: 'moda-openapi#/paths/~1api~1tasks/get/responses/200/content/application~1json/schema' });
  assert.ok(listSchema(taskList), `GET /api/tasks: ${ajv.errorsText(listSchema.errors)}`);
  validator('TaskDetail')(await (await server.request('/api/tasks/object-detection')).json(), 'GET /api/tasks/object-detection');

  // The routes beside the pipeline: real answers, good and bad, match what their entries promise.
  const answerValidator = (path: string, method: string, status: number) => {
    const segments = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema'].map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'));
    assert.ok(pointer(document, `#/${segments.join('/')}`), `${method} ${path} documents a JSON ${status}`);
    // A $ref into the added document, so the schema's own refs resolve against it ({ } percent-encoded in the URI).
    const validate = ajv.compile({ $ref: `moda-openapi#/${segments.map(encodeURIComponent).join('/')}` });
    return async (answer: Response, what: string) => {
      assert.equal(answer.status, status, what);
      const body: unknown = await answer.json();
      assert.ok(validate(body), `${what}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 200)}`);
    };
  };
  const post = (path: string, body: unknown, method = 'POST') => server.request(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const deployment = validator('DeploymentRequest');
  for (const value of [1, 16, 'auto']) deployment({ model: 'admin/sentiment', max_concurrency: value }, `max_concurrency ${value}`);
  const update = ajv.getSchema('moda-openapi#/components/schemas/DeploymentUpdate');
  for (const value of [0, 17, 1.5, 'many']) {
    assert.equal(ajv.getSchema('moda-openapi#/components/schemas/DeploymentRequest')?.({ model: 'admin/sentiment', max_concurrency: value }), false, `max_concurrency ${value}`);
    assert.equal(update?.({ max_concurrency: value }), false, `PATCH max_concurrency ${value}`);
  }
  const created = await post('/api/v1/deployments', { model: 'admin/sentiment', name: 'documented', max_concurrency: 2, batching: { max_batch_size: 2 } });
  assert.equal(created.status, 201, await created.clone().text());
  validator('Deployment')(await created.json(), 'POST /api/v1/deployments');
  const scaled = (await (await post('/api/v1/deployments/documented', { max_concurrency: 1 }, 'PATCH')).json()) as { max_concurrency: unknown; instances: unknown };
  validator('Deployment')(scaled, 'PATCH /api/v1/deployments/documented');
  assert.deepEqual([scaled.max_concurrency, scaled.instances], [1, 1]);
  await answerValidator('/api/v1/deployments/{name}', 'patch', 400)(await post('/api/v1/deployments/documented', { max_concurrency: 17 }, 'PATCH'), 'PATCH max_concurrency 17');
  assert.equal((await server.request('/api/v1/deployments/documented', { method: 'DELETE' })).status, 204);

  const onnx = sentiment.files.find((file) => file.path === 'onnx/model.onnx');
  assert.ok(onnx);
  const stored = { oid: createHash('sha256').update(onnx.content).digest('hex'), size: onnx.content.length };
  const storedAnswer = await post('/api/blobs/stored', { objects: [stored, { oid: '0'.repeat(64), size: 1 }] });
  await answerValidator('/api/blobs/stored', 'post', 200)(storedAnswer.clone(), 'POST /api/blobs/stored');
  assert.deepEqual(await storedAnswer.json(), { objects: [{ ...stored, stored: true }, { oid: '0'.repeat(64), size: 1, stored: false }] });
  await answerValidator('/api/blobs/stored', 'post', 400)(await post('/api/blobs/stored', { objects: [{ oid: 'abc', size: 1 }] }), 'a bad oid');
  await answerValidator('/api/blobs/stored', 'post', 401)(await server.request('/api/blobs/stored', { method: 'POST', token: null, headers: { 'content-type': 'application/json' }, body: '{"objects":[]}' }), 'anonymous');

  const commitPath = '/api/models/{namespace}/{name}/commit/{revision}';
  const commit = await server.request('/api/models/admin/sentiment/commit/main');
  assert.match(commit.headers.get('x-repo-commit') ?? '', /^[0-9a-f]{40}$/);
  await answerValidator(commitPath, 'get', 200)(commit, 'GET …/commit/main');
  await answerValidator(commitPath, 'get', 404)(await server.request('/api/models/admin/sentiment/commit/no-such-branch'), 'an unknown revision');
  await answerValidator('/api/datasets/{namespace}/{name}/commit/{revision}', 'get', 404)(await server.request('/api/datasets/admin/sentiment/commit/main'), 'no such dataset');

  const createDataset = answerValidator('/api/v1/datasets', 'post', 200);
  await createDataset(await post('/api/v1/datasets', { Name: 'documented', Owner: 'admin', Visibility: 5, License: 'MIT' }), 'POST /api/v1/datasets');
  validator('ModelScopeCreateDatasetRequest')({ Name: 'documented', Owner: 'admin', Visibility: '5' }, 'a form');
  await answerValidator('/api/v1/datasets', 'post', 409)(await post('/api/v1/datasets', { Name: 'documented', Owner: 'admin', Visibility: 5 }), 'the same dataset again');
  await answerValidator('/api/v1/datasets', 'post', 400)(await post('/api/v1/datasets', { Name: 'other', Owner: 'admin' }), 'no Visibility');
});

void test('/docs: one self-contained HTML page that loads nothing from elsewhere', async () => {
  const response = await server.request('/docs', { token: null });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL');
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\/\//, 'no protocol-relative URL');
  assert.doesNotMatch(html, /<(?:link|img|iframe)\b|<script\b[^>]*\bsrc=|@import|url\(/i, 'nothing loaded but the page itself');
  assert.match(html, /fetch\('openapi\.json'/);
  // The inline script compiles, and the Content-Security-Policy allows exactly it.
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  assert.doesNotThrow(() => new Script(script));
  const policy = response.headers.get('content-security-policy') ?? '';
  assert.match(policy, /default-src 'none'/);
  assert.ok(policy.includes(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`), policy);
  assert.match(policy, /connect-src 'self'/);

  // Rendered against a minimal DOM: every endpoint and every task, with its parameters and example.
  class FakeNode {
    children: (FakeNode | string)[] = [];
    attributes: Record<string, string> = {};
    constructor(readonly tag: string) {}
    setAttribute(name: string, value: string) {
      this.attributes[name] = value;
    }
    append(...nodes: (FakeNode | string)[]) {
      this.children.push(...nodes);
    }
    replaceChildren(...nodes: (FakeNode | string)[]) {
      this.children = nodes;
    }
    get textContent(): string {
      return this.children.map((child) => (typeof child === 'string' ? child : child.textContent)).join(' ');
    }
    set textContent(text: string) {
      this.children = [text];
    }
    find(predicate: (node: FakeNode) => boolean): FakeNode[] {
      return [...(predicate(this) ? [this] : []), ...this.children.flatMap((child) => (typeof child === 'string' ? [] : child.find(predicate)))];
    }
  }
  const page = { title: new FakeNode('h1'), subtitle: new FakeNode('div'), nav: new FakeNode('nav'), content: new FakeNode('div') };
  const served = (await (await server.request('/openapi.json')).json()) as { paths: Record<string, object> };
  const context = createContext({
    Node: FakeNode,
    document: { createElement: (tag: string) => new FakeNode(tag), getElementById: (id: keyof typeof page) => page[id] },
    fetch: async (url: string) => (url === 'openapi.json' ? { ok: true, status: 200, json: async () => served } : { ok: false, status: 404 }),
  });
  new Script(script).runInContext(context);
  await (new Script('render()').runInContext(context) as Promise<void>);
  assert.match(page.title.textContent, /^Moda serving API \d+\.\d+\.\d+$/);
  const text = page.content.textContent;
  assert.doesNotMatch(text, /Could not load/);
  assert.match(text, /POST +\/api\/v1\/models\/\{owner\}\/\{name\}\/pipeline/);
  const taskCards = page.content.find((node) => node.attributes.id?.startsWith('task-') ?? false);
  assert.deepEqual(taskCards.map((node) => node.attributes.id), TASK_IDS.map((id) => `task-${id}`));
  const classification = taskCards[0]?.textContent ?? '';
  assert.match(classification, /top_k +integer/);
  assert.ok(classification.includes(JSON.stringify(tasks['text-classification'].example.input)));
  assert.equal(page.nav.find((node) => node.tag === 'a').length, Object.values(served.paths).flatMap((item) => Object.keys(item)).length + TASK_IDS.length);
});

void test('JSON log lines of an inference carry its request id', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-observability-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MODA_')) env[key] = value;
  Object.assign(env, { MODA_HOME: home, MODA_ADMIN_TOKEN: ADMIN_TOKEN, MODA_LOG_LEVEL: 'info', MODA_CATALOG: '0' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let waited = 0; !output.includes('Moda listening'); waited += 100) {
      assert.ok(waited < 60_000 && child.exitCode === null, `server did not start: ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await publish({ url }, 'sentiment', sentiment.files);
    const answer = await fetch(`${url}/api/v1/models/admin/sentiment/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'log-trace-42' }, body: JSON.stringify({ input: 'good' }) });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-request-id'), 'log-trace-42');
    await answer.arrayBuffer();
    const lines = () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { reqId?: string; msg?: string; model?: string; task?: string; status?: number; loadMs?: number });
    for (let waited = 0; !lines().some((line) => line.msg === 'inference request completed'); waited += 50) {
      assert.ok(waited < 10_000, 'no inference log line');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const completed = lines().find((line) => line.msg === 'inference request completed');
    assert.deepEqual({ reqId: completed?.reqId, model: completed?.model, task: completed?.task, status: completed?.status }, { reqId: 'log-trace-42', model: 'admin/sentiment', task: 'text-classification', status: 200 });
    const loaded = lines().find((line) => line.msg === 'model loaded');
    assert.equal(loaded?.reqId, 'log-trace-42', 'the load is logged with the request that caused it');
    assert.ok((loaded?.loadMs ?? -1) >= 0);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await rm(home, { recursive: true, force: true });
  }
});
