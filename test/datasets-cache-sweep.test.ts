// The datasets cache stays bounded (MODA_DATASETS_CACHE_MAX): past it the least recently used
// commits' preparations are removed, never one a running query reads, and a removed commit is
// prepared again on its next view; a deleted repo's preparations are removed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, sql, viewer } from './helpers/dataset-repo.js';

const servers: TestServer[] = [];
after(async () => {
  for (const server of servers) await server.stop();
});

function cacheDir(server: TestServer, commit: string): string {
  return join(server.home, 'datasets-cache', commit.slice(0, 2), commit);
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rowsAt(server: TestServer, dataset: string, commit: string): Promise<{ row: Record<string, unknown> }[]> {
  const page = await viewer<{ rows: { row: Record<string, unknown> }[] }>(server, `rows?dataset=${dataset}&split=train&revision=${commit}&length=5`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.rows;
}

const csv = (version: number) => `id,text\n${Array.from({ length: 200 }, (_, index) => `${index},v${version} row ${index}`).join('\n')}\n`;

void test('past MODA_DATASETS_CACHE_MAX the least recently used commit is removed, never one a query is reading, and comes back on its next view', async () => {
  // A 1-byte cache keeps only commits in use; queries may run a minute before they are stopped.
  const server = await startTestServer({ datasetsCacheMaxBytes: 1, datasetQueryTimeoutMs: 60_000 });
  servers.push(server);
  await createDataset(server, 'lru');
  const a = await commitFiles(server, 'admin/lru', { 'train.csv': csv(1) });
  assert.equal((await rowsAt(server, 'admin/lru', a))[0]?.row.text, 'v1 row 0');
  assert.ok(existsSync(cacheDir(server, a)));

  const b = await commitFiles(server, 'admin/lru', { 'train.csv': csv(2) });
  await rowsAt(server, 'admin/lru', b);
  await until('the older commit is removed', () => !existsSync(cacheDir(server, a)));
  assert.ok(existsSync(cacheDir(server, b)));

  // The removed commit is prepared again on its next view, with its own rows.
  assert.equal((await rowsAt(server, 'admin/lru', a))[0]?.row.text, 'v1 row 0');
  await until('the other commit is removed in turn', () => !existsSync(cacheDir(server, b)));

  // A query reading commit a runs until its time limit; meanwhile a new commit is prepared and a
  // repo deletion sweeps again.
  let settled = false;
  const running = sql(server, { dataset: 'admin/lru', revision: a, query: 'SELECT count(*) FROM range(1000000000) x, train WHERE x.range + train.id = -1' }).finally(() => {
    settled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const c = await commitFiles(server, 'admin/lru', { 'train.csv': csv(3) });
  await rowsAt(server, 'admin/lru', c);
  await createDataset(server, 'junk');
  const deleted = await server.request('/api/repos/delete', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'junk', organization: 'admin', type: 'dataset' }) });
  assert.equal(deleted.status, 200, await deleted.text());
  await until('the unused commit c is removed', () => !existsSync(cacheDir(server, c)));
  assert.equal(settled, false, 'the query was still running during the sweep');
  assert.ok(existsSync(cacheDir(server, a)), 'a cache a running query reads is kept');
  const answer = await running;
  assert.deepEqual([answer.status, answer.code], [504, 'DATASET_QUERY_TIMEOUT']);

  // Once the query is done, the next sweep may remove it.
  const e = await commitFiles(server, 'admin/lru', { 'train.csv': csv(5) });
  await rowsAt(server, 'admin/lru', e);
  await until('commit a is removed after its query', () => !existsSync(cacheDir(server, a)));
});

void test("a deleted dataset's preparations are removed; a commit another repo still uses is kept", async () => {
  const server = await startTestServer();
  servers.push(server);
  await createDataset(server, 'doomed');
  await createDataset(server, 'kept');
  const doomed = await commitFiles(server, 'admin/doomed', { 'train.csv': 'id,text\n1,doomed\n' });
  const kept = await commitFiles(server, 'admin/kept', { 'train.csv': 'id,text\n1,kept\n' });
  await rowsAt(server, 'admin/doomed', doomed);
  await rowsAt(server, 'admin/kept', kept);
  assert.ok(existsSync(cacheDir(server, doomed)));

  const deleted = await server.request('/api/repos/delete', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'doomed', organization: 'admin', type: 'dataset' }) });
  assert.equal(deleted.status, 200, await deleted.text());
  await until("the deleted dataset's cache is removed", () => !existsSync(cacheDir(server, doomed)));
  assert.ok(existsSync(cacheDir(server, kept)));
  assert.equal((await rowsAt(server, 'admin/kept', kept))[0]?.row.text, 'kept');
});
