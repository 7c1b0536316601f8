// The dataset viewer API over HTTP (`/datasets-server/*`), in the Hugging Face viewer's shapes:
// splits from each layout convention, rows pages with row_idx across Parquet shards read in place
// from LFS, features, info/size, statistics, search, filter, SQL, media URLs, per-commit caching and
// private datasets hidden from those who cannot read them.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset, parquetOf, rowGroupsOf, sql, viewer } from './helpers/dataset-repo.js';
import { prepareDataset } from '../src/datasets/prepare-dataset.js';

let server: TestServer;
let scratch: string;

interface Page {
  features: { feature_idx: number; name: string; type: Record<string, unknown> }[];
  rows: { row_idx: number; row: Record<string, unknown>; truncated_cells: string[] }[];
  num_rows_total: number;
  num_rows_per_page: number;
  partial: boolean;
}

const CSV_TRAIN = 'id,text,score\n' + Array.from({ length: 250 }, (_, index) => `${index},"row ${index}${index % 50 === 0 ? ' spam' : ''}",${index / 10}`).join('\n') + '\n';
const CSV_TEST = 'id,text,score\n1,"alpha",0.5\n2,"beta, quoted",1.5\n';

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'moda-datasets-'));
  // Small LFS threshold: the Parquet shards and images become LFS objects read in place.
  server = await startTestServer({ lfsThresholdBytes: 2048 });
  await createDataset(server, 'csv');
  await commitFiles(server, 'admin/csv', { 'README.md': '---\nlicense: mit\n---\n# CSV\n', 'train.csv': CSV_TRAIN, 'test.csv': CSV_TEST });
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('CSV: splits, first-rows, rows pages with features and row_idx, info and size', async () => {
  const splits = await viewer<{ splits: unknown[]; pending: unknown[]; failed: unknown[] }>(server, 'splits?dataset=admin/csv');
  assert.equal(splits.status, 200, JSON.stringify(splits.body));
  assert.deepEqual(splits.body, { splits: [{ dataset: 'admin/csv', config: 'default', split: 'train' }, { dataset: 'admin/csv', config: 'default', split: 'test' }], pending: [], failed: [] });

  const first = await viewer<Page & { truncated: boolean }>(server, 'first-rows?dataset=admin/csv&config=default&split=train');
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.features.map((feature) => [feature.feature_idx, feature.name, feature.type]), [
    [0, 'id', { dtype: 'int64', _type: 'Value' }],
    [1, 'text', { dtype: 'string', _type: 'Value' }],
    [2, 'score', { dtype: 'float64', _type: 'Value' }],
  ]);
  assert.equal(first.body.rows.length, 100);
  assert.equal(first.body.truncated, true);
  assert.deepEqual(first.body.rows[3], { row_idx: 3, row: { id: 3, text: 'row 3', score: 0.3 }, truncated_cells: [] });

  const page = await viewer<Page>(server, 'rows?dataset=admin/csv&config=default&split=train&offset=245&length=100');
  assert.equal(page.body.num_rows_total, 250);
  assert.equal(page.body.num_rows_per_page, 100);
  assert.equal(page.body.partial, false);
  assert.deepEqual(page.body.rows.map((row) => row.row_idx), [245, 246, 247, 248, 249]);
  assert.deepEqual(page.body.rows.map((row) => row.row.id), [245, 246, 247, 248, 249]);
  const past = await viewer<Page>(server, 'rows?dataset=admin/csv&split=train&offset=1000');
  assert.deepEqual(past.body.rows, []);
  const test2 = await viewer<Page>(server, 'rows?dataset=admin/csv&split=test');
  assert.equal(test2.body.rows[1]?.row.text, 'beta, quoted');

  const info = await viewer<{ dataset_info: Record<string, { splits: Record<string, { num_examples: number }>; features: Record<string, unknown> }> }>(server, 'info?dataset=admin/csv');
  assert.equal(info.body.dataset_info.default?.splits.train?.num_examples, 250);
  assert.deepEqual(Object.keys(info.body.dataset_info.default?.features ?? {}), ['id', 'text', 'score']);
  const size = await viewer<{ size: { dataset: { num_rows: number; num_bytes_original_files: number }; splits: { split: string; num_rows: number }[] } }>(server, 'size?dataset=admin/csv');
  assert.equal(size.body.size.dataset.num_rows, 252);
  assert.equal(size.body.size.dataset.num_bytes_original_files, CSV_TRAIN.length + CSV_TEST.length);
  assert.deepEqual(size.body.size.splits.map((split) => [split.split, split.num_rows]), [['train', 250], ['test', 2]]);
});

