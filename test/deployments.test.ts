// Deployments over HTTP: pinning model@commit (a later push changes nothing until a redeploy),
// batch size measured at load time, NDJSON progress, list/get/patch/delete, rights, bad input,
// and a restart that reloads stored deployments.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCli } from '../src/cli/run-cli.js';
import { uploadFiles } from '@huggingface/hub';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let home: string;
const sentiment = tinyTextClassifier();

async function publish(name: string, files: ModelFile[], isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin', private: isPrivate }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const head = async (repo: string) => ((await (await server.request(`/api/models/${repo}/revision/main`)).json()) as { sha: string }).sha;

interface Deployment {
  name: string;
  model: string;
  commit: string;
  task: string;
  state: string;
  batching: { max_batch_size: number | 'auto'; effective_batch_size?: number; max_queue_delay_ms: number };
  calibration?: { chosen: number; points: { batch_size: number; items_per_second: number }[] };
  memory_bytes?: number;
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-deployments-'));
  server = await startTestServer({}, home);
  await publish('sentiment', sentiment.files);
  await publish('private-sentiment', sentiment.files, true);
  await publish('broken', [...sentiment.files.filter((file) => file.path !== 'onnx/model.onnx'), { path: 'onnx/model.onnx', content: new Uint8Array([8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) }]);
});

after(async () => {
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

void test('a deployment pins model@commit, measures its batch size and serves requests', async () => {
  const pinned = await head('admin/sentiment');
  const response = await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'sentiment', required: true }));
  assert.equal(response.status, 201, await response.clone().text());
  const deployment = (await response.json()) as Deployment;
  assert.equal(deployment.state, 'ready');
  assert.equal(deployment.commit, pinned);
  assert.equal(deployment.task, 'text-classification');
  assert.equal(deployment.batching.max_batch_size, 'auto');
  assert.ok(deployment.calibration && deployment.calibration.points.length >= 3, 'batch sizes were measured');
  assert.deepEqual(deployment.calibration.points.map((point) => point.batch_size).slice(0, 3), [1, 2, 4]);
  assert.ok(deployment.calibration.points.every((point) => point.items_per_second > 0));
  assert.equal(deployment.batching.effective_batch_size, deployment.calibration.chosen);
  assert.ok((deployment.memory_bytes ?? 0) > 0);

  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'NOTES.md', content: new Blob(['newer']) }] });
  const newer = await head('admin/sentiment');
  assert.notEqual(newer, pinned);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const served = await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good' }));
  assert.equal(served.headers.get('x-model-commit'), pinned, 'a push does not change a running deployment');
  const explicit = await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good', revision: 'main' }));
  assert.equal(explicit.headers.get('x-model-commit'), newer, 'an explicit revision still reaches the new commit');

  const redeployed = await server.request('/api/v1/deployments/sentiment', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redeploy: true, batching: { max_batch_size: 2 } }) });
  assert.equal(redeployed.status, 200, await redeployed.clone().text());
  const after = (await redeployed.json()) as Deployment;
  assert.equal(after.commit, newer);
  assert.equal(after.batching.effective_batch_size, 2);
  assert.equal((await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good' }))).headers.get('x-model-commit'), newer);

  const listed = (await (await server.request('/api/v1/deployments')).json()) as { deployments: Deployment[] };
  assert.deepEqual(listed.deployments.map((entry) => entry.name), ['sentiment']);
  assert.equal(((await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment).commit, newer);
});

void test('max_concurrency: instances of the model that run batches at once, scaled while it serves', async () => {
  const created = await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'twice', max_concurrency: 2, batching: { max_batch_size: 2 } }));
  assert.equal(created.status, 201, await created.clone().text());
  const deployment = (await created.json()) as Deployment & { max_concurrency: number | 'auto'; instances: number; solo_instance: boolean };
  assert.equal(deployment.max_concurrency, 2);
  assert.equal(deployment.instances, 2);
  // A count asked for is exactly that many instances: no solo session beside them.
  assert.equal(deployment.solo_instance, false);
  const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: index % 2 ? 'good' : 'bad' }))));
  assert.deepEqual(answers.map((answer) => answer.status), Array(12).fill(200));
  const scaled = await server.request('/api/v1/deployments/twice', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_concurrency: 1 }) });
  assert.equal(scaled.status, 200, await scaled.clone().text());
  assert.equal(((await scaled.json()) as { instances: number }).instances, 1);
  for (const bad of [0, 17, 1.5, 'many', -1]) {
    const refused = await server.request('/api/v1/deployments/twice', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_concurrency: bad }) });
    assert.equal(refused.status, 400, String(bad));
    assert.equal(((await refused.json()) as { code: string }).code, 'VALIDATION_FAILED');
  }
  // 'twice' and 'sentiment' pin the same commit and task, so they share one loaded model: removing
  // one must leave the other's model loaded and serving.
  const sentiment = (await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment;
  assert.equal(sentiment.commit, deployment.commit, 'the two deployments share a model');
  assert.equal((await server.request('/api/v1/deployments/twice', { method: 'DELETE' })).status, 204);
  const survivor = (await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment & { instances?: number };
  assert.deepEqual([survivor.state, survivor.instances], ['ready', 1]);
  const served = await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good' }));
  assert.equal(served.status, 200, await served.clone().text());
});

