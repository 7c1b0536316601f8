// A tune job's dataset revision is pinned when the job is submitted: the revision asked (default the
// default branch) becomes the commit it names then, stored in the job's params, and the job reads
// exactly that commit however the dataset moves on while it waits; its model's training_params.json
// and card name that commit. A revision or dataset that names nothing refuses the submission.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { createJob, finished, getJob, waitForJob } from './helpers/jobs.js';
import { TEST_JOB_MODULE } from './helpers/jobs.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let alice: string;

before(async () => {
  // One job slot: a blocking job keeps the tune jobs queued while the dataset is pushed to.
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE], jobConcurrency: 1 });
  alice = await createUserWithToken(server, 'alice');
  await createDataset(server, 'topics', { token: alice });
});

after(async () => {
  await server?.stop();
});

const push = (perClass: number, seed: number, classes: number) => commitFiles(server, 'alice/topics', { 'train.csv': toCsv(topicTexts(perClass, seed, classes), ['text', 'label']) }, alice);

const tuneParams = (outputRepo: string, revision?: string) => ({ method: 'fasttext', dataset: 'alice/topics', ...(revision !== undefined && { dataset_revision: revision }), output_repo: outputRepo, hyperparameters: { epochs: 2, dim: 8 } });

interface TrainingParams {
  dataset: { id: string; commit: string };
  labels: string[];
  examples: { train: number; validation: number };
}

async function trained(repo: string): Promise<{ params: TrainingParams; card: string }> {
  const params = (await (await server.request(`/${repo}/resolve/main/training_params.json`, { token: alice })).json()) as TrainingParams;
  const card = await (await server.request(`/${repo}/resolve/main/README.md`, { token: alice })).text();
  return { params, card };
}

void test('a tune job trains on the dataset commit it was submitted with, even after a new push', async () => {
  const v1 = await push(20, 1, 2);
  const v2 = await push(30, 2, 3);
  const blocker = await createJob(server.request, 'test-steps', { steps: 1, stepMs: 60_000 });
  await waitForJob(server.request, blocker.id, (job) => job.state === 'running');

  const older = await createJob(server.request, 'tune', tuneParams('alice/from-v1', v1), alice);
  const latest = await createJob(server.request, 'tune', tuneParams('alice/from-head'), alice);
  const byBranch = await createJob(server.request, 'tune', tuneParams('alice/from-main', 'main'), alice);
  assert.equal(older.params.dataset_revision, v1);
  assert.equal(latest.params.dataset_revision, v2, 'no revision: the default branch as it is at submission');
  assert.equal(byBranch.params.dataset_revision, v2, 'a branch: its commit at submission');

  // The dataset moves on while the jobs wait.
  const v3 = await push(25, 3, 2);
  assert.notEqual(v3, v2);
  const cancel = await server.request(`/api/v1/jobs/${blocker.id}/cancel`, { method: 'POST' });
  assert.equal(cancel.status, 200, await cancel.text());

  for (const job of [older, latest, byBranch]) {
    const done = await waitForJob(server.request, job.id, finished, 180_000, alice);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
  }
  const fromV1 = await trained('alice/from-v1');
  assert.equal(fromV1.params.dataset.commit, v1);
  assert.deepEqual(fromV1.params.labels, ['cooking', 'sports']);
  assert.equal(fromV1.params.examples.train + fromV1.params.examples.validation, 40, "v1's 40 rows");
  for (const repo of ['alice/from-head', 'alice/from-main']) {
    const model = await trained(repo);
    assert.equal(model.params.dataset.commit, v2, repo);
    assert.deepEqual(model.params.labels, ['cooking', 'finance', 'sports'], repo);
    assert.equal(model.params.examples.train + model.params.examples.validation, 90, `${repo}: v2's 90 rows, not v3's 50`);
    assert.ok(model.card.includes(v2), `${repo}: the card names the commit`);
  }
  assert.equal((await getJob(server.request, latest.id, alice)).result?.dataset, `alice/topics@${v2}`);
});

void test('a revision or dataset that names nothing refuses the job with a stable code', async () => {
  const before = ((await (await server.request('/api/v1/jobs?type=tune', { token: alice })).json()) as { jobs: unknown[] }).jobs.length;
  const cases: [Record<string, unknown>, number, string][] = [
    [tuneParams('alice/m', 'no-such-branch'), 404, 'HUB_REVISION_NOT_FOUND'],
    [tuneParams('alice/m', '0'.repeat(40)), 404, 'HUB_REVISION_NOT_FOUND'],
    [tuneParams('alice/m', 'bad..name'), 400, 'REVISION_INVALID'],
    [{ ...tuneParams('alice/m'), dataset: 'alice/no-such-dataset' }, 404, 'HUB_REPO_NOT_FOUND'],
  ];
  for (const [params, status, code] of cases) {
    const response = await server.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'tune', params }), token: alice });
    const body = (await response.json()) as { code?: string; error?: string };
    assert.equal(response.status, status, `${JSON.stringify(params)}: ${JSON.stringify(body)}`);
    assert.equal(body.code, code, JSON.stringify(body));
  }
  const now = ((await (await server.request('/api/v1/jobs?type=tune', { token: alice })).json()) as { jobs: unknown[] }).jobs.length;
  assert.equal(now, before, 'no job was created');
});
