// User columns named like the viewer's own hidden columns: a CSV with a `__moda_row` column (the
// name conversions give each row's index) keeps it as an ordinary column in rows, search, SQL and
// statistics; a `file_row_number` column (DuckDB's name for a row's place in its file) works in
// converted and in Parquet files alike; `__moda_row_idx`, the row index the viewer's queries carry,
// is refused with a stable code instead of shadowing it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, parquetOf, sql, viewer } from './helpers/dataset-repo.js';

let server: TestServer;
let scratch: string;

interface Page {
  features: { name: string }[];
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'moda-reserved-'));
  server = await startTestServer({ lfsThresholdBytes: 2048 });
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('a CSV column named __moda_row is the user\'s column everywhere; row_idx still counts rows', async () => {
  await createDataset(server, 'own-row');
  // The user's __moda_row runs backwards, so it cannot be mistaken for the index.
  const csv = '__moda_row,__moda_row_1,text\n' + Array.from({ length: 5000 }, (_, index) => `${9999 - index},${index % 7},row ${index}`).join('\n') + '\n';
  await commitFiles(server, 'admin/own-row', { 'train.csv': csv });
  const page = await viewer<Page>(server, 'rows?dataset=admin/own-row&split=train&offset=4095&length=3');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal(page.body.num_rows_total, 5000);
  assert.deepEqual(page.body.features.map((feature) => feature.name), ['__moda_row', '__moda_row_1', 'text']);
  assert.deepEqual(page.body.rows.map((row) => [row.row_idx, row.row.__moda_row, row.row.__moda_row_1, row.row.text]), [[4095, 5904, 0, 'row 4095'], [4096, 5903, 1, 'row 4096'], [4097, 5902, 2, 'row 4097']]);

  const filtered = await viewer<Page>(server, `filter?dataset=admin/own-row&split=train&where=${encodeURIComponent('"__moda_row" = 9000')}`);
  assert.deepEqual(filtered.body.rows.map((row) => [row.row_idx, row.row.text]), [[999, 'row 999']]);
  const searched = await viewer<Page>(server, 'search?dataset=admin/own-row&split=train&query=row%204999');
  assert.deepEqual(searched.body.rows.map((row) => [row.row_idx, row.row.__moda_row]), [[4999, 5000]]);
  const answer = await sql<{ columns: unknown[]; rows: unknown[][] }>(server, { dataset: 'admin/own-row', query: 'SELECT min(__moda_row) AS lo, max(__moda_row) AS hi, count(*) AS n FROM train' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.match(JSON.stringify(answer.body), /5000/);
  assert.match(JSON.stringify(answer.body), /9999/);
  const statistics = await viewer<{ statistics: { column_name: string; column_statistics: Record<string, unknown> }[] }>(server, 'statistics?dataset=admin/own-row&split=train');
  const own = statistics.body.statistics.find((entry) => entry.column_name === '__moda_row');
  assert.deepEqual([own?.column_statistics.min, own?.column_statistics.max], [5000, 9999]);
});

void test('a file_row_number column works in a CSV and in Parquet read in place; __moda_row_idx is refused', async () => {
  await createDataset(server, 'own-file-row');
  const parquet = await parquetOf(scratch, 'rows.parquet', 'SELECT range AS n, 100 - range AS file_row_number FROM range(0, 50)');
  await commitFiles(server, 'admin/own-file-row', {
    'train.csv': 'file_row_number,text\n7,a\n8,b\n9,c\n',
    'test.parquet': parquet,
    'validation.csv': '__moda_row_idx,text\n1,a\n',
    'README.md': '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.csv\n  - split: test\n    path: test.parquet\n  - split: validation\n    path: validation.csv\n---\n',
  });
  const train = await viewer<Page>(server, 'rows?dataset=admin/own-file-row&split=train&offset=1&length=2');
  assert.equal(train.status, 200, JSON.stringify(train.body));
  assert.deepEqual(train.body.rows.map((row) => [row.row_idx, row.row.file_row_number, row.row.text]), [[1, 8, 'b'], [2, 9, 'c']]);
  const test2 = await viewer<Page>(server, 'rows?dataset=admin/own-file-row&split=test&offset=10&length=2');
  assert.equal(test2.status, 200, JSON.stringify(test2.body));
  assert.deepEqual(test2.body.rows.map((row) => [row.row_idx, row.row.n, row.row.file_row_number]), [[10, 10, 90], [11, 11, 89]]);
  const validation = await viewer(server, 'rows?dataset=admin/own-file-row&split=validation');
  assert.deepEqual([validation.status, validation.code], [422, 'DATASET_FILE_INVALID']);
  assert.match(JSON.stringify(validation.body), /__moda_row_idx/);
});