void test('keep_alive: an idle deployment lets its model go, keeps its commit and settings, and loads again on the next request', async () => {
  // Its own repo, so no other deployment shares (and pins) the model.
  await publish('napping', sentiment.files);
  const pinned = await head('admin/napping');
  const created = await server.request('/api/v1/deployments', json({ model: 'admin/napping', name: 'napping', keep_alive: '1s', batching: { max_batch_size: 3 } }));
  assert.equal(created.status, 201, await created.clone().text());
  const deployment = (await created.json()) as Deployment & { keep_alive: string; expires_at?: string; instances?: number; solo_instance?: boolean };
  // A small ONNX model gets one single-threaded instance per core when nothing asks for a number,
  // and beside them a solo session over every core for batches that run alone.
  assert.deepEqual([deployment.state, deployment.keep_alive, deployment.instances, deployment.solo_instance], ['ready', '1s', availableParallelism(), availableParallelism() > 1]);
  assert.ok(deployment.expires_at && Date.parse(deployment.expires_at) > Date.now() - 1000 && Date.parse(deployment.expires_at) <= Date.now() + 1500, deployment.expires_at);

  await uploadFiles({ repo: 'admin/napping', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'NOTES.md', content: new Blob(['newer']) }] });
  const stateOf = async () => (await (await server.request('/api/v1/deployments/napping')).json()) as Deployment & { instances?: number; expires_at?: string };
  const deadline = Date.now() + 10_000;
  while ((await stateOf()).state !== 'idle' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const idle = await stateOf();
  assert.deepEqual([idle.state, idle.instances, idle.expires_at], ['idle', undefined, undefined], 'unloaded after a second idle');

  const answer = await server.request('/api/v1/models/admin/napping/pipeline', json({ input: 'good' }));
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.equal(answer.headers.get('x-model-commit'), pinned, 'woken at its pinned commit, not the newer push');
  const awake = await stateOf();
  assert.deepEqual([awake.state, awake.batching.effective_batch_size, awake.commit], ['ready', 3, pinned]);

  // PATCH to forever keeps it loaded from now on; bad values are refused and change nothing.
  const forever = await server.request('/api/v1/deployments/napping', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keep_alive: -1 }) });
  assert.equal(((await forever.json()) as { keep_alive: string }).keep_alive, 'forever');
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal((await stateOf()).state, 'ready');
  for (const bad of ['soon', '10x', '', {}, true, '2y', 400 * 24 * 3600]) {
    const refused = await server.request('/api/v1/deployments/napping', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keep_alive: bad }) });
    assert.equal(refused.status, 400, JSON.stringify(bad));
    assert.equal(((await refused.json()) as { code: string }).code, 'VALIDATION_FAILED');
  }
  const refusedCreate = await server.request('/api/v1/deployments', json({ model: 'admin/napping', name: 'never', keep_alive: 'soon' }));
  assert.equal(refusedCreate.status, 400);
  assert.equal((await server.request('/api/v1/deployments/never')).status, 404);
  assert.equal(((await stateOf()) as Deployment & { keep_alive: string }).keep_alive, 'forever');
  assert.equal((await server.request('/api/v1/deployments/napping', { method: 'DELETE' })).status, 204);
});