void test('bad parameters: missing split, length over 100, unknown config and split', async () => {
  assert.equal((await viewer(server, 'rows?dataset=admin/csv')).code, 'VALIDATION_FAILED');
  assert.equal((await viewer(server, 'rows?dataset=admin/csv&split=train&length=101')).code, 'VALIDATION_FAILED');
  assert.equal((await viewer(server, 'rows?dataset=admin/csv&split=train&offset=-1')).code, 'VALIDATION_FAILED');
  const config = await viewer(server, 'rows?dataset=admin/csv&config=nope&split=train');
  assert.deepEqual([config.status, config.code], [404, 'DATASET_CONFIG_NOT_FOUND']);
  const split = await viewer<{ error: string }>(server, 'rows?dataset=admin/csv&split=nope');
  assert.deepEqual([split.status, split.code], [404, 'DATASET_SPLIT_NOT_FOUND']);
  assert.match(split.body.error, /train, test/);
  assert.equal((await viewer(server, 'splits?dataset=admin/none')).code, 'RepoNotFound');
  assert.equal((await viewer(server, 'splits')).code, 'VALIDATION_FAILED');
  assert.equal((await viewer(server, 'splits?dataset=admin/csv&revision=nope')).code, 'RevisionNotFound');
});

void test('Parquet shards are read in place from the blob store, and rows cross shard boundaries', async () => {
  await createDataset(server, 'shards');
  const shard0 = await parquetOf(scratch, 's0.parquet', 'SELECT range AS n, range * 2 AS twice, [range, range + 1] AS pair FROM range(0, 1500)');
  const shard1 = await parquetOf(scratch, 's1.parquet', 'SELECT range AS n, range * 2 AS twice, [range, range + 1] AS pair FROM range(1500, 2000)');
  const holdout = await parquetOf(scratch, 't.parquet', 'SELECT range AS n, range * 2 AS twice, [range] AS pair FROM range(0, 10)');
  const commit = await commitFiles(server, 'admin/shards', { 'data/train-00000-of-00002.parquet': shard0, 'data/train-00001-of-00002.parquet': shard1, 'data/test-00000-of-00001.parquet': holdout });
  const page = await viewer<Page>(server, 'rows?dataset=admin/shards&config=default&split=train&offset=1450&length=100');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal(page.body.num_rows_total, 2000);
  assert.deepEqual(page.body.rows.map((row) => row.row_idx), Array.from({ length: 100 }, (_, index) => 1450 + index));
  assert.deepEqual(page.body.rows.map((row) => row.row.n), Array.from({ length: 100 }, (_, index) => 1450 + index));
  assert.deepEqual(page.body.rows[0]?.row.pair, [1450, 1451]);
  assert.deepEqual(page.body.features[2]?.type, { feature: { dtype: 'int64', _type: 'Value' }, _type: 'Sequence' });
  // In place: the cache folder of the commit holds no copy of the shards.
  const cached = await readdir(join(server.home, 'datasets-cache', commit.slice(0, 2), commit));
  assert.deepEqual(cached.filter((name) => name.endsWith('.parquet')), []);
  const splits = await viewer<{ splits: { split: string }[] }>(server, 'splits?dataset=admin/shards');
  assert.deepEqual(splits.body.splits.map((split) => split.split), ['train', 'test']);

  // One row group of 50,000 rows would be decoded whole for every page: that file is rewritten.
  await createDataset(server, 'biggroups');
  const big = await parquetOf(scratch, 'big.parquet', 'SELECT range AS n FROM range(50000)', 'parquet, ROW_GROUP_SIZE 50000');
  const bigCommit = await commitFiles(server, 'admin/biggroups', { 'train.parquet': big });
  const bigPage = await viewer<Page>(server, 'rows?dataset=admin/biggroups&split=train&offset=49998');
  assert.deepEqual(bigPage.body.rows.map((row) => [row.row_idx, row.row.n]), [[49998, 49998], [49999, 49999]]);
  // Rewritten into one file of smaller row groups, in order.
  const groups = await rowGroupsOf(join(server.home, 'datasets-cache', bigCommit.slice(0, 2), bigCommit, '0-0.parquet'));
  assert.ok(groups.length > 1 && groups.every((rows) => rows <= 32768), groups.join(', '));
  const boundary = (groups[0] ?? 0) - 50;
  const straddling = await viewer<Page>(server, `rows?dataset=admin/biggroups&split=train&offset=${boundary}&length=100`);
  assert.deepEqual(straddling.body.rows.map((row) => [row.row_idx, row.row.n]), Array.from({ length: 100 }, (_, index) => [boundary + index, boundary + index]));
  const nearEdge = await viewer<Page>(server, 'rows?dataset=admin/biggroups&split=train&offset=2000&length=100');
  assert.deepEqual(nearEdge.body.rows.map((row) => row.row.n), Array.from({ length: 100 }, (_, index) => 2000 + index));
  assert.deepEqual(nearEdge.body.features.map((feature) => feature.name), ['n']);
});

