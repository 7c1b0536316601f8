// GET /api/task-counts, the one request behind the web UI home's per-task model counts: every task
// is answered, counts follow the caller's visibility like search does, stop at `limit`, and bad
// query parameters are refused with VALIDATION_FAILED.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ModaClient } from '../src/client/moda-client.js';
import { TASK_IDS } from '../src/tasks/catalog.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

interface TaskCounts {
  type: string;
  limit: number;
  counts: Record<string, number>;
}

let server: TestServer;
let doraToken: string;

const card = (task: string) => new TextEncoder().encode(`---\npipeline_tag: ${task}\n---\n# A ${task} model\n`);

async function createTagged(client: ModaClient, repo: string, task: string, options: { private?: boolean; type?: 'model' | 'dataset' } = {}): Promise<void> {
  await client.createRepo(repo, options);
  await client.commit(repo, [{ kind: 'file', path: 'README.md', content: card(task) }], { summary: 'card', ...(options.type && { type: options.type }) });
}

async function counts(query: string, token: string | null = null): Promise<TaskCounts> {
  const response = await server.request(`/api/task-counts${query}`, { token });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as TaskCounts;
}

before(async () => {
  server = await startTestServer();
  doraToken = await createUserWithToken(server, 'dora');
  const dora = new ModaClient({ endpoint: server.url, token: doraToken });
  await createTagged(dora, 'dora/classify-a', 'text-classification');
  await createTagged(dora, 'dora/classify-b', 'text-classification');
  await createTagged(dora, 'dora/classify-secret', 'text-classification', { private: true });
  await createTagged(dora, 'dora/speak', 'text-to-speech');
  await createTagged(dora, 'dora/speech-data', 'text-to-speech', { type: 'dataset' });
});

after(async () => {
  await server?.stop();
});

void test('every task has a count, as search would find it for the caller', async () => {
  const anonymous = await counts('');
  assert.equal(anonymous.type, 'model');
  assert.equal(anonymous.limit, 100);
  assert.deepEqual(Object.keys(anonymous.counts).sort(), [...TASK_IDS].sort());
  assert.equal(anonymous.counts['text-classification'], 2, 'a private repo is not counted for an anonymous caller');
  assert.equal(anonymous.counts['text-to-speech'], 1, 'datasets are not counted as models');
  assert.equal(anonymous.counts['object-detection'], 0);
  // The same numbers as one search per task (what the home page used to send).
  for (const task of ['text-classification', 'text-to-speech']) {
    const found = (await (await server.request(`/api/models?pipeline_tag=${task}&limit=100`, { token: null })).json()) as unknown[];
    assert.equal(anonymous.counts[task], found.length, task);
  }
  assert.equal((await counts('', doraToken)).counts['text-classification'], 3, "the owner's token counts her private repo");
  assert.equal((await counts('?type=dataset')).counts['text-to-speech'], 1);
  assert.equal((await counts('?type=dataset')).counts['text-classification'], 0);
});

void test('counting stops at limit', async () => {
  const capped = await counts('?limit=1', doraToken);
  assert.equal(capped.limit, 1);
  assert.equal(capped.counts['text-classification'], 1);
  assert.equal(capped.counts['text-to-speech'], 1);
  assert.equal((await counts('?limit=5000')).limit, 1000, 'a limit above a search page counts as one page');
});

void test('bad query parameters are refused', async () => {
  for (const query of ['?type=space', '?type=models', '?limit=0', '?limit=-3', '?limit=ten', '?limit=1.5']) {
    const response = await server.request(`/api/task-counts${query}`, { token: null });
    assert.equal(response.status, 400, query);
    assert.equal(response.headers.get('x-error-code'), 'VALIDATION_FAILED', query);
  }
  const badToken = await server.request('/api/task-counts', { token: 'hf_not_a_token' });
  assert.equal(badToken.status, 401);
});
