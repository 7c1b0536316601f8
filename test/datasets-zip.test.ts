// ModelScope-style splits packed as zip archives through the viewer API: `train.zip` and `test.zip`
// holding CSV or JSON lines come out as splits with their rows; a zip bomb, a path-traversal entry
// and an archive inside an archive fail only their own split, each with its stable code (archives of
// images and audio: datasets-zip-media.test.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, viewer } from './helpers/dataset-repo.js';
import { zipOf } from './helpers/zip-archive.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ lfsThresholdBytes: 2048 });
});
after(() => server.stop());

interface Splits {
  splits: { config: string; split: string }[];
  failed: { split: string; error: { code: string; error: string } }[];
}

void test('zip archives of CSV and JSON lines come out as splits with their rows', async () => {
  await createDataset(server, 'zipped');
  const csv = 'text,label\n' + Array.from({ length: 300 }, (_, index) => `row ${index},${index % 2}`).join('\n') + '\n';
  await commitFiles(server, 'admin/zipped', {
    'train.zip': zipOf([{ name: 'train/', data: Buffer.alloc(0), method: 0 }, { name: 'train/part-1.csv', data: Buffer.from(csv) }, { name: '__MACOSX/._part-1.csv', data: Buffer.from('junk') }]),
    'test.zip': zipOf([{ name: 'test.jsonl', data: Buffer.from('{"text":"a","label":1}\n{"text":"b","label":0}\n') }]),
  });
  const splits = await viewer<Splits>(server, 'splits?dataset=admin/zipped');
  assert.equal(splits.status, 200, JSON.stringify(splits.body));
  assert.deepEqual(splits.body.splits.map((split) => split.split), ['train', 'test']);
  assert.deepEqual(splits.body.failed, []);
  const rows = await viewer<{ rows: { row_idx: number; row: Record<string, unknown> }[]; num_rows_total: number; features: { name: string }[] }>(server, 'rows?dataset=admin/zipped&split=train&offset=250&length=3');
  assert.equal(rows.body.num_rows_total, 300);
  assert.deepEqual(rows.body.features.map((feature) => feature.name), ['text', 'label']);
  assert.deepEqual(rows.body.rows.map((row) => [row.row_idx, row.row.text, row.row.label]), [[250, 'row 250', 0], [251, 'row 251', 1], [252, 'row 252', 0]]);
  const test = await viewer<{ rows: { row: Record<string, unknown> }[] }>(server, 'rows?dataset=admin/zipped&split=test');
  assert.deepEqual(test.body.rows.map((row) => row.row.text), ['a', 'b']);
});

void test('a zip bomb, a traversal entry and an archive in an archive each fail their own split with a stable code', async () => {
  await createDataset(server, 'hostile');
  await commitFiles(server, 'admin/hostile', {
    'train.zip': zipOf([{ name: 'ok.csv', data: Buffer.from('a,b\n1,2\n') }]),
    'test.zip': zipOf([{ name: 'zeros.csv', data: Buffer.alloc(64 * 1024 ** 2, 0x30) }]),
    'validation.zip': zipOf([{ name: '../../escape.csv', data: Buffer.from('a\n1\n') }]),
  });
  const splits = await viewer<Splits>(server, 'splits?dataset=admin/hostile');
  assert.deepEqual(splits.body.splits.map((split) => split.split), ['train']);
  const failed = Object.fromEntries(splits.body.failed.map((entry) => [entry.split, entry.error.code]));
  assert.deepEqual(failed, { validation: 'DATASET_ARCHIVE_INVALID', test: 'DATASET_ARCHIVE_TOO_LARGE' });
  const bomb = await viewer(server, 'rows?dataset=admin/hostile&split=test');
  assert.deepEqual([bomb.status, bomb.code], [422, 'DATASET_ARCHIVE_TOO_LARGE']);

  await createDataset(server, 'nested-zip');
  await commitFiles(server, 'admin/nested-zip', { 'train.zip': zipOf([{ name: 'inner.zip', data: zipOf([{ name: 'a.csv', data: Buffer.from('a\n1\n') }]), method: 0 }]) });
  const nested = await viewer<Splits>(server, 'splits?dataset=admin/nested-zip');
  assert.equal(nested.body.failed[0]?.error.code, 'DATASET_LAYOUT_INVALID');
});
