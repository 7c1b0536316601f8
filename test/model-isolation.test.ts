// Hostile models against a real server: each runs in a child process of its own, so a batch that
// never ends, a model that allocates without bound and a model whose native library aborts on load
// cost only their own process. While each hostile request runs, /healthz answers within 1 s, and
// another model keeps serving after it. A model that stops its process on every load is quarantined,
// and a restart neither loads it nor dies of it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { Config } from '../src/config/config.js';
import { heapHogClassifier, memoryHogClassifier, stuckClassifier } from './fixtures/hostile-models.js';
import { tinyCausalLm } from './fixtures/tiny-causal-lm.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const BATCH_TIMEOUT_MS = 5000;
const settings: Partial<Config> = {
  modelBatchTimeoutMs: BATCH_TIMEOUT_MS,
  // Above a transformers.js child's own ~270 MB, far below the hog's 1.2 GB.
  modelProcessMemoryBytes: 450 * 1024 ** 2,
  modelReplicas: 1,
  // Ample for the tiny models here; the heap hog's tokenizer needs several times more.
  modelProcessHeapBytes: 192 * 1024 ** 2,
};
let server: TestServer;
let home: string;

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', json({ name, organization: 'admin' }));
  assert.equal(created.status, 200, await created.text());
  await push(name, files);
}

async function push(name: string, files: ModelFile[]): Promise<void> {
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

/** Runs `work` while /healthz is asked every 100 ms; fails if any answer took 1 s or more. */
async function whileHealthy<T>(work: Promise<T>): Promise<T> {
  let worst = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      assert.equal(response.status, 200);
      worst = Math.max(worst, performance.now() - started);
      await sleep(100);
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await probe;
    assert.ok(worst < 1000, `/healthz took ${Math.round(worst)} ms while a hostile request ran`);
  }
}

/** Model processes this test process started (the server runs in it): pid → command line. */
function modelProcesses(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (parent === process.pid && command.includes('pipeline-child')) found.set(pid, command);
    } catch {
      // A process that ended while the list was read.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sentimentServes(): Promise<void> {
  const response = await server.request('/api/v1/models/admin/sentiment/pipeline', json({ input: 'good' }));
  assert.equal(response.status, 200, await response.clone().text());
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-isolation-'));
  server = await startTestServer(settings, home);
  await publish('sentiment', tinyTextClassifier().files);
  await publish('stuck', stuckClassifier());
  await publish('hog', memoryHogClassifier());
  await publish('heavy', tinyTextClassifier().files);
  // 10¹⁰ template steps: the chat template, model-controlled, renders in the model's process.
  const looping = tinyCausalLm().files.map((file) => {
    if (file.path !== 'tokenizer_config.json') return file;
    const config = JSON.parse(new TextDecoder().decode(file.content)) as Record<string, unknown>;
    config.chat_template = '{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}{{ messages[0].content }}';
    return { path: file.path, content: new TextEncoder().encode(JSON.stringify(config)) };
  });
  await publish('looping-chat', looping);
});

