// num_bytes_memory (/size) and num_bytes (/info) are measured in a second step of the preparation,
// after /splits can answer: right after the first /splits of a fresh commit they are already exact
// (the routes wait for the measure), a preparation left without its second step (a lazy one, or a
// crash between the steps) is measured by the next /size, and an older manifest is prepared again.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, viewer } from './helpers/dataset-repo.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({ jobConcurrency: 2 });
});
after(() => server.stop());

// id BIGINT with a null: 3 × 8 + 1 (bitmap); score DOUBLE: 3 × 8; flag BOOLEAN with a null:
// 3 / 8 + 1; day DATE with a null: 3 × 4 + 1; text with a null: (4 + 5) + (4 + 0) + (4 + 3) + 1.
// 25 + 24 + 1.375 + 13 + 21 = 84.375, rounded once for the split.
const MIXED = 'id,score,flag,day,text\n1,0.5,true,2024-01-01,hello\n,1.5,,2024-01-02,\n3,2.5,false,,bye\n';
const MIXED_BYTES = 84;
// Numbers only: 2 × 8 + 2 × 8, known from the conversion's footers without a scan.
const NUMBERS = 'a,b\n1,0.5\n2,1.5\n';
const NUMBERS_BYTES = 32;

interface Size {
  size: { dataset: Record<string, number>; splits: Record<string, number | string>[] };
  partial: boolean;
  pending: unknown[];
}
interface Info {
  dataset_info: { splits: Record<string, { num_bytes: number; num_examples: number }>; dataset_size: number; features: Record<string, { dtype?: string }> };
  partial: boolean;
}

function cacheDir(commit: string): string {
  return join(server.home, 'datasets-cache', commit.slice(0, 2), commit);
}

async function assertSizes(dataset: string, revision: string): Promise<void> {
  const size = await viewer<Size>(server, `size?dataset=${dataset}&revision=${revision}`);
  assert.equal(size.status, 200, JSON.stringify(size.body));
  assert.equal(size.body.partial, false);
  assert.deepEqual(size.body.pending, []);
  const bytes = Object.fromEntries(size.body.size.splits.map((split) => [split.split, split.num_bytes_memory]));
  assert.deepEqual(bytes, { train: MIXED_BYTES, test: NUMBERS_BYTES });
  assert.equal(size.body.size.dataset.num_bytes_memory, MIXED_BYTES + NUMBERS_BYTES);
  const info = await viewer<Info>(server, `info?dataset=${dataset}&config=default&revision=${revision}`);
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body.partial, false);
  assert.equal(info.body.dataset_info.splits.train?.num_bytes, MIXED_BYTES);
  assert.equal(info.body.dataset_info.splits.test?.num_bytes, NUMBERS_BYTES);
  assert.equal(info.body.dataset_info.dataset_size, MIXED_BYTES + NUMBERS_BYTES);
  // The types the byte counts above assume.
  assert.deepEqual(Object.fromEntries(Object.entries(info.body.dataset_info.features).map(([name, feature]) => [name, feature.dtype])), { id: 'int64', score: 'float64', flag: 'bool', day: 'date32', text: 'string' });
}

async function createBranch(dataset: string, branch: string): Promise<void> {
  const response = await server.request(`/api/datasets/${dataset}/branch/${branch}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(response.status, 200, await response.text());
}

async function commitToBranch(dataset: string, branch: string, files: Record<string, string>): Promise<string> {
  const result = await hubCommit({
    repo: { type: 'dataset', name: dataset },
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    title: 'data',
    branch,
    operations: Object.entries(files).map(([path, content]) => ({ operation: 'addOrUpdate' as const, path, content: new Blob([content]) })),
  });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

void test('right after the first /splits of a fresh commit, /size and /info give exact sizes, never a guess', async () => {
  await createDataset(server, 'fresh');
  // The commit starts a dataset-prepare job; /splits answers once its first step is done.
  const commit = await commitFiles(server, 'admin/fresh', { 'train.csv': MIXED, 'test.csv': NUMBERS });
  const splits = await viewer<{ splits: unknown[] }>(server, `splits?dataset=admin/fresh&revision=${commit}`);
  assert.equal(splits.status, 200, JSON.stringify(splits.body));
  assert.equal(splits.body.splits.length, 2);
  await assertSizes('admin/fresh', commit);
  // The manifest left the text split to the scan and knew the numbers-only one.
  const manifest = JSON.parse(await readFile(join(cacheDir(commit), 'manifest.json'), 'utf8')) as { configs: { splits: { split: string; memoryBytes?: number; memoryScan?: { columns: string[] } }[] }[] };
  const bySplit = new Map(manifest.configs[0]?.splits.map((split) => [split.split, split]));
  assert.equal(bySplit.get('test')?.memoryBytes, NUMBERS_BYTES);
  assert.equal(bySplit.get('train')?.memoryBytes, undefined);
  assert.deepEqual(bySplit.get('train')?.memoryScan?.columns, ['text']);
  const measured = JSON.parse(await readFile(join(cacheDir(commit), 'memory.json'), 'utf8')) as { splits: { split: string; memoryBytes: number }[] };
  assert.deepEqual(measured.splits.map((split) => [split.split, split.memoryBytes]), [['train', MIXED_BYTES]]);
});

void test('a preparation left without its second step (lazy, or a crash between the steps) is measured by the next /size', async () => {
  await createDataset(server, 'halfway');
  await commitFiles(server, 'admin/halfway', { 'README.md': '# halfway\n' });
  await createBranch('admin/halfway', 'dev');
  // A commit to a branch other than the default starts no job: the viewer prepares it lazily,
  // which runs the first step only, the state a crash between the two steps leaves.
  const commit = await commitToBranch('admin/halfway', 'dev', { 'train.csv': MIXED, 'test.csv': NUMBERS });
  assert.equal((await viewer(server, `splits?dataset=admin/halfway&revision=${commit}`)).status, 200);
  const files = await readdir(cacheDir(commit));
  assert.ok(files.includes('manifest.json'), files.join(', '));
  assert.ok(!files.includes('memory.json'), files.join(', '));
  await assertSizes('admin/halfway', commit);
  assert.ok((await readdir(cacheDir(commit))).includes('memory.json'));
  // The preparation lock was released, and no draft was left.
  assert.deepEqual(await readdir(join(server.home, 'datasets-cache', '.work')), []);
  assert.deepEqual((await readdir(cacheDir(commit))).filter((name) => name.startsWith('.memory.json')), []);
});

void test('a manifest of the previous version (sizes inside it) is prepared again, not served', async () => {
  await createDataset(server, 'older');
  await commitFiles(server, 'admin/older', { 'README.md': '# older\n' });
  await createBranch('admin/older', 'dev');
  const commit = await commitToBranch('admin/older', 'dev', { 'train.csv': MIXED, 'test.csv': NUMBERS });
  // What version 4 wrote, with sizes that are wrong for these files: none of it may be served.
  const stale = { version: 4, commit, failed: [], configs: [{ config: 'default', splits: [{ split: 'train', format: 'csv', sources: [{ kind: 'cache', file: 'gone.parquet' }], sourceRows: [1], numRows: 1, originalBytes: 1, parquetBytes: 1, memoryBytes: 1, columns: [] }] }] };
  await mkdir(cacheDir(commit), { recursive: true });
  await writeFile(join(cacheDir(commit), 'manifest.json'), JSON.stringify(stale));
  await assertSizes('admin/older', commit);
  const rows = await viewer<{ num_rows_total: number }>(server, `rows?dataset=admin/older&config=default&split=train&revision=${commit}`);
  assert.equal(rows.body.num_rows_total, 3);
});
