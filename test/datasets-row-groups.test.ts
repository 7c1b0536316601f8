// Conversions page by position: a CSV split (two shards, one gzipped) and a JSON lines split are each
// converted into one Parquet file of several row groups without a row column, and every row of every
// page, pages straddling each row-group boundary, and the last page come back with the row_idx and
// the values of the source line they were read from (wide rows make groups of about 2,000 rows, so
// a few thousand rows span several groups). Quoted fields with commas and line breaks are in the CSV,
// so a parallel CSV reader that lost its place would show here.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, rowGroupsOf, viewer } from './helpers/dataset-repo.js';
import { finished, type JobJson } from './helpers/jobs.js';

let server: TestServer;

interface Page {
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
  partial: boolean;
}

const CSV_ROWS = [3000, 2500];
const JSON_ROWS = 4500;

/** About 1.9 KB of text for row `index`; some rows hold a comma, a quote and a line break. */
function textOf(index: number): string {
  const word = `w${index.toString(36)}`;
  const body = Array.from({ length: 1900 / (word.length + 1) }, () => word).join(' ');
  return index % 97 === 0 ? `${body}, "quoted"\nsecond line ${index}` : body;
}

function csvOf(from: number, count: number): string {
  const lines = Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    return `${index},"${textOf(index).replace(/"/g, '""')}",${index / 4}`;
  });
  return `id,text,score\n${lines.join('\n')}\n`;
}

before(async () => {
  server = await startTestServer({ lfsThresholdBytes: 2048 });
});
after(async () => {
  await server.stop();
});

async function pagesOf(dataset: string, total: number): Promise<Page['rows']> {
  const rows: Page['rows'] = [];
  for (let offset = 0; offset < total; offset += 100) {
    const page = await viewer<Page>(server, `rows?dataset=${dataset}&config=default&split=train&offset=${offset}&length=100`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.num_rows_total, total);
    assert.equal(page.body.partial, false);
    rows.push(...page.body.rows);
  }
  return rows;
}

function assertRow(row: Page['rows'][number] | undefined, index: number): void {
  assert.ok(row, `row ${index} is missing`);
  assert.equal(row.row_idx, index);
  assert.equal(row.row.id, index, `row_idx ${index} shows the row of id ${String(row.row.id)}`);
  assert.equal(row.row.text, textOf(index), `row ${index}: text`);
  assert.equal(row.row.score, index / 4, `row ${index}: score`);
}

/** Pages starting 50 rows before each row-group boundary of the split's converted file. */
async function assertBoundaries(dataset: string, commit: string, total: number): Promise<void> {
  const groups = await rowGroupsOf(join(server.home, 'datasets-cache', commit.slice(0, 2), commit, '0-0.parquet'));
  assert.ok(groups.length >= 2, `one file of several row groups: ${groups.join(', ')}`);
  assert.equal(groups.reduce((sum, rows) => sum + rows, 0), total);
  let boundary = 0;
  for (const rows of groups.slice(0, -1)) {
    boundary += rows;
    const page = await viewer<Page>(server, `rows?dataset=${dataset}&split=train&offset=${boundary - 50}&length=100`);
    assert.equal(page.body.rows.length, 100);
    page.body.rows.forEach((row, offset) => assertRow(row, boundary - 50 + offset));
  }
  const last = await viewer<Page>(server, `rows?dataset=${dataset}&split=train&offset=${total - 30}&length=100`);
  assert.equal(last.body.rows.length, 30);
  last.body.rows.forEach((row, offset) => assertRow(row, total - 30 + offset));
}

void test('a CSV split of two shards (one gzipped) pages every row in order across row groups and shards', async () => {
  await createDataset(server, 'wide-csv');
  const [first = 0, second = 0] = CSV_ROWS;
  const commit = await commitFiles(server, 'admin/wide-csv', {
    'data/train-00000-of-00002.csv': csvOf(0, first),
    'data/train-00001-of-00002.csv.gz': gzipSync(Buffer.from(csvOf(first, second))),
  });
  const total = first + second;
  const rows = await pagesOf('admin/wide-csv', total);
  assert.equal(rows.length, total);
  rows.forEach((row, index) => assertRow(row, index));
  await assertBoundaries('admin/wide-csv', commit, total);
});

void test('a JSON lines split pages every row in order across row groups', async () => {
  await createDataset(server, 'wide-json');
  const lines = Array.from({ length: JSON_ROWS }, (_, index) => JSON.stringify({ id: index, text: textOf(index), score: index / 4 }));
  const commit = await commitFiles(server, 'admin/wide-json', { 'train.jsonl': `${lines.join('\n')}\n` });
  const rows = await pagesOf('admin/wide-json', JSON_ROWS);
  rows.forEach((row, index) => assertRow(row, index));
  await assertBoundaries('admin/wide-json', commit, JSON_ROWS);
});

void test('a cache of an older layout is prepared again, not read as the new one', async () => {
  // Written by the previous version: files of one row group each with a row column, manifest v3.
  await createDataset(server, 'old-cache');
  const commit = await commitFiles(server, 'admin/old-cache', { 'train.csv': csvOf(0, 10) });
  // The push's preparation first, both steps (no request has read it, so the server holds no manifest
  // of it in memory), then its folder is replaced by the old layout.
  const folder = join(server.home, 'datasets-cache', commit.slice(0, 2), commit);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = (await (await server.request('/api/v1/jobs?type=dataset-prepare')).json()) as { jobs: JobJson[] };
    const job = jobs.jobs.find((candidate) => (candidate.params as { revision?: string }).revision === commit);
    if (job && finished(job)) {
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      break;
    }
    assert.ok(Date.now() < deadline, 'the push prepared the commit');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(folder, { recursive: true, force: true });
  await mkdir(join(folder, '0-0'), { recursive: true });
  const stale = { version: 3, commit, failed: [], configs: [{ config: 'default', splits: [{ split: 'train', format: 'csv', sources: [{ kind: 'cache', file: '0-0/data_0.parquet' }], sourceRows: [1], numRows: 1, originalBytes: 1, parquetBytes: 1, memoryBytes: 1, columns: [], rowColumn: true }] }] };
  await writeFile(join(folder, 'manifest.json'), JSON.stringify(stale));
  const page = await viewer<Page>(server, 'rows?dataset=admin/old-cache&split=train&offset=0&length=100');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal(page.body.num_rows_total, 10);
  page.body.rows.forEach((row, index) => assertRow(row, index));
});