void test('JSON lines (gzip), CLUE train/dev/test .json, JSON arrays and TSV', async () => {
  await createDataset(server, 'clue');
  const line = (index: number) => JSON.stringify({ sentence: `句子 ${index}`, label: String(index % 3), nested: { a: index } });
  await commitFiles(server, 'admin/clue', {
    'train.json': Array.from({ length: 30 }, (_, index) => line(index)).join('\n') + '\n',
    'dev.json': `${line(100)}\n${line(101)}\n`,
    'test.json': JSON.stringify([{ sentence: 'array row', label: '1', nested: { a: 7 } }]),
  });
  const splits = await viewer<{ splits: { split: string }[] }>(server, 'splits?dataset=admin/clue');
  assert.deepEqual(splits.body.splits.map((split) => split.split), ['train', 'validation', 'test']);
  const dev = await viewer<Page>(server, 'rows?dataset=admin/clue&split=validation');
  assert.deepEqual(dev.body.rows[0]?.row, { sentence: '句子 100', label: '1', nested: { a: 100 } });
  assert.deepEqual(dev.body.features[2]?.type, { a: { dtype: 'int64', _type: 'Value' } });
  const testSplit = await viewer<Page>(server, 'rows?dataset=admin/clue&split=test');
  assert.equal(testSplit.body.rows[0]?.row.sentence, 'array row');

  await createDataset(server, 'packed');
  const zst = await parquetOf(scratch, 'test.csv.zst', "SELECT 'z' || range AS x FROM range(3)", 'csv, COMPRESSION zstd');
  await commitFiles(server, 'admin/packed', { 'train.jsonl.gz': gzipSync(Buffer.from('{"x":1}\n{"x":2}\n')), 'test.csv.zst': zst });
  const gz = await viewer<Page>(server, 'rows?dataset=admin/packed&split=train');
  assert.equal(gz.status, 200, JSON.stringify(gz.body));
  assert.deepEqual(gz.body.rows.map((row) => row.row.x), [1, 2]);
  // One format per dataset without a card (Hugging Face picks one builder): the JSON files win.
  assert.deepEqual((await viewer<{ splits: { split: string }[] }>(server, 'splits?dataset=admin/packed')).body.splits.map((split) => split.split), ['train']);
  await createDataset(server, 'tabs');
  await commitFiles(server, 'admin/tabs', { 'test.csv.zst': zst, 'validation.csv': 'x\nplain\n' });
  const zstd = await viewer<Page>(server, 'rows?dataset=admin/tabs&split=test');
  assert.equal(zstd.status, 200, JSON.stringify(zstd.body));
  assert.deepEqual(zstd.body.rows.map((row) => row.row.x), ['z0', 'z1', 'z2']);
  await createDataset(server, 'tsv');
  await commitFiles(server, 'admin/tsv', { 'validation.tsv': 'a\tb\n1\tone\n2\ttwo\n' });
  const tsv = await viewer<Page>(server, 'rows?dataset=admin/tsv&split=validation');
  assert.deepEqual(tsv.body.rows.map((row) => row.row.b), ['one', 'two']);
});

