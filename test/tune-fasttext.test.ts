// The `tune` job with the fastText method through the public HTTP API: a dataset in, one new commit
// of a model repo out (weights, configuration.json, training_params.json, metrics.json, the curve
// PNG and a card with model-index), the model served at once by its pipeline, and the same params
// on the same dataset commit giving a byte-identical model file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let alice: string;
let datasetCommit: string;

before(async () => {
  server = await startTestServer({ jobConcurrency: 2 });
  alice = await createUserWithToken(server, 'alice');
  await createDataset(server, 'topics', { token: alice });
  // No validation split: the job holds out 15 % of each class itself.
  datasetCommit = await commitFiles(server, 'alice/topics', { 'train.csv': toCsv(topicTexts(60, 7), ['text', 'label']) }, alice);
});

after(async () => {
  await server?.stop();
});

interface TuneResultJson {
  repo: string;
  commit: string;
  url: string;
  dataset: string;
  private: boolean;
  metrics: { accuracy: number; macro_f1: number; examples: number; per_class: { label: string; precision: number; recall: number }[] };
}

async function tune(params: Record<string, unknown>, token = alice) {
  const created = await createJob(server.request, 'tune', params, token);
  return waitForJob(server.request, created.id, finished, 180_000, token);
}

async function file(repo: string, path: string, revision = 'main'): Promise<Buffer> {
  const response = await server.request(`/${repo}/resolve/${revision}/${path}`, { token: alice });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

void test('a fastText tune job commits a whole model in one commit, with card, params, metrics and curve', async () => {
  const job = await tune({ method: 'fasttext', dataset: 'alice/topics', output_repo: 'alice/topic-classifier', hyperparameters: { epochs: 8 } });
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as unknown as TuneResultJson;
  assert.equal(result.repo, 'alice/topic-classifier');
  assert.match(result.commit, /^[0-9a-f]{40}$/);
  assert.equal(result.dataset, `alice/topics@${datasetCommit}`);
  assert.ok(result.url.endsWith('/alice/topic-classifier'));
  assert.equal(result.private, false, 'a public dataset gives a public model by default');
  assert.ok(result.metrics.accuracy >= 0.8, `held-out accuracy ${result.metrics.accuracy}`);
  assert.equal(result.metrics.examples, 18, '15 % of 60 rows of each of 2 classes');
  assert.deepEqual(result.metrics.per_class.map((entry) => entry.label), ['cooking', 'sports']);

  // The model is one commit on top of the repo's creation, and it is the head.
  const commits = (await (await server.request('/api/models/alice/topic-classifier/commits/main', { token: alice })).json()) as { id: string; title: string }[];
  assert.equal(commits[0]?.id, result.commit);
  assert.equal(commits.length, 2, commits.map((commit) => commit.title).join(' | '));
  const tree = (await (await server.request(`/api/models/alice/topic-classifier/tree/${result.commit}`, { token: alice })).json()) as { path: string }[];
  assert.deepEqual(tree.map((entry) => entry.path).sort(), ['.gitattributes', 'README.md', 'configuration.json', 'metrics.json', 'model.bin', 'training_curve.png', 'training_params.json']);

  const configuration = JSON.parse((await file('alice/topic-classifier', 'configuration.json')).toString()) as { task: string; pipeline: { type: string }; model: { labels: string[] } };
  assert.equal(configuration.task, 'text-classification');
  assert.equal(configuration.pipeline.type, 'fasttext-text-classification');
  assert.deepEqual(configuration.model.labels, ['cooking', 'sports']);
  const params = JSON.parse((await file('alice/topic-classifier', 'training_params.json')).toString()) as Record<string, unknown>;
  assert.equal(params.method, 'fasttext');
  assert.equal(params.seed, 42);
  assert.deepEqual(params.dataset, { id: 'alice/topics', commit: datasetCommit, config: 'default', train_split: 'train', validation_split: null, validation_fraction: 0.15 });
  assert.deepEqual(params.columns, { text: ['text'], label: 'label' });
  assert.equal((params.hyperparameters as { epochs: number; learning_rate: number }).epochs, 8);
  assert.equal((params.hyperparameters as { epochs: number; learning_rate: number }).learning_rate, 0.5, 'defaults are filled in and recorded');
  const png = await file('alice/topic-classifier', 'training_curve.png');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const metrics = JSON.parse((await file('alice/topic-classifier', 'metrics.json')).toString()) as { confusion_matrix: number[][]; curve: { epoch: number }[] };
  assert.equal(metrics.confusion_matrix.flat().reduce((sum, count) => sum + count, 0), 18);
  assert.ok(metrics.curve.length >= 2, 'a point per epoch (at least the last)');

  const card = (await file('alice/topic-classifier', 'README.md')).toString();
  const header = parse(card.split('---')[1] ?? '') as Record<string, unknown>;
  assert.equal(header.pipeline_tag, 'text-classification');
  assert.deepEqual(header.datasets, ['alice/topics']);
  const modelIndex = header['model-index'] as { results: { metrics: { type: string; value: number }[]; dataset: { revision: string } }[] }[];
  assert.equal(modelIndex[0]?.results[0]?.dataset.revision, datasetCommit);
  assert.equal(modelIndex[0]?.results[0]?.metrics.find((metric) => metric.type === 'accuracy')?.value, result.metrics.accuracy);
  assert.match(card, /Confusion matrix/);
  assert.match(card, /training_curve\.png/);
  assert.match(card, /Limitations of the data/);

  // Progress went to the log as curve points.
  const lines = await jobLog(server.request, job.id, alice);
  assert.ok(lines.some((line) => line.startsWith('curve {')), lines.join('\n'));
  assert.ok(lines.some((line) => line.includes('held-out accuracy')));

  // The tuned model answers at once through its pipeline, with class names and scores.
  const answer = await server.request('/api/v1/models/alice/topic-classifier/pipeline', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['the striker scored a goal for the team', 'simmer the garlic sauce with butter'] }), token: alice });
  assert.equal(answer.status, 200, await answer.clone().text());
  const { outputs } = (await answer.json()) as { outputs: { label: string; score: number }[][] };
  assert.equal(outputs[0]?.[0]?.label, 'sports');
  assert.equal(outputs[1]?.[0]?.label, 'cooking');
  assert.ok((outputs[0]?.[0]?.score ?? 0) > 0.5);
});

void test('the same params on the same dataset commit give a byte-identical model file', async () => {
  const params = { method: 'fasttext', dataset: 'alice/topics', dataset_revision: datasetCommit, hyperparameters: { epochs: 5, dim: 16 }, seed: 3 };
  const first = await tune({ ...params, output_repo: 'alice/repro-a' });
  const second = await tune({ ...params, output_repo: 'alice/repro-b' });
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  assert.equal(second.state, 'succeeded', JSON.stringify(second));
  const a = await file('alice/repro-a', 'model.bin');
  const b = await file('alice/repro-b', 'model.bin');
  assert.ok(a.length > 1000);
  assert.ok(a.equals(b), 'model.bin differs between two runs of the same params');
  assert.deepEqual((first.result as unknown as TuneResultJson).metrics, (second.result as unknown as TuneResultJson).metrics);
});
