// `eval` jobs refused or stopped: bad params and bad datasets fail with stable codes before any
// sample runs, and a cancelled evaluation leaves the model repo untouched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { csv, evaluate as evalJob, modelHead, publishSentiment } from './helpers/eval-setup.js';
import { createJob, finished, waitForJob } from './helpers/jobs.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let alice: string;
const head = (repo: string, token: string) => modelHead(server, repo, token);
const evaluate = (params: Record<string, unknown>, token: string) => evalJob(server, params, token);

before(async () => {
  server = await startTestServer({ jobConcurrency: 4, evalConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
  await publishSentiment(server, 'alice', 'sentiment', alice);
  await createDataset(server, 'reviews', { token: alice });
  await commitFiles(server, 'alice/reviews', { 'test.csv': csv([['good', 'positive'], ['bad', 'negative']]) }, alice);
});

after(async () => {
  await server?.stop();
});

void test('bad input fails with a stable code before any sample runs', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'validation' }, 'DATASET_SPLIT_NOT_FOUND'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', columns: { input: 'review' } }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', columns: { input: 'text', reference: 'text' } }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', metrics: ['cer'] }, 'METRIC_NOT_FOR_TASK'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', metrics: ['bleu'] }, 'METRIC_UNKNOWN'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', task: 'ocr' }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', task: 'text-generation' }, 'EVAL_TASK_UNSUPPORTED'],
    [{ model: 'alice/nope', dataset: 'alice/reviews', split: 'test' }, 'HUB_REPO_NOT_FOUND'],
  ];
  const jobs = await Promise.all(cases.map(([params]) => evaluate(params, alice)));
  cases.forEach(([params, code], index) => {
    assert.equal(jobs[index]!.state, 'failed', JSON.stringify(params));
    assert.equal(jobs[index]!.error?.code, code, `${JSON.stringify(params)}: ${JSON.stringify(jobs[index]!.error)}`);
  });
  // A dataset without a text column.
  await createDataset(server, 'numbers', { token: alice });
  await commitFiles(server, 'alice/numbers', { 'test.csv': 'x,label\n1,positive\n2,negative\n' }, alice);
  const numbers = await evaluate({ model: 'alice/sentiment', dataset: 'alice/numbers', split: 'test' }, alice);
  assert.equal(numbers.error?.code, 'EVAL_COLUMNS_INVALID');
  assert.match(numbers.error?.message ?? '', /x \(int\)/);
  // Params that do not match the schema are refused when the job is created.
  for (const params of [{ model: 'alice/sentiment', dataset: 'alice/reviews' }, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', limit: 0 }, { model: 'sentiment', dataset: 'alice/reviews', split: 'test' }, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', columns: { text: 'x' } }]) {
    const response = await server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'eval', params }), token: alice });
    assert.equal(response.status, 400, JSON.stringify(params));
    assert.equal(((await response.json()) as { code: string }).code, 'JOB_PARAMS_INVALID');
  }
});

void test('a cancelled evaluation commits nothing', async () => {
  await createDataset(server, 'many-reviews', { token: alice });
  const words = ['good', 'bad', 'great', 'awful'];
  await commitFiles(server, 'alice/many-reviews', { 'test.csv': csv(Array.from({ length: 20_000 }, (_, index) => [`${words[index % 4]} ${index}`, index % 2 === 0 ? 'positive' : 'negative'] as [string, string])) }, alice);
  const before = await head('alice/sentiment', alice);
  const created = await createJob(server.request, 'eval', { model: 'alice/sentiment', dataset: 'alice/many-reviews', split: 'test' }, alice);
  await waitForJob(server.request, created.id, (job) => (job.progress.fraction ?? 0) > 0 || finished(job), 120_000, alice);
  const cancel = await server.request(`/api/v1/jobs/${created.id}/cancel`, { method: 'POST', token: alice });
  assert.equal(cancel.status, 200);
  const job = await waitForJob(server.request, created.id, finished, 60_000, alice);
  assert.equal(job.state, 'cancelled');
  assert.equal(await head('alice/sentiment', alice), before);
});