void test('NDJSON progress: resolving, materializing, loading, then the deployment', async () => {
  const response = await server.request('/api/v1/deployments', { ...json({ model: 'admin/private-sentiment', name: 'private', batching: { max_batch_size: 4, max_queue_delay_ms: 5 } }), headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' } });
  assert.equal(response.status, 201);
  assert.match(response.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const events = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { status: string; deployment: Deployment | string });
  assert.deepEqual(events.map((event) => event.status), ['resolving', 'materializing', 'loading', 'ready']);
  const last = events.at(-1)?.deployment as Deployment;
  assert.equal(last.batching.effective_batch_size, 4);
  assert.equal(last.calibration, undefined, 'a fixed batch size is not measured');
});

void test('rights: reading needs access to the model, managing needs a write token', async () => {
  const stranger = await createUserWithToken(server, 'stranger', 'write');
  const reader = await createUserWithToken(server, 'reader', 'read');
  const strangerList = (await (await server.request('/api/v1/deployments', { token: stranger })).json()) as { deployments: Deployment[] };
  assert.deepEqual(strangerList.deployments.map((entry) => entry.name), ['sentiment'], 'the private model\'s deployment is hidden');
  assert.equal((await server.request('/api/v1/deployments/private', { token: stranger })).status, 404);
  assert.equal((await server.request('/api/v1/deployments/sentiment', { method: 'DELETE', token: stranger })).status, 403);
  assert.equal((await server.request('/api/v1/deployments', { ...json({ model: 'admin/sentiment', name: 'x' }), token: reader })).status, 403);
  assert.equal((await server.request('/api/v1/deployments', { ...json({ model: 'admin/sentiment', name: 'x' }), token: null })).status, 401);
  assert.equal((await server.request('/api/v1/deployments', { ...json({ model: 'admin/private-sentiment', name: 'y' }), token: stranger })).status, 404);
});

void test('bad input: each a clear error with its code, and nothing is left behind', async () => {
  const expectError = async (response: Response, status: number, code: string) => {
    const body = (await response.json()) as { code: string };
    assert.equal(response.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
  };
  await expectError(await server.request('/api/v1/deployments', json({ name: 'no-model' })), 400, 'VALIDATION_FAILED');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'Bad Name!' })), 400, 'VALIDATION_FAILED');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'z', batching: { max_batch_size: 0 } })), 400, 'VALIDATION_FAILED');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'z', batching: { max_queue_delay_ms: -1 } })), 400, 'VALIDATION_FAILED');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'sentiment' })), 409, 'HUB_NAME_TAKEN');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/nope', name: 'nope' })), 404, 'HUB_REPO_NOT_FOUND');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/sentiment', name: 'wrong-task', task: 'ocr' })), 422, 'TASK_MISMATCH');
  await expectError(await server.request('/api/v1/deployments', json({ model: 'admin/broken', name: 'broken' })), 422, 'MODEL_LOAD_FAILED');
  await expectError(await server.request('/api/v1/deployments/broken'), 404, 'NOT_FOUND');
  await expectError(await server.request('/api/v1/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' }), 400, 'VALIDATION_FAILED');
  const listed = (await (await server.request('/api/v1/deployments')).json()) as { deployments: Deployment[] };
  assert.deepEqual(listed.deployments.map((entry) => entry.name).sort(), ['private', 'sentiment']);
});

