// The starter tuned model: importing the catalog queues a `tune` job that builds moda/spam-filter-
// fasttext from the starter dataset moda/spam-assassin with nothing but npm packages; its card
// carries the accuracy that job measured on the held-out test split, it answers spam/ham at once,
// and a second import leaves it alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, waitForJob } from './helpers/jobs.js';

let server: TestServer;
const started: string[] = [];

before(async () => {
  server = await startTestServer({ jobConcurrency: 1 });
});

after(async () => {
  await server?.stop();
});

const startTuneJob = async (_entry: unknown, params: Record<string, unknown>) => {
  const job = await createJob(server.request, 'tune', params);
  started.push(job.id);
  return job.id;
};

void test('the catalog import builds the spam filter as a tune job; its card states the measured accuracy', async () => {
  const results = await importCatalog(server.hub, { only: ['spam-assassin', 'spam-filter-fasttext'], startTuneJob });
  assert.deepEqual(results.map((result) => [result.repo, result.status]), [['moda/spam-assassin', 'imported'], ['moda/spam-filter-fasttext', 'queued']]);
  assert.equal(started.length, 1);
  const job = await waitForJob(server.request, started[0] ?? '', finished, 280_000);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as { repo: string; dataset: string; metrics: { accuracy: number; examples: number } };
  assert.equal(result.repo, 'moda/spam-filter-fasttext');
  assert.match(result.dataset, /^moda\/spam-assassin@[0-9a-f]{40}$/);
  assert.ok(result.metrics.accuracy >= 0.95, `held-out accuracy ${result.metrics.accuracy}`);
  assert.ok(result.metrics.examples > 1100, 'scored on the test split');

  const card = await (await server.request('/moda/spam-filter-fasttext/resolve/main/README.md', { token: null })).text();
  assert.ok(card.includes(`Held-out accuracy ${result.metrics.accuracy.toFixed(4)}`), 'the card states the accuracy the job measured');
  assert.match(card, /spam-assassin/);
  const info = (await (await server.request('/api/models/moda/spam-filter-fasttext', { token: null })).json()) as { private: boolean; pipeline_tag: string };
  assert.equal(info.private, false);
  assert.equal(info.pipeline_tag, 'text-classification');

  const answer = await server.request('/api/v1/models/moda/spam-filter-fasttext/pipeline', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: ['URGENT! You have WON a FREE prize. Click here now to claim your cash, limited time offer, unsubscribe below', 'Hi Tom, the patch for the build script is attached; can you review it before the release on Friday?'] }),
    token: null,
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const { outputs } = (await answer.json()) as { outputs: { label: string; score: number }[][] };
  assert.equal(outputs[0]?.[0]?.label, 'spam');
  assert.equal(outputs[1]?.[0]?.label, 'ham');

  const again = await importCatalog(server.hub, { only: ['spam-filter-fasttext'], startTuneJob });
  assert.equal(again[0]?.status, 'unchanged');
  assert.equal(started.length, 1, 'no second job');
});
