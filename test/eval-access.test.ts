// Who gets what from an `eval` job: a caller who can read but not write the model gets the result
// and no commit; private models and datasets stay invisible to those who cannot read them, and a
// private dataset's numbers never go into a model more people can read. Also id↔label mapping.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { csv, evaluate as evalJob, metric, modelHead, publishSentiment, type EvalResult } from './helpers/eval-setup.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let alice: string;
let bob: string;
const head = (repo: string, token: string) => modelHead(server, repo, token);
const evaluate = (params: Record<string, unknown>, token: string) => evalJob(server, params, token);

before(async () => {
  server = await startTestServer({ jobConcurrency: 3, evalConcurrency: 4 });
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await publishSentiment(server, 'alice', 'sentiment', alice);
  await publishSentiment(server, 'alice', 'secret-sentiment', alice, true);
  await createDataset(server, 'reviews', { token: alice });
  await commitFiles(server, 'alice/reviews', { 'test.csv': csv([['good', 'positive'], ['bad', 'negative'], ['great', 'positive']]) }, alice);
});

after(async () => {
  await server?.stop();
});

void test('a caller who can read but not write the model gets the result without a commit; integer labels map through id2label', async () => {
  const before = await head('alice/sentiment', alice);
  await createDataset(server, 'reviews-ids', { token: alice });
  await commitFiles(server, 'alice/reviews-ids', { 'test.csv': csv([['good', 1], ['bad', 0], ['great', 1]]) }, alice);
  const [job, ids] = await Promise.all([
    evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' }, bob),
    evaluate({ model: 'alice/sentiment', dataset: 'alice/reviews-ids', split: 'test' }, bob),
  ]);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as unknown as EvalResult;
  assert.equal(result.commit, null);
  assert.match(result.commit_skipped ?? '', /may read alice\/sentiment but not write/);
  assert.ok(metric(result, 'accuracy')! > 0);
  assert.equal(await head('alice/sentiment', alice), before);

  assert.equal(ids.state, 'succeeded', JSON.stringify(ids));
  const mapped = ids.result as unknown as EvalResult;
  assert.deepEqual(mapped.label_mapping?.mapped, { '0': 'NEGATIVE', '1': 'POSITIVE' });
  assert.equal(metric(mapped, 'accuracy'), 1);
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
  // On her private model the results are committed, and those who cannot read it see none of it.
  const secret = await evaluate({ model: 'alice/secret-sentiment', dataset: 'alice/private-reviews', split: 'test' }, alice);
  assert.equal(secret.state, 'succeeded', JSON.stringify(secret));
  assert.ok((secret.result as unknown as EvalResult).commit);
  assert.equal((await server.request('/alice/secret-sentiment/resolve/main/.eval_results/private-reviews.yaml', { token: null })).status, 404);
  assert.equal((await server.request('/api/v1/models/alice/secret-sentiment/evaluations', { token: bob })).status, 404);
  assert.equal((await server.request('/api/v1/models/alice/secret-sentiment/evaluations', { token: alice })).status, 200);
});

