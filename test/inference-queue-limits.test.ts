// Load limits of the inference APIs over HTTP: a full queue answers 429 QUEUE_FULL with Retry-After
// — a raw media request (native or Hugging Face route) before its body is even sent, a JSON one
// after parsing — a deadline that passes in the queue answers 504, and the requests already admitted
// are all answered. The model is kept busy by a large image (decoding 64 M pixels takes the worker a
// while), watched through /metrics rather than guessed with sleeps.
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { solidColorPng, tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const REPO = 'admin/colours';
const PIPELINE = `/api/v1/models/${REPO}/pipeline`;

let server: TestServer;
let small: Buffer;
let large: Buffer;

before(async () => {
  server = await startTestServer({ maxQueue: 1, maxBatchSize: 1, modelReplicas: 1, maxImagePixels: 80_000_000, maxInferenceBytes: 16 * 1024 * 1024 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'colours', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: REPO, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: tinyImageClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  small = await solidColorPng([255, 0, 0]);
  large = await solidColorPng([0, 0, 255], 8000, 8000);
  // Loaded before the tests: only a loaded model's queue can be full.
  assert.equal((await postRaw(small)).status, 200);
});

after(() => server.stop());

function postRaw(body: Uint8Array, headers: Record<string, string> = {}, repo = REPO): Promise<Response> {
  return server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'image/png', ...headers }, body });
}

function postJson(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return server.request(PIPELINE, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The value of a metric series for the model (0 when absent). */
async function metric(name: string, labels = '', repo = REPO): Promise<number> {
  const text = await (await server.request('/metrics')).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{`) && entry.includes(`model="${repo}"`) && entry.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 10) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** Starts a batch that keeps the model busy; resolves once it runs, with its answer to come. */
async function occupy(repo = REPO): Promise<{ running: Promise<Response> }> {
  const batches = await metric('moda_inference_batch_size_count', '', repo);
  const running = postRaw(large, {}, repo);
  await until('the large image runs', async () => (await metric('moda_inference_batch_size_count', '', repo)) > batches);
  // Wrapped: an async function returning the promise itself would wait for its answer.
  return { running };
}

/** Sends the headers and the first KiB of a body announced as 8 MiB, and waits for an answer. */
function answerBeforeBody(path: string, token: string | null = ADMIN_TOKEN): Promise<{ response: IncomingMessage; text: string }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', headers: { 'content-type': 'image/png', 'content-length': String(8 * 1024 * 1024), ...(token !== null && { authorization: `Bearer ${token}` }) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        outgoing.destroy();
        resolve({ response, text });
      });
    });
    outgoing.on('error', reject);
    outgoing.write(Buffer.alloc(1024));
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error('no answer before the body was sent')));
  });
}

void test('a full queue refuses a raw image before its body arrives and a JSON request after parsing; admitted requests are answered', async () => {
  const refusedBefore = await metric('moda_inference_requests_total', 'status="429"');
  const { running } = await occupy();
  const queued = postRaw(small);
  await until('one input waits', async () => (await metric('moda_inference_queue_depth')) === 1);

  const early = await answerBeforeBody(PIPELINE);
  assert.equal(early.response.statusCode, 429, early.text);
  assert.match(early.response.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  assert.equal((JSON.parse(early.text) as { code: string }).code, 'QUEUE_FULL');
  // The Hugging Face inference route takes media bodies the same way.
  const hfEarly = await answerBeforeBody(`/models/${REPO}`);
  assert.equal(hfEarly.response.statusCode, 429, hfEarly.text);
  assert.match(hfEarly.response.headers['retry-after'] ?? '', /^[1-9]\d*$/);

  const late = await postJson({ input: small.toString('base64') });
  assert.equal(late.status, 429);
  assert.match(late.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.equal(((await late.json()) as { code: string }).code, 'QUEUE_FULL');

  // Nothing admitted is lost: the running and the queued request are answered.
  const [first, second] = await Promise.all([running, queued]);
  assert.equal(first.status, 200, await first.clone().text());
  assert.equal(second.status, 200);
  assert.deepEqual(((await second.json()) as { output: { label: string }[] }).output[0]?.label, 'red');
  assert.equal((await postRaw(small)).status, 200);
  assert.equal(await metric('moda_inference_requests_total', 'status="429"'), refusedBefore + 3);
});

void test('a deadline that passes in the queue gets 504; unknown models, anonymous callers and bad deadlines are answered as before the early check', async () => {
  const { running } = await occupy();
  const waited = await postRaw(small, { 'x-request-timeout': '50' });
  assert.equal(waited.status, 504);
  assert.equal(((await waited.json()) as { code: string }).code, 'INFERENCE_TIMEOUT');
  assert.equal((await running).status, 200);

  const unknown = await server.request('/api/v1/models/admin/nope/pipeline', { method: 'POST', headers: { 'content-type': 'image/png' }, body: small });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { code: string }).code, 'HUB_REPO_NOT_FOUND');
  const anonymous = await server.request(PIPELINE, { method: 'POST', headers: { 'content-type': 'image/png' }, body: small, token: null });
  assert.equal(anonymous.status, 200, 'a public model serves anonymous callers');
  const badDeadline = await postRaw(small, { 'x-request-timeout': 'soon' });
  assert.equal(badDeadline.status, 400);
});

void test('a private model with a full queue stays hidden: a stranger gets 404 before sending the body, its owner 429', async () => {
  const secret = 'admin/secret-colours';
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'secret-colours', organization: 'admin', private: true }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: secret, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: tinyImageClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  assert.equal((await postRaw(small, {}, secret)).status, 200);
  const { running } = await occupy(secret);
  const queued = postRaw(small, {}, secret);
  await until('one input waits', async () => (await metric('moda_inference_queue_depth', '', secret)) === 1);

  const stranger = await answerBeforeBody(`/api/v1/models/${secret}/pipeline`, null);
  assert.equal(stranger.response.statusCode, 404, stranger.text);
  assert.equal((JSON.parse(stranger.text) as { code: string }).code, 'HUB_REPO_NOT_FOUND');
  const owner = await answerBeforeBody(`/api/v1/models/${secret}/pipeline`);
  assert.equal(owner.response.statusCode, 429, owner.text);

  assert.deepEqual((await Promise.all([running, queued])).map((response) => response.status), [200, 200]);
});
