// `eval` jobs through the public HTTP API with a real tiny ONNX text classifier served by Moda: the
// score against the classifier's own oracle, per-sample failures counted as wrong, label mapping
// (case, id↔label), the one results commit (model-index, .eval_results, card table), the
// predictions artifact, who may commit, private repos, bad input with stable codes, and cancel.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { parse as parseYaml } from 'yaml';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { csv, evaluate as evalJob, metric, modelFile, modelHead, publishSentiment, sentiment, type EvalResult } from './helpers/eval-setup.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let alice: string;
let bob: string;

const ROWS: [string, string][] = [
  ['good', 'positive'],
  ['great', 'POSITIVE'],
  ['bad', 'negative'],
  ['awful', ' Negative '],
  ['not good', 'negative'],
  ['good great', 'positive'],
  ['', 'positive'],
  ['meh', 'neutral'],
];

const head = (repo: string, token: string) => modelHead(server, repo, token);
const file = (repo: string, path: string, token: string) => modelFile(server, repo, path, token);
const evaluate = (params: Record<string, unknown>, token: string) => evalJob(server, params, token);

before(async () => {
  server = await startTestServer({ jobConcurrency: 3, evalConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await publishSentiment(server, 'alice', 'sentiment', alice);
  await createDataset(server, 'reviews', { token: alice });
  await commitFiles(server, 'alice/reviews', { 'test.csv': csv(ROWS), 'train.csv': csv([['good', 'positive']]) }, alice);
});

after(async () => {
  await server?.stop();
});

/** The accuracy the oracle says the model must reach: failed and unmappable samples are wrong. */
function expectedAccuracy(): number {
  let correct = 0;
  for (const [text, label] of ROWS) {
    if (text === '' || label === 'neutral') continue;
    if (sentiment.expected(text)[0]!.label.toLowerCase() === label.trim().toLowerCase()) correct++;
  }
  return correct / ROWS.length;
}

void test('an eval job scores the model through the serving path, counts failures, maps labels and commits the results once', async () => {
  const before = await head('alice/sentiment', alice);
  const job = await evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' }, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as unknown as EvalResult;
  assert.equal(result.model_commit, before);
  assert.equal(result.samples, ROWS.length);
  assert.deepEqual(result.columns, { input: ['text'], reference: 'label' });
  // The empty text is refused by the task's own check on the serving path: a failure, not a skip.
  assert.equal(result.failed, 1);
  assert.deepEqual(result.failures, { TASK_INPUT_INVALID: 1 });
  assert.deepEqual(result.label_mapping?.unmapped, ['neutral']);
  assert.equal(result.label_mapping?.mapped.positive, 'POSITIVE');
  assert.equal(result.label_mapping?.mapped[' Negative '], 'NEGATIVE');
  assert.ok(Math.abs(metric(result, 'accuracy')! - expectedAccuracy()) < 1e-9, `${metric(result, 'accuracy')} vs ${expectedAccuracy()}`);
  assert.ok(metric(result, 'f1_macro')! > 0 && metric(result, 'f1_macro')! <= 1);

  // One commit on top of the evaluated head, by alice.
  assert.ok(result.commit);
  const commits = (await (await server.request('/api/models/alice/sentiment/commits/main', { token: alice })).json()) as { id: string; authors: { user: string }[] }[];
  assert.equal(commits[0]!.id, result.commit.oid);
  assert.equal(commits[1]!.id, before);
  assert.equal(commits[0]!.authors[0]!.user, 'alice');

  const readme = await file('alice/sentiment', 'README.md', alice);
  const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(readme)![1]!) as { 'model-index': { name: string; results: { task: { type: string }; dataset: Record<string, unknown>; metrics: { type: string; value: number; verified: boolean }[]; source: { name: string; url: string } }[] }[] };
  const [entry] = front['model-index'];
  assert.equal(entry!.name, 'sentiment');
  assert.equal(entry!.results.length, 1);
  const [row] = entry!.results;
  assert.equal(row!.task.type, 'text-classification');
  assert.deepEqual({ type: row!.dataset.type, split: row!.dataset.split, revision: row!.dataset.revision }, { type: 'alice/reviews', split: 'test', revision: result.dataset_commit });
  assert.ok(row!.metrics.every((entry) => entry.verified === true));
  assert.ok(row!.source.url.endsWith(`/api/v1/jobs/${job.id}`));
  assert.match(readme, /<!-- moda-eval:start -->[\s\S]*\| alice\/reviews \| default\/test \|[\s\S]*<!-- moda-eval:end -->/);

  const evalResults = parseYaml(await file('alice/sentiment', '.eval_results/reviews.yaml', alice)) as { dataset: { id: string; task_id: string; revision: string }; metric: string; value: number; model_revision: string; source: { url: string } }[];
  const accuracy = evalResults.find((entry) => entry.metric === 'accuracy');
  assert.deepEqual(accuracy?.dataset, { id: 'alice/reviews', task_id: 'test', revision: result.dataset_commit });
  assert.equal(accuracy?.model_revision, before);

  // Per-sample predictions: one JSON line per row, failures with their code; invisible to others.
  const artifact = await server.request(`/api/v1/jobs/${job.id}/artifacts/predictions.jsonl`, { token: alice });
  assert.equal(artifact.status, 200);
  const lines = (await artifact.text()).trim().split('\n').map((line) => JSON.parse(line) as { row_idx: number; prediction: string | null; error: string | null; correct: boolean });
  assert.equal(lines.length, ROWS.length);
  assert.deepEqual(lines.map((line) => line.row_idx), ROWS.map((_, index) => index));
  assert.equal(lines[6]!.error, 'TASK_INPUT_INVALID');
  assert.equal(lines[6]!.prediction, null);
  assert.equal(lines[0]!.prediction, sentiment.expected('good')[0]!.label);
  assert.equal((await server.request(`/api/v1/jobs/${job.id}/artifacts/predictions.jsonl`, { token: bob })).status, 404);
  const missing = await server.request(`/api/v1/jobs/${job.id}/artifacts/nope.txt`, { token: alice });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'JOB_ARTIFACT_NOT_FOUND');
});