void test('the card configs block picks configs and splits', async () => {
  await createDataset(server, 'configs');
  const card = '---\nconfigs:\n- config_name: small\n  data_files:\n  - split: train\n    path: small/*.csv\n- config_name: big\n  default: true\n  data_files:\n  - split: everything\n    path: [big/a.csv, big/b.csv]\n---\n';
  await commitFiles(server, 'admin/configs', { 'README.md': card, 'small/x.csv': 'v\n1\n', 'big/a.csv': 'v\n1\n2\n', 'big/b.csv': 'v\n3\n' });
  const splits = await viewer<{ splits: { config: string; split: string }[] }>(server, 'splits?dataset=admin/configs');
  assert.deepEqual(splits.body.splits, [{ dataset: 'admin/configs', config: 'big', split: 'everything' }, { dataset: 'admin/configs', config: 'small', split: 'train' }]);
  const rows = await viewer<Page>(server, 'rows?dataset=admin/configs&config=big&split=everything');
  assert.deepEqual(rows.body.rows.map((row) => row.row.v), [1, 2, 3]);
});

void test('imagefolder: class folders give a ClassLabel and rows give image URLs at the commit', async () => {
  await createDataset(server, 'images');
  const png = (seed: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, seed, ...new Array<number>(3000).fill(seed)]);
  const commit = await commitFiles(server, 'admin/images', { 'train/cat/1.png': png(1), 'train/dog/2.png': png(2), 'train/dog/3.png': png(3), 'test/cat/4.png': png(4), 'test/dog/5.png': png(5) });
  const page = await viewer<Page>(server, 'rows?dataset=admin/images&split=train');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.deepEqual(page.body.features.map((feature) => feature.type), [{ _type: 'Image' }, { names: ['cat', 'dog'], _type: 'ClassLabel' }]);
  const image = page.body.rows[1]?.row.image as { src: string };
  assert.equal(image.src, `${server.url}/datasets/admin/images/resolve/${commit}/train/dog/2.png`);
  assert.equal(page.body.rows[1]?.row.label, 1);
  const fetched = await server.request(image.src.slice(server.url.length));
  assert.deepEqual(new Uint8Array(await fetched.arrayBuffer()), png(2));
  const stats = await viewer<{ statistics: { column_name: string; column_type: string; column_statistics: Record<string, unknown> }[] }>(server, 'statistics?dataset=admin/images&split=train');
  assert.deepEqual(stats.body.statistics[1], { column_name: 'label', column_type: 'class_label', column_statistics: { nan_count: 0, nan_proportion: 0, no_label_count: 0, no_label_proportion: 0, n_unique: 2, frequencies: { dog: 2, cat: 1 } } });
  // These "PNGs" are a signature and filler: no width can be read, so every row is a null (test/datasets-media-statistics has real ones).
  assert.deepEqual([stats.body.statistics[0]?.column_type, stats.body.statistics[0]?.column_statistics.nan_count], ['image', 3]);

  await createDataset(server, 'sounds');
  await commitFiles(server, 'admin/sounds', { 'data/a.wav': new Uint8Array(3000).fill(1), 'data/b.wav': new Uint8Array(3000).fill(2), 'data/metadata.jsonl': '{"file_name":"a.wav","transcript":"hello"}\n{"file_name":"b.wav","transcript":"world"}\n' });
  const sounds = await viewer<Page>(server, 'rows?dataset=admin/sounds&split=train');
  assert.equal(sounds.status, 200, JSON.stringify(sounds.body));
  assert.deepEqual(sounds.body.features.map((feature) => feature.name), ['audio', 'transcript']);
  assert.match(JSON.stringify(sounds.body.rows[1]?.row.audio), /resolve\/[0-9a-f]{40}\/data\/b\.wav","type":"audio\/wav"/);
  assert.equal(sounds.body.rows[1]?.row.transcript, 'world');
});

