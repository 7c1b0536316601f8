// The leaderboard index on PostgreSQL (MODA_DATABASE_URL): migration 0011, the stale-repo catch-up
// join, upserts, a verified result confirmed through the jobs table, and an older revision.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import { finishJob, insertJob } from '../src/jobs/job-store.js';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let cluster: PostgresCluster;
let home: string;
let server: TestServer;

async function commit(type: 'model' | 'dataset', name: string, files: Record<string, string>): Promise<string> {
  const result = await hubCommit({ repo: { type, name }, accessToken: ADMIN_TOKEN, hubUrl: server.url, title: 'update', operations: Object.entries(files).map(([path, content]) => ({ operation: 'addOrUpdate' as const, path, content: new Blob([content]) })) });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

before(async () => {
  cluster = await startPostgresCluster();
  home = await mkdtemp(join(tmpdir(), 'moda-pg-leaderboards-'));
  server = await startTestServer({ databaseUrl: cluster.url }, home);
});

after(async () => {
  await server?.stop();
  await cluster?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

void test('PostgreSQL: a verified result, its rank, and an older revision after new weights', async () => {
  for (const [type, name] of [['dataset', 'bench'], ['model', 'm']] as const) {
    const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type }) });
    assert.equal(response.status, 200, await response.text());
  }
  await commit('dataset', 'admin/bench', { 'eval.yaml': 'name: Bench\nmetric: accuracy\ntasks:\n  - {id: all, split: test}\n', 'test.json': '{"text": "a", "label": "x"}\n' });
  // The evaluation job's flow: weights committed, a job pinned to that commit, results written back.
  const first = await commit('model', 'admin/m', { 'model.onnx': 'w1' });
  const job = await insertJob(server.hub.db, { type: 'eval', params: { model: 'admin/m', dataset: 'admin/bench' }, owner: 'admin', tokenId: null, maxAttempts: 1 });
  await server.hub.db.updateTable('jobs').set({ state: 'running' }).where('id', '=', job.id).execute();
  await finishJob(server.hub.db, job.id, { state: 'succeeded', result: { model_commit: first, metrics: { accuracy: 0.75 } } });
  await commit('model', 'admin/m', { '.eval_results/bench.yaml': `- dataset: {id: admin/bench, task_id: all}\n  value: 0.75\n  job_id: ${job.id}\n`, 'README.md': '---\nmodel-index:\n  - name: m\n    results:\n      - task: {type: text-classification}\n        dataset: {type: admin/bench, name: Bench, split: test}\n        metrics: [{type: accuracy, value: 0.7}]\n---\n' });
  let board = (await (await server.request('/api/leaderboards/admin/bench')).json()) as { rows: { commit: string; status: string; rank: number | null; current: boolean }[] };
  assert.deepEqual(board.rows.map((row) => [row.commit, row.status, row.rank]), [[first, 'verified', 1]]);
  // New weights: the carried-over number is not theirs to be verified (the job was pinned to `first`).
  const second = await commit('model', 'admin/m', { 'model.onnx': 'w2' });
  board = (await (await server.request('/api/leaderboards/admin/bench')).json()) as typeof board;
  assert.deepEqual(board.rows.map((row) => [row.commit, row.current, row.status]), [[second, true, 'self-reported'], [first, false, 'verified']]);
  // A result that names its evaluated commit (`model_revision`, as evaluation jobs write) stays with it.
  await commit('model', 'admin/m', { '.eval_results/bench.yaml': `- dataset: {id: admin/bench, task_id: all}\n  value: 0.75\n  job_id: ${job.id}\n  model_revision: ${first}\n` });
  board = (await (await server.request('/api/leaderboards/admin/bench')).json()) as typeof board;
  assert.deepEqual(board.rows.map((row) => [row.commit, row.current, row.status]), [[second, true, 'self-reported'], [first, false, 'verified']]);
});
