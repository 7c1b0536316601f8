// Leaderboards through the public API: a CLUE-style benchmark dataset with eval.yaml, models stating
// results in README model-index and .eval_results/, verified only through a real job record, a
// private model that other callers never see (not in rows, counts nor ranks), older revisions, and
// eval.yaml files that do not parse or name a split that does not exist.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import { finishJob, insertJob } from '../src/jobs/job-store.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let alice: string;
let bob: string;

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

async function createRepo(type: 'model' | 'dataset', name: string, options: { private?: boolean; token?: string } = {}): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type, private: options.private ?? false }), token: options.token ?? ADMIN_TOKEN });
  assert.equal(response.status, 200, await response.text());
}

async function commit(type: 'model' | 'dataset', repo: string, files: Record<string, string>, token = ADMIN_TOKEN): Promise<string> {
  const result = await hubCommit({
    repo: { type, name: repo },
    accessToken: token,
    hubUrl: server.url,
    title: 'update',
    operations: Object.entries(files).map(([path, content]) => ({ operation: 'addOrUpdate' as const, path, content: new Blob([content]) })),
  });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

async function getJson<T>(path: string, token: string | null = ADMIN_TOKEN): Promise<{ status: number; code: string | null; body: T }> {
  const response = await server.request(path, { token });
  const body = (await response.json()) as T;
  // The body's code is Moda's own (the header carries Hugging Face's name where it has one).
  const code = response.ok ? null : ((body as { code?: string }).code ?? null);
  return { status: response.status, code, body };
}

interface Row {
  model: string;
  commit: string;
  current: boolean;
  status: string;
  score: number;
  rank: number | null;
  problems: string[];
  tasks: Record<string, { value: number; status: string; job_id: string | null }>;
}
interface Board {
  rows: Row[];
  reference_rows: { name: string; score: number; status: string; source: { url: string } }[];
  tasks: { id: string }[];
}
interface Summary {
  id: string;
  models: number;
  leader: { model: string } | null;
  error: { code: string } | null;
  model_rows?: Row[];
}

const EVAL_YAML = `name: CLUE mini
description: Two CLUE classification tasks
evaluation_framework: moda
metric: accuracy
tasks:
  - id: afqmc
    config: afqmc
    split: validation
    task: text-classification
  - id: tnews
    config: tnews
    split: validation
    task: text-classification
reference_rows:
  - name: Human
    score: 0.86678
    source:
      url: https://127.0.0.1/classification.html
      name: CLUE leaderboard
`;

const CARD = `---
configs:
  - config_name: afqmc
    data_files:
      - split: validation
        path: afqmc/dev.json
  - config_name: tnews
    data_files:
      - split: validation
        path: tnews/dev.json
---
# CLUE mini
`;

function modelIndex(dataset: string, values: Record<string, number>, verified = false): string {
  const results = Object.entries(values)
    .map(([config, value]) => `      - task: {type: text-classification}
        dataset: {type: ${dataset}, name: CLUE, config: ${config}, split: validation}
        metrics:
          - {type: accuracy, value: ${value}${verified ? ', verified: true' : ''}}`)
    .join('\n');
  return `---\nmodel-index:\n  - name: m\n    results:\n${results}\n---\n# model\n`;
}

before(async () => {
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice');
  bob = await createUserWithToken(server, 'bob');
  await createRepo('dataset', 'clue-mini');
  await commit('dataset', 'admin/clue-mini', {
    'README.md': CARD,
    'eval.yaml': EVAL_YAML,
    'afqmc/dev.json': '{"sentence1": "双十一花呗提额在哪", "sentence2": "里可以提花呗额度", "label": "0"}\n',
    'tnews/dev.json': '{"label": "102", "label_desc": "news_entertainment", "sentence": "江疏影甜甜圈自拍", "keywords": ""}\n',
  });

  // model-a: .eval_results written by a (simulated) evaluation job of this server: verified.
  await createRepo('model', 'model-a');
  const job = await insertJob(server.hub.db, { type: 'eval', params: { model: 'admin/model-a', dataset: 'admin/clue-mini', split: 'validation' }, owner: 'admin', tokenId: null, maxAttempts: 1 });
  await server.hub.db.updateTable('jobs').set({ state: 'running' }).where('id', '=', job.id).execute();
  await finishJob(server.hub.db, job.id, { state: 'succeeded', result: { tasks: { afqmc: { metrics: { accuracy: 0.74 } }, tnews: { metrics: { accuracy: 0.56 } } } } });
  await commit('model', 'admin/model-a', {
    'model.onnx': 'weights-a',
    '.eval_results/clue-mini.yaml': `- dataset: {id: admin/clue-mini, task_id: afqmc}\n  value: 0.74\n  job_id: ${job.id}\n  verified: true\n- dataset: {id: admin/clue-mini, task_id: tnews}\n  value: 0.56\n  source: {url: '${server.url}/jobs/${job.id}', name: Moda eval job}\n`,
  });
  // model-b: README model-index that claims verified with no job behind it: self-reported.
  await createRepo('model', 'model-b');
  await commit('model', 'admin/model-b', { 'model.onnx': 'weights-b', 'README.md': modelIndex('admin/clue-mini', { afqmc: 0.7, tnews: 0.64 }, true) });
  // model-c: one task only.
  await createRepo('model', 'model-c');
  await commit('model', 'admin/model-c', { 'model.onnx': 'weights-c', 'README.md': modelIndex('admin/clue-mini', { afqmc: 0.8 }) });
  // model-d: a percentage where a fraction belongs.
  await createRepo('model', 'model-d');
  await commit('model', 'admin/model-d', { 'model.onnx': 'weights-d', 'README.md': modelIndex('admin/clue-mini', { afqmc: 86.5, tnews: 0.5 }) });
  // alice's private model, best of all.
  await createRepo('model', 'secret-model', { private: true, token: alice });
  await commit('model', 'alice/secret-model', { 'model.onnx': 'weights-s', 'README.md': modelIndex('admin/clue-mini', { afqmc: 0.9, tnews: 0.9 }) }, alice);
});

after(async () => {
  await server?.stop();
});

void test('a multi-task benchmark ranks by the mean of task scores, a row only when every task has one', async () => {
  const { status, body } = await getJson<Board>('/api/leaderboards/admin/clue-mini', bob);
  assert.equal(status, 200);
  const ranked = body.rows.filter((row) => row.rank !== null);
  assert.deepEqual(ranked.map((row) => [row.model, row.rank]), [['admin/model-b', 1], ['admin/model-a', 2]]);
  close(ranked[0]!.score, (0.7 + 0.64) / 2);
  close(ranked[1]!.score, (0.74 + 0.56) / 2);
  assert.ok(!body.rows.some((row) => row.model === 'admin/model-c'), 'model-c has one task of two');
  // The human baseline is a reference row, marked reported, with its source.
  assert.deepEqual(body.reference_rows.map((row) => [row.name, row.score, row.status, row.source.url]), [['Human', 0.86678, 'reported', 'https://127.0.0.1/classification.html']]);
});

void test('verified means a succeeded job of this server holds the number; a card claim alone is self-reported', async () => {
  const { body } = await getJson<Board>('/api/leaderboards/admin/clue-mini', bob);
  const a = body.rows.find((row) => row.model === 'admin/model-a')!;
  const b = body.rows.find((row) => row.model === 'admin/model-b')!;
  assert.equal(a.status, 'verified');
  assert.ok(a.tasks.afqmc!.job_id);
  assert.equal(b.status, 'self-reported');
  const verified = await getJson<Board>('/api/leaderboards/admin/clue-mini?verified=true', bob);
  assert.deepEqual(verified.body.rows.map((row) => row.model), ['admin/model-a']);
});

void test('a value outside the metric range is listed with its problem and not ranked', async () => {
  const { body } = await getJson<Board>('/api/leaderboards/admin/clue-mini', bob);
  const d = body.rows.find((row) => row.model === 'admin/model-d')!;
  assert.equal(d.rank, null);
  assert.match(d.problems[0]!, /outside \[0, 1\]/);
});

void test('ranking by one task includes models with only that task', async () => {
  const { body } = await getJson<Board>('/api/leaderboards/admin/clue-mini?task=afqmc', bob);
  assert.equal(body.rows[0]!.model, 'admin/model-c');
  const bad = await getJson<unknown>('/api/leaderboards/admin/clue-mini?task=nope', bob);
  assert.equal(bad.code, 'VALIDATION_FAILED');
  assert.equal((await getJson<unknown>('/api/leaderboards/admin/clue-mini?verified=maybe', bob)).code, 'VALIDATION_FAILED');
});

void test("a private model's row, rank and count exist only for callers who can read it", async () => {
  for (const token of [null, bob]) {
    const { body } = await getJson<Board>('/api/leaderboards/admin/clue-mini', token);
    assert.ok(!JSON.stringify(body).includes('secret-model'));
    assert.equal(body.rows.find((row) => row.rank === 1)!.model, 'admin/model-b');
    const list = await getJson<{ leaderboards: Summary[] }>('/api/leaderboards', token);
    const summary = list.body.leaderboards.find((entry) => entry.id === 'admin/clue-mini')!;
    assert.equal(summary.models, 2);
    assert.equal(summary.leader?.model, 'admin/model-b');
    assert.ok(!JSON.stringify(list.body).includes('secret-model'));
    // Asking for the model's results is "not found", as for any private repo.
    assert.equal((await getJson<unknown>('/api/leaderboards?model=alice/secret-model', token)).code, 'HUB_REPO_NOT_FOUND');
  }
  for (const token of [alice, ADMIN_TOKEN]) {
    const { body } = await getJson<Board>('/api/leaderboards/admin/clue-mini', token);
    assert.deepEqual(body.rows.filter((row) => row.rank !== null).map((row) => row.model), ['alice/secret-model', 'admin/model-b', 'admin/model-a']);
    const list = await getJson<{ leaderboards: Summary[] }>('/api/leaderboards', token);
    assert.equal(list.body.leaderboards.find((entry) => entry.id === 'admin/clue-mini')!.models, 3);
  }
});

void test("a model's results and ranks across benchmarks (the model page)", async () => {
  const { body } = await getJson<{ leaderboards: Summary[] }>('/api/leaderboards?model=admin/model-a', null);
  assert.deepEqual(body.leaderboards.map((entry) => entry.id), ['admin/clue-mini']);
  assert.equal(body.leaderboards[0]!.model_rows![0]!.rank, 2);
});

void test('a new commit to the model marks its earlier results as an older revision, still listed with its commit', async () => {
  await createRepo('model', 'model-e');
  const first = await commit('model', 'admin/model-e', { 'model.onnx': 'weights-e1', 'README.md': modelIndex('admin/clue-mini', { afqmc: 0.6, tnews: 0.6 }) });
  // A results-only commit (README) keeps the evaluated commit: still one current row, of `first`.
  await commit('model', 'admin/model-e', { 'README.md': modelIndex('admin/clue-mini', { afqmc: 0.61, tnews: 0.6 }) });
  let rows = (await getJson<Board>('/api/leaderboards/admin/clue-mini')).body.rows.filter((row) => row.model === 'admin/model-e');
  assert.deepEqual(rows.map((row) => [row.commit, row.current]), [[first, true]]);
  close(rows[0]!.score, 0.605);
  // New weights: the README's numbers now describe the new commit; the old row stays, unranked.
  const second = await commit('model', 'admin/model-e', { 'model.onnx': 'weights-e2' });
  rows = (await getJson<Board>('/api/leaderboards/admin/clue-mini')).body.rows.filter((row) => row.model === 'admin/model-e');
  assert.deepEqual(rows.map((row) => [row.commit, row.current, row.rank === null]), [[second, true, false], [first, false, true]]);
});

void test('an eval.yaml that does not parse, or names a split that does not exist: a clear error with a stable code', async () => {
  await createRepo('dataset', 'broken-bench');
  await commit('dataset', 'admin/broken-bench', { 'eval.yaml': 'name: x\ntasks: [\n', 'test.json': '{"a": 1}\n' });
  await createRepo('dataset', 'wrong-split');
  await commit('dataset', 'admin/wrong-split', { 'eval.yaml': 'name: x\nmetric: accuracy\ntasks:\n  - {id: t, config: default, split: validation}\n', 'test.json': '{"a": 1}\n' });
  await createRepo('dataset', 'no-source');
  await commit('dataset', 'admin/no-source', { 'eval.yaml': 'name: x\nmetric: accuracy\ntasks:\n  - {id: t, split: test}\nreference_rows:\n  - {name: Human, score: 0.9}\n', 'test.json': '{"a": 1}\n' });
  const broken = await getJson<{ error: string }>('/api/leaderboards/admin/broken-bench');
  assert.equal(broken.status, 422);
  assert.equal(broken.code, 'BENCHMARK_INVALID');
  assert.match(broken.body.error, /does not parse as YAML/);
  const wrong = await getJson<{ error: string }>('/api/leaderboards/admin/wrong-split');
  assert.equal(wrong.code, 'BENCHMARK_SPLIT_NOT_FOUND');
  assert.match(wrong.body.error, /split validation .*\(splits: test\)/);
  const noSource = await getJson<{ error: string }>('/api/leaderboards/admin/no-source');
  assert.equal(noSource.code, 'BENCHMARK_INVALID');
  assert.match(noSource.body.error, /source/);
  const list = await getJson<{ leaderboards: Summary[] }>('/api/leaderboards');
  assert.equal(list.status, 200);
  assert.equal(list.body.leaderboards.find((entry) => entry.id === 'admin/wrong-split')?.error?.code, 'BENCHMARK_SPLIT_NOT_FOUND');
  // A dataset without eval.yaml, or one the caller cannot read, is no leaderboard.
  await createRepo('dataset', 'plain');
  assert.equal((await getJson<unknown>('/api/leaderboards/admin/plain')).code, 'LEADERBOARD_NOT_FOUND');
  await createRepo('dataset', 'hidden-bench', { private: true, token: alice });
  await commit('dataset', 'alice/hidden-bench', { 'eval.yaml': EVAL_YAML.replace('afqmc/', 'x/') }, alice);
  assert.equal((await getJson<unknown>('/api/leaderboards/alice/hidden-bench', bob)).code, 'LEADERBOARD_NOT_FOUND');
  assert.ok(!(await getJson<{ leaderboards: Summary[] }>('/api/leaderboards', bob)).body.leaderboards.some((entry) => entry.id === 'alice/hidden-bench'));
});