void test('statistics per column: numbers, text lengths and labels', async () => {
  interface Stats { num_examples: number; statistics: { column_name: string; column_type: string; column_statistics: Record<string, unknown> }[] }
  const stats = await viewer<Stats>(server, 'statistics?dataset=admin/csv&split=train');
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  assert.equal(stats.body.num_examples, 250);
  const byName = Object.fromEntries(stats.body.statistics.map((entry) => [entry.column_name, entry]));
  assert.equal(byName.id?.column_type, 'int');
  assert.deepEqual([byName.id?.column_statistics.min, byName.id?.column_statistics.max, byName.id?.column_statistics.mean, byName.id?.column_statistics.nan_count], [0, 249, 124.5, 0]);
  const histogram = byName.id?.column_statistics.histogram as { hist: number[]; bin_edges: number[] };
  assert.equal(histogram.hist.reduce((sum, count) => sum + count, 0), 250);
  assert.equal(histogram.bin_edges.length, histogram.hist.length + 1);
  assert.equal(byName.score?.column_type, 'float');
  assert.ok(Math.abs((byName.score?.column_statistics.max as number) - 24.9) < 1e-9);
  assert.equal(byName.text?.column_type, 'string_text');
  assert.deepEqual([byName.text?.column_statistics.min, byName.text?.column_statistics.max], [5, 12]);
  const labels = await viewer<Stats>(server, 'statistics?dataset=admin/clue&split=train');
  const label = labels.body.statistics.find((entry) => entry.column_name === 'label');
  assert.deepEqual(label?.column_type, 'string_label');
  assert.deepEqual(label?.column_statistics.frequencies, { '0': 10, '1': 10, '2': 10 });
});

void test('search matches text columns; filter takes where and orderby', async () => {
  const found = await viewer<Page>(server, 'search?dataset=admin/csv&split=train&query=SPAM');
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.equal(found.body.num_rows_total, 5);
  assert.deepEqual(found.body.rows.map((row) => row.row_idx), [0, 50, 100, 150, 200]);
  const literal = await viewer<Page>(server, `search?dataset=admin/csv&split=train&query=${encodeURIComponent("%' OR 1=1 --")}`);
  assert.equal(literal.body.num_rows_total, 0);
  const filtered = await viewer<Page>(server, `filter?dataset=admin/csv&split=train&where=${encodeURIComponent('"score" >= 24 AND id % 2 = 0')}&orderby=${encodeURIComponent('"id" DESC')}`);
  assert.equal(filtered.status, 200, JSON.stringify(filtered.body));
  assert.equal(filtered.body.num_rows_total, 5);
  assert.deepEqual(filtered.body.rows.map((row) => row.row_idx), [248, 246, 244, 242, 240]);
  const paged = await viewer<Page>(server, `filter?dataset=admin/csv&split=train&where=${encodeURIComponent('id < 50')}&offset=40&length=5`);
  assert.deepEqual(paged.body.rows.map((row) => row.row_idx), [40, 41, 42, 43, 44]);
  assert.equal(paged.body.num_rows_total, 50);
});

