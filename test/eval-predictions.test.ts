// An eval job's per-sample predictions as the dataset viewer reads them beside its rows
// (GET /api/v1/jobs/{id}/predictions?rows=…): the job's own verdicts for the rows asked, the commit,
// config and split it scored; visible only to the job's owner (and site admins), with clear errors
// for bad row lists and for jobs that have no predictions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { csv, evaluate, publishSentiment, sentiment, type EvalResult } from './helpers/eval-setup.js';
import type { JobJson } from './helpers/jobs.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import type { JobPredictions } from '../src/client/prediction-types.js';

let server: TestServer;
let alice: string;
let bob: string;
let job: JobJson;

const ROWS: [string, string][] = [
  ['good', 'positive'],
  ['bad', 'negative'],
  ['great', 'negative'],
  ['', 'positive'],
];

before(async () => {
  server = await startTestServer({ jobConcurrency: 2, evalConcurrency: 2 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await publishSentiment(server, 'alice', 'sentiment', alice);
  await createDataset(server, 'reviews', { token: alice });
  await commitFiles(server, 'alice/reviews', { 'test.csv': csv(ROWS) }, alice);
  job = await evaluate(server, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' }, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
});

after(async () => {
  await server?.stop();
});

const predictions = (rows: string, token: string | null) => server.request(`/api/v1/jobs/${job.id}/predictions?rows=${rows}`, { token });

void test("the owner reads the job's predictions and verdicts for the rows asked, with what the job scored", async () => {
  const response = await predictions('3,0,1,2,2,99', alice);
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('cache-control') ?? '', /private/);
  const answer = (await response.json()) as JobPredictions;
  const result = job.result as unknown as EvalResult;
  assert.deepEqual(
    { job_id: answer.job_id, model: answer.model, model_commit: answer.model_commit, dataset: answer.dataset, dataset_commit: answer.dataset_commit, config: answer.config, split: answer.split, num_predictions: answer.num_predictions },
    { job_id: job.id, model: 'alice/sentiment', model_commit: result.model_commit, dataset: 'alice/reviews', dataset_commit: result.dataset_commit, config: 'default', split: 'test', num_predictions: ROWS.length },
  );
  // Row 99 has no prediction; the others in row order, each as the classifier answers it.
  assert.deepEqual(answer.rows.map((row) => row.row_idx), [0, 1, 2, 3]);
  for (const row of answer.rows.slice(0, 3)) {
    const [text, label] = ROWS[row.row_idx]!;
    const expected = sentiment.expected(text)[0]!.label;
    assert.equal(row.prediction, expected);
    assert.equal(row.correct, expected.toLowerCase() === label);
    assert.equal(row.error, null);
  }
  // The empty text failed on the serving path: no prediction, wrong, with its code.
  assert.deepEqual(answer.rows[3], { row_idx: 3, prediction: null, correct: false, error: 'TASK_INPUT_INVALID' });
  // The verdicts add up to the job's accuracy.
  const accuracy = result.metrics.find((metric) => metric.type === 'accuracy')!.value;
  assert.ok(Math.abs(answer.rows.filter((row) => row.correct).length / ROWS.length - accuracy) < 1e-9);
});

void test('only the owner and site admins see them: another user gets JOB_NOT_FOUND, a signed-out caller AUTH_REQUIRED', async () => {
  const other = await predictions('0', bob);
  assert.equal(other.status, 404);
  assert.equal(((await other.json()) as { code: string }).code, 'JOB_NOT_FOUND');
  const anonymous = await predictions('0', null);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { code: string }).code, 'AUTH_REQUIRED');
  const admin = await server.request(`/api/v1/jobs/${job.id}/predictions?rows=0`);
  assert.equal(admin.status, 200);
});

void test('bad row lists and jobs without predictions get clear errors', async () => {
  // Negative, fractional, huge (past 10 digits), not numbers, empty entries, more than 100 rows.
  for (const rows of ['', 'a', '-1', '-0', '1.5', '1e3', '0x10', 'NaN', '0,,1', '99999999999', '12345678901234567890', Array.from({ length: 101 }, (_, index) => index).join(',')]) {
    const response = await predictions(rows, alice);
    assert.equal(response.status, 400, rows);
    const body = (await response.json()) as { code: string };
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(body), /rows: /);
  }
  const missing = await server.request('/api/v1/jobs/nosuchjob/predictions?rows=0', { token: alice });
  assert.equal(missing.status, 404);
  // A job of another type has no predictions.
  const prepare = (await (await server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'dataset-prepare', params: { dataset: 'alice/reviews' } }), token: alice })).json()) as { id: string };
  const notEval = await server.request(`/api/v1/jobs/${prepare.id}/predictions?rows=0`, { token: alice });
  assert.equal(notEval.status, 404);
  assert.equal(((await notEval.json()) as { code: string }).code, 'JOB_ARTIFACT_NOT_FOUND');
});