after(async () => {
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

void test('a batch past its deadline: 504, its process gone within the deadline + 1 s, and the model serves again', async () => {
  const quick = await server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good' }));
  assert.equal(quick.status, 200, await quick.clone().text());
  const before = [...modelProcesses().keys()];
  assert.ok(before.length >= 1, 'the model runs in a process of its own');
  // What a request costs around its batch on this machine now (HTTP, queue, IPC): not the model's time.
  let started = performance.now();
  assert.equal((await server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good' }))).status, 200);
  const overhead = performance.now() - started;
  started = performance.now();
  const stuck = await whileHealthy(server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good good' })));
  const elapsed = performance.now() - started - overhead;
  assert.equal(stuck.status, 504, await stuck.clone().text());
  assert.equal(((await stuck.json()) as { code: string }).code, 'INFERENCE_TIMEOUT');
  // The 504 is sent once the killed process has exited, so this bounds how long the stuck process lived.
  assert.ok(elapsed < BATCH_TIMEOUT_MS + 1000, `answered ${Math.round(elapsed)} ms after its batch began`);
  const gone = before.filter((pid) => !alive(pid) || !modelProcesses().has(pid));
  assert.ok(gone.length >= 1, 'the stuck process was killed');
  const again = await server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good' }));
  assert.equal(again.status, 200, await again.clone().text());
  await sentimentServes();
});

void test('a batch past its deadline gets 504, and the requests queued behind it run on the restarted model', async () => {
  // Loaded and answering, so the stuck request starts its batch at once.
  assert.equal((await server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good' }))).status, 200);
  const stuck = server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good good' }));
  // One instance: while the stuck batch holds it, these wait in the model's queue (the wait only
  // lets the stuck request reach its batch first; the deadline is seconds away).
  await sleep(1000);
  // Each with other parameters, so each is a batch of its own: the stuck classifier spins on any
  // batch of more than three tokens, and these three together would hold nine.
  const queued = [1, 2, 1].map((topK, index) => server.request('/api/v1/models/admin/stuck/pipeline', json({ input: 'good', parameters: { top_k: topK, ...(index === 2 && { function_to_apply: 'softmax' }) } })));
  const timedOut = await stuck;
  assert.equal(timedOut.status, 504, await timedOut.clone().text());
  assert.equal(((await timedOut.json()) as { code: string }).code, 'INFERENCE_TIMEOUT');
  for (const response of await Promise.all(queued)) {
    const body = await response.text();
    assert.equal(response.status, 200, `a request queued behind the stuck batch: ${body}`);
    assert.ok((JSON.parse(body) as { output: unknown[] }).output.length >= 1, body);
  }
  await sentimentServes();
});

void test('a chat template that loops fails that request only, in the model process, and the server answers throughout', async () => {
  const started = performance.now();
  const looping = await whileHealthy(server.request('/v1/chat/completions', json({ model: 'admin/looping-chat', messages: [{ role: 'user', content: 'one two' }], max_tokens: 3 })));
  // The template's own budget (bounded range(), a render time limit) stops it first: 422
  // CHAT_TEMPLATE_LIMIT; were it to slip past them, the batch deadline would end it with 504.
  const body = await looping.clone().text();
  assert.ok(looping.status === 422 || looping.status === 504, body);
  if (looping.status === 422) assert.match(body, /CHAT_TEMPLATE_LIMIT/);
  assert.ok(performance.now() - started < BATCH_TIMEOUT_MS + 30_000, 'the looping template was stopped');
  await sentimentServes();
});

void test('a model past its memory limit is killed and reported, and the server does not grow', async () => {
  // Without a batch deadline: on a loaded machine the hog's pages fault in at a few tens of MB/s.
  await server.stop();
  server = await startTestServer({ ...settings, modelBatchTimeoutMs: 0 }, home);
  await sentimentServes();
  const rssBefore = process.memoryUsage().rss;
  const hog = await whileHealthy(server.request('/api/v1/models/admin/hog/pipeline', json({ input: 'good' })));
  assert.equal(hog.status, 503, await hog.clone().text());
  const body = (await hog.json()) as { code: string; error: string };
  assert.ok(['MODEL_MEMORY_LIMIT', 'MODEL_CRASHED'].includes(body.code), JSON.stringify(body));
  assert.match(body.error, /memory limit/);
  const grown = process.memoryUsage().rss - rssBefore;
  assert.ok(grown < 200 * 1024 ** 2, `the server grew by ${grown} bytes`);
  await sentimentServes();
  const metrics = await (await server.request('/metrics')).text();
  assert.match(metrics, /^moda_model_crashes_total\{model="admin\/hog",code="MODEL_MEMORY_LIMIT"\} 1$/m);
  const rss = Number(/^moda_model_rss_bytes\{model="admin\/sentiment"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(rss > 0 && rss <= settings.modelProcessMemoryBytes!, `the sentiment model's process holds ${rss} bytes`);
  const budgeted = Number(/^moda_model_memory_bytes\{model="admin\/sentiment"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.equal(budgeted, rss, 'the model budget counts what the process holds');
});

void test('a model that stops its process on every load (V8 fatal heap error) is quarantined, and a restart serves without loading it', async () => {
  const created = await server.request('/api/v1/deployments', json({ model: 'admin/heavy', name: 'heavy' }));
  assert.equal(created.status, 201, await created.clone().text());
  await push('heavy', heapHogClassifier());
  const redeployed = await whileHealthy(server.request('/api/v1/deployments/heavy', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redeploy: true }) }));
  const view = (await redeployed.json()) as { state: string; error?: { code: string; message: string } };
  assert.equal(view.state, 'failed', JSON.stringify(view));
  assert.equal(view.error?.code, 'MODEL_QUARANTINED', JSON.stringify(view));
  await sentimentServes();

  await server.stop();
  server = await startTestServer({ ...settings, modelBatchTimeoutMs: 0 }, home);
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const restored = (await (await server.request('/api/v1/deployments/heavy')).json()) as { state: string; error?: { code: string } };
  assert.equal(restored.state, 'failed');
  assert.equal(restored.error?.code, 'MODEL_QUARANTINED');
  const refused = await server.request('/api/v1/models/admin/heavy/pipeline', json({ input: 'good' }));
  assert.equal(refused.status, 422, await refused.clone().text());
  assert.equal(((await refused.json()) as { code: string }).code, 'MODEL_QUARANTINED');
  assert.equal(modelProcesses().size, 0, 'nothing was loaded for the quarantined deployment');
  await sentimentServes();

  // A new commit, redeployed, lifts the quarantine.
  await push('heavy', tinyTextClassifier().files);
  const fixed = await server.request('/api/v1/deployments/heavy', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redeploy: true }) });
  assert.equal(((await fixed.json()) as { state: string }).state, 'ready');
});