void test('SQL: one SELECT over views named after the splits, with a row limit', async () => {
  const answer = await sql<{ columns: { name: string }[]; rows: Record<string, unknown>[]; num_rows: number; partial: boolean }>(server, { dataset: 'admin/csv', query: 'SELECT t.id, t.text FROM train t JOIN test USING (id) ORDER BY id' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body.rows, [{ id: 1, text: 'row 1' }, { id: 2, text: 'row 2' }]);
  const limited = await sql<{ rows: unknown[]; partial: boolean }>(server, { dataset: 'admin/shards', query: 'SELECT * FROM train' });
  assert.equal(limited.body.rows.length, server.config.datasetSqlMaxRows);
  assert.equal(limited.body.partial, true);
  const counted = await sql<{ rows: unknown[] }>(server, { dataset: 'admin/configs', config: 'small', query: 'SELECT count(*) AS n FROM train' });
  assert.deepEqual(counted.body.rows, [{ n: 1 }]);
});

void test('a new commit shows its own rows; the old commit keeps its own', async () => {
  await createDataset(server, 'moving');
  const first = await commitFiles(server, 'admin/moving', { 'train.csv': 'v\nold\n' });
  assert.deepEqual((await viewer<Page>(server, 'rows?dataset=admin/moving&split=train')).body.rows.map((row) => row.row.v), ['old']);
  const second = await commitFiles(server, 'admin/moving', { 'train.csv': 'v\nnew\nnewer\n' });
  assert.notEqual(first, second);
  assert.deepEqual((await viewer<Page>(server, 'rows?dataset=admin/moving&split=train')).body.rows.map((row) => row.row.v), ['new', 'newer']);
  assert.deepEqual((await viewer<Page>(server, `rows?dataset=admin/moving&split=train&revision=${first}`)).body.rows.map((row) => row.row.v), ['old']);
  assert.deepEqual((await sql<{ rows: unknown[] }>(server, { dataset: 'admin/moving', revision: first, query: 'SELECT v FROM train' })).body.rows, [{ v: 'old' }]);
});

void test('prepareDataset builds the cache ahead of the routes and is idempotent', async () => {
  await createDataset(server, 'ahead');
  const commit = await commitFiles(server, 'admin/ahead', { 'train.csv': 'a\n1\n2\n' });
  const gitDir = join(server.home, 'repos', 'datasets', 'admin', 'ahead.git');
  const progress: number[] = [];
  const manifest = await prepareDataset(server.hub, { gitDir }, commit, { onProgress: (event) => progress.push(event.fraction) });
  assert.equal(manifest.configs[0]?.splits[0]?.numRows, 2);
  assert.equal(progress.at(-1), 1);
  assert.deepEqual(await prepareDataset(server.hub, { gitDir }, commit), manifest);
  assert.deepEqual((await readdir(join(server.home, 'datasets-cache', '.work'))).length, 0);
});

void test('a private dataset is a 404 on every route for anyone who cannot read it', async () => {
  const ownerToken = await createUserWithToken(server, 'dsowner');
  const otherToken = await createUserWithToken(server, 'dsother');
  await createDataset(server, 'dsowner/secret', { private: true, token: ownerToken });
  await commitFiles(server, 'dsowner/secret', { 'train.csv': 'secret\nhunter2\n' }, ownerToken);
  const paths = ['splits?dataset=dsowner/secret', 'first-rows?dataset=dsowner/secret&split=train', 'rows?dataset=dsowner/secret&split=train', 'info?dataset=dsowner/secret', 'size?dataset=dsowner/secret', 'statistics?dataset=dsowner/secret&split=train', 'search?dataset=dsowner/secret&split=train&query=h', 'filter?dataset=dsowner/secret&split=train&where=1%3D1'];
  for (const token of [null, otherToken]) {
    for (const path of paths) {
      const answer = await viewer(server, path, token);
      assert.deepEqual([answer.status, answer.code], [404, 'RepoNotFound'], path);
      assert.doesNotMatch(JSON.stringify(answer.body), /hunter2/);
    }
    const answer = await sql(server, { dataset: 'dsowner/secret', query: 'SELECT * FROM train' }, token);
    assert.deepEqual([answer.status, answer.code], [404, 'RepoNotFound']);
  }
  const owner = await viewer<Page>(server, 'rows?dataset=dsowner/secret&split=train', ownerToken);
  assert.deepEqual(owner.body.rows[0]?.row, { secret: 'hunter2' });
});
