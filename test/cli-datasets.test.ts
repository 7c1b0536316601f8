// `moda datasets rows|sql` against a real server: text tables, --json in the viewer's shape, paging
// options, and bad input reported with its catalog code and exit status 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCli } from '../src/cli/run-cli.js';
import type { DatasetRowsPage, DatasetSqlResult } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';

let server: TestServer;
let work: string;

async function moda(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'home'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-cli-datasets-'));
  await createDataset(server, 'words');
  await commitFiles(server, 'admin/words', { 'train.csv': 'word,label\n' + Array.from({ length: 30 }, (_, index) => `w${index},${index % 2 === 0 ? 'even' : 'odd'}`).join('\n') + '\n', 'test.csv': 'word,label\nzz,odd\n' });
});
after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('datasets rows prints a table of the first split, pages with --offset/--length, --json in the viewer shape', async () => {
  const text = await moda(['datasets', 'rows', 'admin/words', '--length', '3']);
  assert.equal(text.code, 0, text.stderr);
  assert.deepEqual(text.stdout.split('\n'), ['#  word  label', '0  w0    even', '1  w1    odd', '2  w2    even', 'default/train: rows 0–2 of 30', '']);
  const json = await moda(['datasets', 'rows', 'admin/words', '--split', 'train', '--offset', '28', '--length', '5', '--json']);
  const page = JSON.parse(json.stdout) as DatasetRowsPage;
  assert.deepEqual(page.rows.map((row) => [row.row_idx, row.row.word]), [[28, 'w28'], [29, 'w29']]);
  assert.equal(page.num_rows_total, 30);
  const other = await moda(['datasets', 'rows', 'admin/words', '--split', 'test']);
  assert.match(other.stdout, /0 {2}zz {4}odd/);
});

void test('datasets sql prints the result; bad queries and names fail with their codes', async () => {
  const text = await moda(['datasets', 'sql', 'admin/words', 'SELECT label, count(*) AS n FROM train GROUP BY label ORDER BY label']);
  assert.equal(text.code, 0, text.stderr);
  assert.deepEqual(text.stdout.split('\n'), ['label  n', 'even   15', 'odd    15', '2 rows', '']);
  const json = JSON.parse((await moda(['datasets', 'sql', 'admin/words', 'SELECT count(*) AS n FROM test', '--json'])).stdout) as DatasetSqlResult;
  assert.deepEqual(json.rows, [{ n: 1 }]);
  const refused = await moda(['datasets', 'sql', 'admin/words', "COPY train TO '/tmp/x.csv'"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /\[DATASET_QUERY_NOT_ALLOWED\]/);
  const missing = await moda(['datasets', 'rows', 'admin/nothing']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\[HUB_REPO_NOT_FOUND\]/);
  const badSplit = await moda(['datasets', 'rows', 'admin/words', '--split', 'nope']);
  assert.match(badSplit.stderr, /\[DATASET_SPLIT_NOT_FOUND\]/);
  const tooLong = await moda(['datasets', 'rows', 'admin/words', '--length', '101']);
  assert.match(tooLong.stderr, /\[VALIDATION_FAILED\]/);
});

void test('the client reads search, filter and statistics for the web UI', async () => {
  const client = new ModaClient({ endpoint: server.url, token: ADMIN_TOKEN });
  assert.deepEqual((await client.datasetSearch('admin/words', 'train', 'W2')).rows.map((row) => row.row.word), ['w2', 'w20', 'w21', 'w22', 'w23', 'w24', 'w25', 'w26', 'w27', 'w28', 'w29']);
  const filtered = await client.datasetFilter('admin/words', 'train', { where: "label = 'odd'", orderby: 'word DESC' }, { length: 2 });
  assert.deepEqual([filtered.num_rows_total, filtered.rows.map((row) => row.row.word)], [15, ['w9', 'w7']]);
  const statistics = await client.datasetStatistics('admin/words', 'train');
  assert.deepEqual(statistics.statistics.find((entry) => entry.column_name === 'label')?.column_statistics.frequencies, { even: 15, odd: 15 });
});

void test('a read-only token may run the SQL route (it reads), as the other read routes', async () => {
  const reader = new ModaClient({ endpoint: server.url, token: await createUserWithToken(server, 'dsreader', 'read') });
  assert.deepEqual((await reader.datasetSql('admin/words', 'SELECT count(*) AS n FROM test')).rows, [{ n: 1 }]);
});
