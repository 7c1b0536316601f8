// The server's limits on what a model controls are settings, and they reach the model's process:
// a server started with lowered MODA_MODEL_MAX_LABELS, MODA_MODEL_MAX_CLASSES, MODA_MODEL_MAX_OUTPUT
// and MODA_CHAT_TEMPLATE_RANGE_ITEMS enforces those values, through HTTP, on models that run in
// child processes (the defaults would have let every one of these requests through).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { DEFAULT_PIPELINE_LIMITS } from '../src/pipelines/limits/pipeline-limits.js';
import { tinyCausalLm } from './fixtures/tiny-causal-lm.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const MAX_LABELS = 1;
const MAX_CLASSES = 2;
const MAX_OUTPUT_BYTES = 64;
const RANGE_ITEMS = 50;
let server: TestServer;

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', json({ name, organization: 'admin' }));
  assert.equal(created.status, 200, await created.text());
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

/** `files` with one JSON file changed by `change`. */
function withJson(files: ModelFile[], path: string, change: (value: Record<string, unknown>) => void): ModelFile[] {
  return files.map((file) => {
    if (file.path !== path) return file;
    const value = JSON.parse(new TextDecoder().decode(file.content)) as Record<string, unknown>;
    change(value);
    return { path, content: new TextEncoder().encode(JSON.stringify(value)) };
  });
}

before(async () => {
  server = await startTestServer({ modelMaxLabels: MAX_LABELS, modelMaxClasses: MAX_CLASSES, modelMaxOutputBytes: MAX_OUTPUT_BYTES, chatTemplateRangeItems: RANGE_ITEMS, modelReplicas: 1 });
  await publish('sentiment', tinyTextClassifier().files);
  // Three classes declared: within the default 250 000, past the lowered 2.
  await publish(
    'three-classes',
    withJson(tinyTextClassifier().files, 'config.json', (config) => {
      config.id2label = { 0: 'NEGATIVE', 1: 'POSITIVE', 2: 'NEUTRAL' };
      config.label2id = { NEGATIVE: 0, POSITIVE: 1, NEUTRAL: 2 };
    }),
  );
  await publish('endless', tinyCausalLm({ endless: true }).files);
  // 60 range() items: within the default 100 000, past the lowered 50.
  await publish(
    'ranging-chat',
    withJson(tinyCausalLm().files, 'tokenizer_config.json', (config) => {
      config.chat_template = '{% for i in range(60) %}{% endfor %}{{ messages[0].content }}';
    }),
  );
});

after(async () => {
  await server.stop();
});

void test('the lowered settings are below the defaults they replace', () => {
  assert.ok(MAX_LABELS < DEFAULT_PIPELINE_LIMITS.maxLabels && MAX_CLASSES < DEFAULT_PIPELINE_LIMITS.maxModelClasses);
  assert.ok(MAX_OUTPUT_BYTES < DEFAULT_PIPELINE_LIMITS.maxOutputBytes && RANGE_ITEMS < DEFAULT_PIPELINE_LIMITS.chatTemplateRangeItems);
});

void test('MODA_MODEL_MAX_LABELS caps top_k in the model process', async () => {
  const response = await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good', parameters: { top_k: 2 } }));
  const body = await response.text();
  assert.equal(response.status, 200, body);
  const labels = (JSON.parse(body) as { output: unknown[] }).output;
  assert.equal(labels.length, MAX_LABELS, body);
});

void test('MODA_MODEL_MAX_CLASSES refuses a model declaring more classes', async () => {
  const response = await server.request('/api/v1/models/admin/three-classes/pipeline', json({ input: 'good' }));
  const body = (await response.json()) as { code: string; error: string };
  assert.equal(response.status, 422, JSON.stringify(body));
  assert.equal(body.code, 'MODEL_FILE_TOO_LARGE');
  assert.match(body.error, new RegExp(`at most ${MAX_CLASSES}\\b`));
});

void test('MODA_MODEL_MAX_OUTPUT ends a generation at that many bytes', async () => {
  const response = await server.request('/v1/completions', json({ model: 'admin/endless', prompt: 'one', max_tokens: 200 }));
  const body = (await response.json()) as { choices: { text: string; finish_reason: string }[] };
  assert.equal(response.status, 200, JSON.stringify(body));
  const [choice] = body.choices;
  assert.ok(choice && choice.text.length > 0, JSON.stringify(body));
  assert.ok(Buffer.byteLength(choice.text) <= MAX_OUTPUT_BYTES, `${Buffer.byteLength(choice.text)} bytes: ${choice.text}`);
  assert.equal(choice.finish_reason, 'length');
});

void test('MODA_CHAT_TEMPLATE_RANGE_ITEMS stops a template in the model process', async () => {
  const response = await server.request('/v1/chat/completions', json({ model: 'admin/ranging-chat', messages: [{ role: 'user', content: 'one' }], max_tokens: 3 }));
  const text = await response.text();
  assert.equal(response.status, 422, text);
  assert.match(text, /CHAT_TEMPLATE_LIMIT/);
  assert.match(text, new RegExp(`more than ${RANGE_ITEMS} items`));
});
