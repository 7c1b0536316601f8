// `eval` jobs through the public HTTP API with a real tiny ONNX text classifier served by Moda: the
// score against the classifier's own oracle, per-sample failures counted as wrong, label mapping
// (case, id↔label), the one results commit (model-index, .eval_results, card table), the
// predictions artifact, who may commit, private repos, bad input with stable codes, and cancel.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { parse as parseYaml } from 'yaml';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, waitForJob, type JobJson } from './helpers/jobs.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let alice: string;
let bob: string;
const sentiment = tinyTextClassifier();

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

async function publishModel(name: string, token: string, isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, private: isPrivate }), token });
  assert.equal(created.status, 200, await created.text());
  const owner = name.includes('/') ? name : `${(await whoami(token))}/${name}`;
  await uploadFiles({ repo: owner, accessToken: token, hubUrl: server.url, files: sentiment.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

async function whoami(token: string): Promise<string> {
  return ((await (await server.request('/api/whoami-v2', { token })).json()) as { name: string }).name;
}

const csv = (rows: [string, string | number][]) => `text,label\n${rows.map(([text, label]) => `${JSON.stringify(text)},${typeof label === 'number' ? label : JSON.stringify(label)}`).join('\n')}\n`;

async function head(repo: string, token: string): Promise<string> {
  return ((await (await server.request(`/api/models/${repo}/revision/main`, { token })).json()) as { sha: string }).sha;
}

async function file(repo: string, path: string, token: string): Promise<string> {
  const response = await server.request(`/${repo}/resolve/main/${path}`, { token });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return response.text();
}

async function evaluate(params: Record<string, unknown>, token: string): Promise<JobJson> {
  const job = await createJob(server.request, 'eval', params, token);
  return waitForJob(server.request, job.id, finished, 120_000, token);
}

interface EvalResult {
  model_commit: string;
  dataset_commit: string;
  samples: number;
  failed: number;
  failures: Record<string, number>;
  metrics: { type: string; value: number }[];
  label_mapping: { mapped: Record<string, string>; unmapped: string[]; unmappedSamples: number } | null;
  artifacts: { name: string; rows: number }[];
  commit: { oid: string } | null;
  commit_skipped: string | null;
  columns: { input: string[]; reference: string };
}

const metric = (result: EvalResult, type: string) => result.metrics.find((entry) => entry.type === type)?.value;

before(async () => {
  server = await startTestServer({ jobConcurrency: 2, evalConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await publishModel('sentiment', alice);
  await publishModel('secret-sentiment', alice, true);
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
  assert.ok(metric(result, 'f1')! > 0 && metric(result, 'f1')! <= 1);

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

void test('a caller who can read but not write the model gets the result without a commit', async () => {
  const before = await head('alice/sentiment', alice);
  const job = await evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' }, bob);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as unknown as EvalResult;
  assert.equal(result.commit, null);
  assert.match(result.commit_skipped ?? '', /may read alice\/sentiment but not write/);
  assert.ok(metric(result, 'accuracy')! > 0);
  assert.equal(await head('alice/sentiment', alice), before);
});

void test('integer labels map through the model config id2label', async () => {
  await createDataset(server, 'reviews-ids', { token: alice });
  await commitFiles(server, 'alice/reviews-ids', { 'test.csv': csv([['good', 1], ['bad', 0], ['great', 1]]) }, alice);
  const job = await evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews-ids', split: 'test' }, bob);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as unknown as EvalResult;
  assert.deepEqual(result.label_mapping?.mapped, { '0': 'NEGATIVE', '1': 'POSITIVE' });
  assert.equal(metric(result, 'accuracy'), 1);
});

void test('private models and datasets stay invisible to those who cannot read them', async () => {
  const hidden = await evaluate({ model: 'alice/secret-sentiment', dataset: 'alice/reviews', split: 'test' }, bob);
  assert.equal(hidden.state, 'failed');
  assert.equal(hidden.error?.code, 'HUB_REPO_NOT_FOUND');
  // Alice's private dataset on her public model: the numbers would reveal it, so nothing is committed.
  await createDataset(server, 'private-reviews', { token: alice, private: true });
  await commitFiles(server, 'alice/private-reviews', { 'test.csv': csv([['good', 'positive']]) }, alice);
  const before = await head('alice/sentiment', alice);
  const job = await evaluate({ model: 'alice/sentiment', dataset: 'alice/private-reviews', split: 'test' }, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  assert.equal((job.result as unknown as EvalResult).commit, null);
  assert.equal(await head('alice/sentiment', alice), before);
  // On her private model the results are committed, and anonymous callers see none of it.
  const secret = await evaluate({ model: 'alice/secret-sentiment', dataset: 'alice/private-reviews', split: 'test' }, alice);
  assert.equal(secret.state, 'succeeded', JSON.stringify(secret));
  assert.ok((secret.result as unknown as EvalResult).commit);
  assert.equal((await server.request('/alice/secret-sentiment/resolve/main/.eval_results/private-reviews.yaml', { token: null })).status, 404);
});

void test('bad input fails with a stable code before any sample runs', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'validation' }, 'DATASET_SPLIT_NOT_FOUND'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', columns: { input: 'review' } }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', columns: { input: 'text', reference: 'text' } }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', metrics: ['cer'] }, 'EVAL_METRIC_UNSUPPORTED'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', task: 'ocr' }, 'EVAL_COLUMNS_INVALID'],
    [{ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test', task: 'text-generation' }, 'EVAL_TASK_UNSUPPORTED'],
    [{ model: 'alice/nope', dataset: 'alice/reviews', split: 'test' }, 'HUB_REPO_NOT_FOUND'],
  ];
  for (const [params, code] of cases) {
    const job = await evaluate(params, alice);
    assert.equal(job.state, 'failed', JSON.stringify(params));
    assert.equal(job.error?.code, code, `${JSON.stringify(params)}: ${JSON.stringify(job.error)}`);
  }
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
