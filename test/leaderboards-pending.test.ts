// The leaderboard index's catch-up on read looks up only the repos whose head it has not read: the
// write that records a head marks the repo pending (repos.eval_pending, indexed), the indexer clears
// the mark. A repo left pending (as the migration leaves every repo an older server wrote) is
// indexed by the next read; the lookup goes through the index, not a scan over repos.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { commitHubFiles, createHubRepo } from './helpers/hub-repos.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

const createRepo = (type: 'model' | 'dataset', name: string) => createHubRepo(server, type, name);
const commit = (type: 'model' | 'dataset', repo: string, files: Record<string, string>) => commitHubFiles(server, type, repo, files);

const pending = async () => (await server.hub.db.selectFrom('repos').select('key').where('eval_pending', '=', 1).where('sha', 'is not', null).execute()).map((row) => row.key).sort();

async function rows(): Promise<{ model: string; score: number }[]> {
  const response = await server.request('/api/leaderboards/admin/bench', { token: null });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { rows: { model: string; score: number }[] }).rows;
}

before(async () => {
  server = await startTestServer();
  await createRepo('dataset', 'bench');
  await commit('dataset', 'admin/bench', { 'test.csv': 'text,label\na,x\n', 'eval.yaml': 'name: Bench\nmetric: accuracy\ntasks:\n  - {id: test, config: default, split: test}\n' });
  await createRepo('model', 'm');
  await commit('model', 'admin/m', { 'model.onnx': 'm', '.eval_results/bench.yaml': '- dataset: {id: admin/bench, task_id: test}\n  value: 0.75\n' });
});

after(async () => {
  await server?.stop();
});

void test('after commits and a read, nothing is pending and the rows are there', async () => {
  assert.deepEqual((await rows()).map((row) => [row.model, row.score]), [['admin/m', 0.75]]);
  assert.deepEqual(await pending(), []);
});

void test('a repo left pending with its index gone (as after the migration) is indexed by the next read, and the mark cleared', async () => {
  const repo = await server.hub.db.selectFrom('repos').select('id').where('key', '=', 'admin/m').executeTakeFirstOrThrow();
  await server.hub.db.deleteFrom('eval_results').where('model_repo_id', '=', repo.id).execute();
  await server.hub.db.deleteFrom('eval_indexed_repos').where('repo_id', '=', repo.id).execute();
  await server.hub.db.updateTable('repos').set({ eval_pending: 1 }).where('id', '=', repo.id).execute();
  assert.deepEqual(await pending(), ['admin/m']);
  assert.deepEqual((await rows()).map((row) => [row.model, row.score]), [['admin/m', 0.75]]);
  assert.deepEqual(await pending(), []);
});

void test('a new head marks the repo pending until it is indexed', async () => {
  await commit('model', 'admin/m', { '.eval_results/bench.yaml': '- dataset: {id: admin/bench, task_id: test}\n  value: 0.5\n' });
  // The commit's own indexing (this process saw it) or the read clears it; the read shows the new value.
  assert.deepEqual((await rows()).map((row) => [row.model, row.score]), [['admin/m', 0.5]]);
  assert.deepEqual(await pending(), []);
});

void test('the catch-up lookup uses the repos_eval_pending index (SQLite query plan)', async () => {
  const query = server.hub.db.selectFrom('repos').selectAll().where('eval_pending', '=', 1).where('sha', 'is not', null).limit(200).compile();
  const plan = await server.hub.db.executeQuery(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]));
  const details = plan.rows.map((row) => String((row as { detail: unknown }).detail)).join('\n');
  assert.match(details, /USING INDEX repos_eval_pending/, details);
  assert.doesNotMatch(details, /SCAN repos\b/, details);
});
