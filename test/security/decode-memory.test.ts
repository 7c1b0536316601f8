// Decode memory (issue 18, Low 9): many large images, each within the pixel limit, must not add
// gigabytes of resident memory. Each request's images are measured from their headers before any
// is decoded: more than one request may use is 413 DECODE_MEMORY_EXCEEDED, more than all requests
// in flight may use together is 429 DECODE_MEMORY_BUSY (retry later), and what a request reserved
// comes back when it is answered.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import type { HubContext } from '../../src/hub/context.js';
import { buildApp, createInferenceService } from '../../src/server/build-app.js';
import { openHub } from '../../src/server/start-server.js';
import type { InferenceService } from '../../src/serve/inference-service.js';
import { solidColorPng, tinyImageClassifier } from '../fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, createUserWithToken, type TestServer } from '../helpers/moda-server.js';

const MIB = 1024 ** 2;
/** 2000 × 2000 RGB: 12 MB decoded, a few KB as a one-colour PNG. */
const SIDE = 2000;
const DECODED = SIDE * SIDE * 3;

let home = '';
let hub: HubContext;
let app: FastifyInstance;
let inference: InferenceService;
let base = '';
let mallory = '';
let big = '';

function request(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = ADMIN_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${base}${path}`, { ...rest, headers });
}

const infer = (inputs: string[], token = mallory) => request('/api/v1/models/admin/colours/pipeline', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }), token });

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-decode-memory-'));
  const config = loadConfig({}, { home, host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN, logLevel: 'silent', catalog: false, maxDecodeBytesPerRequest: 64 * MIB, maxDecodeBytes: 100 * MIB });
  hub = await openHub(config);
  inference = createInferenceService(hub);
  app = await buildApp({ hub, secret: 'test-secret', inference });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const created = await request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'colours', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/colours', accessToken: ADMIN_TOKEN, hubUrl: base, files: tinyImageClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  mallory = await createUserWithToken({ request } as TestServer, 'mallory');
  big = (await solidColorPng([230, 20, 20], SIDE, SIDE)).toString('base64');
});

after(async () => {
  await app.close();
  await hub.db.destroy();
  await rm(home, { recursive: true, force: true });
});

void test('one request whose images decode to more than a request may use is refused before decoding', async () => {
  const inputs = Array.from({ length: 8 }, () => big);
  assert.ok(inputs.length * DECODED > 64 * MIB);
  const refused = await infer(inputs);
  const body = (await refused.json()) as { code: string; error: string };
  assert.equal(refused.status, 413, JSON.stringify(body));
  assert.equal(body.code, 'DECODE_MEMORY_EXCEEDED');
  assert.equal(inference.decodeBudget.inUse, 0, 'nothing stays reserved');
  // Within the limit it is served.
  const served = await infer([big, big]);
  assert.equal(served.status, 200, await served.clone().text());
  assert.deepEqual(((await served.json()) as { outputs: { label: string }[][] }).outputs.map((labels) => labels[0]?.label), ['red', 'red']);
  assert.equal(inference.decodeBudget.inUse, 0);
});

void test('requests in flight together share one bound: beyond it 429 with Retry-After, and the memory comes back', async () => {
  // A deployment that waits 10 s to fill its batch keeps the first request (and its reservation) in flight.
  const deployed = await request('/api/v1/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/colours', name: 'colours', batching: { max_batch_size: 64, max_queue_delay_ms: 10_000 } }) });
  assert.equal(deployed.status, 201, await deployed.clone().text());
  const five = Array.from({ length: 5 }, () => big);
  const first = infer(five);
  const deadline = Date.now() + 10_000;
  while (inference.decodeBudget.inUse === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(inference.decodeBudget.inUse, 5 * DECODED);
  const busy = await infer(five);
  const body = (await busy.json()) as { code: string; retryable: boolean };
  assert.equal(busy.status, 429, JSON.stringify(body));
  assert.deepEqual([body.code, body.retryable], ['DECODE_MEMORY_BUSY', true]);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.equal((await first).status, 200);
  assert.equal(inference.decodeBudget.inUse, 0, 'given back once answered');
  assert.equal((await request('/api/v1/deployments/colours', { method: 'DELETE' })).status, 204);
  assert.equal((await infer(five)).status, 200, 'served once the others are done');
});

void test('an image larger than the pixel limit is refused from its header', async () => {
  const header = await solidColorPng([0, 0, 255], 8000, 6000);
  const refused = await infer([header.toString('base64')]);
  assert.equal(refused.status, 413);
  assert.equal(((await refused.json()) as { code: string }).code, 'IMAGE_TOO_LARGE');
});