void test('a second run replaces its own results and keeps what the authors wrote in the card', async () => {
  const readme = await file('alice/sentiment', 'README.md', alice);
  const edited = readme.replace(/^---\n/, '---\nlanguage: en\n# the authors keep this comment\n') + '\n## Limitations\n\nOnly four words.\n';
  await uploadFiles({ repo: 'alice/sentiment', accessToken: alice, hubUrl: server.url, files: [{ path: 'README.md', content: new Blob([edited]) }] });
  const job = await evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', metrics: ['accuracy'], limit: 4 }, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const after = await file('alice/sentiment', 'README.md', alice);
  assert.match(after, /# the authors keep this comment/);
  assert.match(after, /language: en/);
  assert.match(after, /## Limitations\n\nOnly four words\./);
  assert.equal(after.match(/<!-- moda-eval:start -->/g)?.length, 1);
  const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(after)![1]!) as { 'model-index': { results: { metrics: { type: string }[]; dataset: { args?: { limit?: number } } }[] }[] };
  const results = front['model-index'][0]!.results;
  assert.equal(results.length, 1);
  assert.deepEqual(results[0]!.metrics.map((entry) => entry.type), ['accuracy', 'throughput']);
  assert.equal(results[0]!.dataset.args?.limit, 4);
  const evalResults = parseYaml(await file('alice/sentiment', '.eval_results/reviews.yaml', alice)) as { metric: string }[];
  assert.deepEqual(evalResults.map((entry) => entry.metric), ['accuracy', 'throughput']);
});

void test('a model commit that changes more than the card marks its results as an older revision', async () => {
  const evaluations = async () => ((await (await server.request('/api/v1/models/alice/sentiment/evaluations', { token: alice })).json()) as { evaluations: { dataset: string; metric: string; verified: boolean; older_revision: boolean | null }[] }).evaluations;
  const current = await evaluations();
  assert.deepEqual(current.map((entry) => [entry.dataset, entry.metric, entry.verified, entry.older_revision]), [['alice/reviews', 'accuracy', true, false], ['alice/reviews', 'throughput', true, false]]);
  await uploadFiles({ repo: 'alice/sentiment', accessToken: alice, hubUrl: server.url, files: [{ path: 'notes.txt', content: new Blob(['trained longer\n']) }] });
  assert.ok((await evaluations()).every((entry) => entry.older_revision === true));
});
