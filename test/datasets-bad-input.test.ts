// Bad input to the dataset viewer: broken data files (ragged CSV, a JSON-lines line that is not JSON,
// a truncated Parquet file, a 50 MB single line), a column named like an SQL keyword, SQL that tries
// to reach files, the network, extensions or settings, fragments that try to leave their clause, and
// a query that would run for minutes. Each gets a stable code; the server keeps answering.
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
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'moda-datasets-bad-'));
  server = await startTestServer({ lfsThresholdBytes: 2048, datasetQueryTimeoutMs: 1500 });
  await createDataset(server, 'good');
  await commitFiles(server, 'admin/good', { 'train.csv': 'id,text\n1,one\n2,two\n', 'test.csv': 'id,text\n3,three\n' });
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function healthy(): Promise<void> {
  assert.equal((await server.request('/healthz')).status, 200);
}

void test('a CSV with ragged rows fails its own split with DATASET_FILE_INVALID; the other split works', async () => {
  await createDataset(server, 'ragged');
  await commitFiles(server, 'admin/ragged', { 'train.csv': 'a,b\n1,2\n3,4,5\n6,7\n', 'test.csv': 'a,b\n1,2\n' });
  const splits = await viewer<{ splits: { split: string }[]; failed: { split: string; error: { code: string } }[] }>(server, 'splits?dataset=admin/ragged');
  assert.equal(splits.status, 200);
  assert.deepEqual(splits.body.splits.map((split) => split.split), ['test']);
  assert.deepEqual(splits.body.failed.map((entry) => [entry.split, entry.error.code]), [['train', 'DATASET_FILE_INVALID']]);
  const rows = await viewer<{ error: string }>(server, 'rows?dataset=admin/ragged&split=train');
  assert.deepEqual([rows.status, rows.code], [422, 'DATASET_FILE_INVALID']);
  assert.match(rows.body.error, /train\.csv/);
  assert.doesNotMatch(rows.body.error, new RegExp(server.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal((await viewer<Page>(server, 'rows?dataset=admin/ragged&split=test')).body.num_rows_total, 1);
});

void test('a JSON-lines line that is not JSON, and a truncated Parquet file, are DATASET_FILE_INVALID', async () => {
  await createDataset(server, 'badjson');
  await commitFiles(server, 'admin/badjson', { 'train.jsonl': '{"a": 1}\n{"a": 2\n{"a": 3}\n' });
  const json = await viewer(server, 'rows?dataset=admin/badjson&split=train');
  assert.deepEqual([json.status, json.code], [422, 'DATASET_FILE_INVALID']);

  await createDataset(server, 'truncated');
  const whole = await parquetOf(scratch, 'whole.parquet', 'SELECT range AS n, md5(range::VARCHAR) AS h FROM range(5000)');
  await commitFiles(server, 'admin/truncated', { 'train.parquet': whole.subarray(0, Math.floor(whole.length * 0.6)) });
  const parquet = await viewer<{ error: string }>(server, 'rows?dataset=admin/truncated&split=train');
  assert.deepEqual([parquet.status, parquet.code], [422, 'DATASET_FILE_INVALID']);
  assert.doesNotMatch(parquet.body.error, /blobs\//);
  await healthy();
});

void test('a 50 MB single-line file is refused by the line-size bound, not read into memory', async () => {
  await createDataset(server, 'oneline');
  const line = Buffer.alloc(50 * 1024 ** 2, 'x');
  const card = '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.csv\n- config_name: json\n  data_files:\n  - split: test\n    path: test.jsonl\n---\n';
  await commitFiles(server, 'admin/oneline', { 'README.md': card, 'train.csv': Buffer.concat([Buffer.from('text\n'), line, Buffer.from('\n')]), 'test.jsonl': Buffer.concat([Buffer.from('{"text": "'), line, Buffer.from('"}\n')]) });
  for (const [config, split] of [['default', 'train'], ['json', 'test']]) {
    const answer = await viewer<{ error: string }>(server, `rows?dataset=admin/oneline&config=${config}&split=${split}`);
    assert.deepEqual([answer.status, answer.code], [422, 'DATASET_FILE_INVALID'], JSON.stringify(answer.body));
  }
  await healthy();
});

void test('columns named like SQL keywords work in rows, filter, statistics and SQL', async () => {
  await createDataset(server, 'keywords');
  await commitFiles(server, 'admin/keywords', { 'train.csv': 'select,from,"where","a""b"\n1,x,true,q\n2,y,false,r\n3,x,true,s\n' });
  const rows = await viewer<Page>(server, 'rows?dataset=admin/keywords&split=train');
  assert.equal(rows.status, 200, JSON.stringify(rows.body));
  assert.deepEqual(rows.body.rows[0]?.row, { select: 1, from: 'x', where: true, 'a"b': 'q' });
  const filtered = await viewer<Page>(server, `filter?dataset=admin/keywords&split=train&where=${encodeURIComponent('"select" >= 2 AND "from" = \'x\'')}&orderby=${encodeURIComponent('"a""b" DESC')}`);
  assert.deepEqual(filtered.body.rows.map((row) => row.row_idx), [2]);
  const stats = await viewer<{ statistics: { column_name: string; column_type: string }[] }>(server, 'statistics?dataset=admin/keywords&split=train');
  assert.deepEqual(stats.body.statistics.map((entry) => [entry.column_name, entry.column_type]), [['select', 'int'], ['from', 'string_label'], ['where', 'bool'], ['a"b', 'string_text']]);
  const answer = await sql<{ rows: unknown[] }>(server, { dataset: 'admin/keywords', query: 'SELECT "from", count(*) AS n FROM train GROUP BY "from" ORDER BY "from"' });
  assert.deepEqual(answer.body.rows, [{ from: 'x', n: 2 }, { from: 'y', n: 1 }]);
});

void test('SQL that reaches files, the network, extensions or settings is refused', async () => {
  // Another dataset's prepared file: its path is known to the attacker here, and still refused.
  await createDataset(server, 'other');
  const otherCommit = await commitFiles(server, 'admin/other', { 'train.csv': 'secret\nhunter2\n' });
  assert.equal((await viewer(server, 'splits?dataset=admin/other')).status, 200);
  const otherCache = join(server.home, 'datasets-cache', otherCommit.slice(0, 2), otherCommit, '0-0.parquet');
  const attacks: [string, string][] = [
    ["COPY train TO '/tmp/moda-stolen.csv'", 'DATASET_QUERY_NOT_ALLOWED'],
    ["ATTACH '/tmp/moda-attached.db' AS stolen", 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT * FROM read_csv('/etc/passwd')", 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT * FROM read_text('/etc/hostname')", 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT * FROM glob('/*')", 'DATASET_QUERY_NOT_ALLOWED'],
    [`SELECT * FROM read_parquet('${otherCache}')`, 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')", 'DATASET_QUERY_NOT_ALLOWED'],
    ['INSTALL httpfs', 'DATASET_QUERY_NOT_ALLOWED'],
    ['LOAD httpfs', 'DATASET_QUERY_NOT_ALLOWED'],
    ['SET enable_external_access = true', 'DATASET_QUERY_NOT_ALLOWED'],
    ["PRAGMA threads = 64", 'DATASET_QUERY_NOT_ALLOWED'],
    ['SELECT 1; SELECT 2', 'DATASET_QUERY_NOT_ALLOWED'],
    ['SELECT * FROM train; DROP VIEW train', 'DATASET_QUERY_NOT_ALLOWED'],
    ['CREATE TABLE t AS SELECT 1', 'DATASET_QUERY_NOT_ALLOWED'],
    ['DROP VIEW train', 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')", 'DATASET_QUERY_NOT_ALLOWED'],
    ["SELECT getenv('HOME')", 'DATASET_QUERY_INVALID'],
    ['SELECT * FROM no_such_split', 'DATASET_QUERY_INVALID'],
    ['SELEC 1', 'DATASET_QUERY_INVALID'],
    ['SELECT $1', 'DATASET_QUERY_INVALID'],
  ];
  for (const [query, code] of attacks) {
    const answer = await sql<{ error: string }>(server, { dataset: 'admin/good', query });
    assert.equal(answer.code, code, `${query}: ${JSON.stringify(answer.body)}`);
    assert.ok(answer.status >= 400 && answer.status < 500, query);
    assert.doesNotMatch(JSON.stringify(answer.body), /root:|x:0:0|hunter2/);
  }
  assert.equal((await sql(server, { dataset: 'admin/good' })).code, 'VALIDATION_FAILED');
  // The engine is unchanged by all of that.
  assert.deepEqual((await sql<{ rows: unknown[] }>(server, { dataset: 'admin/good', query: 'SELECT count(*) AS n FROM train' })).body.rows, [{ n: 2 }]);
});

void test('filter fragments cannot leave their clause', async () => {
  const attempts: [string, string, string][] = [
    ['where', "1=1) UNION ALL SELECT * FROM read_csv('/etc/passwd') WHERE (1=1", 'DATASET_QUERY_NOT_ALLOWED'],
    ['where', '1=1; DROP VIEW train', 'DATASET_QUERY_NOT_ALLOWED'],
    ['where', '1=1 -- comment', 'DATASET_QUERY_NOT_ALLOWED'],
    ['where', '1=1 /* c */', 'DATASET_QUERY_NOT_ALLOWED'],
    ['where', "text = 'open", 'DATASET_QUERY_INVALID'],
    ['where', '(1=1', 'DATASET_QUERY_INVALID'],
    ['where', "id IN (SELECT 1 FROM read_csv('/etc/passwd'))", 'DATASET_QUERY_NOT_ALLOWED'],
    ['where', 'no_such_column = 1', 'DATASET_QUERY_INVALID'],
    ['orderby', 'id LIMIT 1', 'DATASET_QUERY_INVALID'],
    ['orderby', 'id; SELECT 1', 'DATASET_QUERY_NOT_ALLOWED'],
  ];
  for (const [name, fragment, code] of attempts) {
    const answer = await viewer(server, `filter?dataset=admin/good&split=train&${name}=${encodeURIComponent(fragment)}`);
    assert.equal(answer.code, code, `${fragment}: ${JSON.stringify(answer.body)}`);
  }
  const quoted = await viewer<Page>(server, `filter?dataset=admin/good&split=train&where=${encodeURIComponent("text = 'it''s -- not a comment; nor ) this'")}`);
  assert.equal(quoted.status, 200, JSON.stringify(quoted.body));
  assert.equal(quoted.body.num_rows_total, 0);
});

void test('a query that would run for minutes is interrupted at the time limit; the server answers meanwhile', async () => {
  const started = Date.now();
  const running = sql<{ error: string }>(server, { dataset: 'admin/good', query: 'SELECT count(*) FROM range(1000000000) a, range(100000) b WHERE a.range + b.range = -1' });
  let healthDone = 0;
  const health = server.request('/healthz').then((response) => {
    healthDone = Date.now();
    return response.status;
  });
  const answer = await running;
  const finished = Date.now();
  assert.equal(await health, 200);
  assert.ok(healthDone <= finished, 'the event loop stayed free while DuckDB ran');
  assert.deepEqual([answer.status, answer.code], [504, 'DATASET_QUERY_TIMEOUT']);
  // Far below the minutes the query needs; the bound is loose so a loaded machine passes.
  assert.ok(finished - started < 60_000);
  await healthy();
});