void test('a restart reloads stored deployments; delete unpins', async () => {
  const before = ((await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment).commit;
  await server.stop();
  server = await startTestServer({}, home);
  let state = '';
  // The model loads in a worker thread of its own, which under tsx compiles its modules first.
  for (let attempt = 0; attempt < 600 && state !== 'ready'; attempt++) {
    state = ((await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment).state;
    if (state !== 'ready') await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(state, 'ready');
  assert.equal(((await (await server.request('/api/v1/deployments/sentiment')).json()) as Deployment).commit, before);
  assert.equal((await server.request('/api/v1/deployments/sentiment', { method: 'DELETE' })).status, 204);
  assert.equal((await server.request('/api/v1/deployments/sentiment')).status, 404);
  assert.equal((await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good' }))).status, 200, 'implicit serving still works');
});

void test('moda deploy, deployments and undeploy', async () => {
  const moda = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { env: { MODA_HOME: join(home, 'cli'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN }, stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => (stderr += chunk) }, stdin: Readable.from([]) });
    return { code, stdout, stderr };
  };
  const deployed = await moda(['deploy', 'admin/sentiment', '--name', 'cli', '--max-batch-size', '3', '--max-queue-delay', '1', '--max-concurrency', '2']);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stderr, /resolving…\nmaterializing…\nloading…\n/);
  assert.match(deployed.stdout, /^cli: admin\/sentiment@[0-9a-f]{12} \(text-classification\) ready\n {2}batch size 3, queue delay 1 ms.*\n {2}2 instances \(max concurrency 2\), kept loaded\n/);
  const listed = await moda(['deployments']);
  assert.match(listed.stdout, /^NAME +MODEL +COMMIT +TASK +STATE +BATCH +INSTANCES\n/);
  assert.match(listed.stdout, /\ncli +admin\/sentiment +[0-9a-f]{12} +text-classification +ready +3 +2\n/);
  const json = JSON.parse((await moda(['deployments', 'cli', '--json'])).stdout) as Deployment & { max_concurrency: number | 'auto'; instances: number };
  assert.equal(json.batching.effective_batch_size, 3);
  assert.equal(json.max_concurrency, 2);
  assert.equal(json.instances, 2);
  const redeployed = await moda(['deploy', 'admin/sentiment', '--name', 'cli', '--redeploy', '--max-batch-size', '5', '--max-concurrency', '1']);
  assert.equal(redeployed.code, 0, redeployed.stderr);
  assert.match(redeployed.stdout, /batch size 5/);
  assert.match(redeployed.stdout, /\n {2}1 instance \(max concurrency 1\), kept loaded\n/);
  const expiring = await moda(['deploy', 'admin/sentiment', '--name', 'cli', '--redeploy', '--keep-alive', '10m']);
  assert.equal(expiring.code, 0, expiring.stderr);
  assert.match(expiring.stdout, /\n {2}1 instance \(max concurrency 1\), unloaded after 600s idle \(at \d{4}-\d\d-\d\dT[\d:.]+Z\)\n/);
  for (const value of ['soon', '10x', '5 minutes']) {
    const refused = await moda(['deploy', 'admin/sentiment', '--name', 'refused', '--keep-alive', value]);
    assert.equal(refused.code, 1, value);
    assert.match(refused.stderr, /--keep-alive must be forever, a duration such as 30s, 10m or 1h, or seconds, got .* \[VALIDATION_FAILED\]\n$/);
  }
  assert.equal((await moda(['undeploy', 'cli'])).stdout, 'removed cli\n');
  const gone = await moda(['deployments', 'cli']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /\[NOT_FOUND\]/);
  const bad = await moda(['deploy', 'admin/sentiment', '--max-batch-size', 'lots']);
  assert.equal(bad.code, 1);
  for (const value of ['0', '17', '1.5', 'many']) {
    const refused = await moda(['deploy', 'admin/sentiment', '--name', 'refused', '--max-concurrency', value]);
    assert.equal(refused.code, 1, value);
    assert.equal(refused.stderr, `error: --max-concurrency must be auto or an integer from 1 to 16, got "${value}" [VALIDATION_FAILED]\n`);
    assert.equal(refused.stdout, '');
  }
  assert.equal((await server.request('/api/v1/deployments/refused')).status, 404, 'nothing deployed');
});
