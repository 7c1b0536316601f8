// `moda migrate-db`: a single-machine MODA_HOME on SQLite, holding users, tokens, repos with commits
// and LFS objects, jobs with logs, a deployment and audit events, copied into a fresh PostgreSQL in
// one transaction with row counts checked; a server on PostgreSQL with the same MODA_HOME then
// serves all of it (the token works, the repo's head and files, the job, the deployment). A second
// copy into the now non-empty target is refused unless --replace, bad arguments are refused with
// their codes, and an unmigrated source is refused before anything is written.
import assert from 'node:assert/strict';
import { uploadFiles } from '@huggingface/hub';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { after, before, test } from 'node:test';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { createJob, finished, jobLog, TEST_JOB_MODULE, waitForJob } from './helpers/jobs.js';
import { lfsUploadAndCommit } from './helpers/lfs-upload.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer } from './helpers/moda-server.js';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { runModa } from './security/cli-helper.js';

let postgres: PostgresCluster;
let home: string;
let userToken: string;
let head: string;
let jobId: string;

before(async () => {
  [postgres, home] = await Promise.all([startPostgresCluster(), mkdtemp(join(tmpdir(), 'moda-migrate-db-'))]);
  const single = await startTestServer({ jobModules: [TEST_JOB_MODULE] }, home);
  try {
    userToken = await createUserWithToken(single, 'dora', 'write');
    const created = await single.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sentiment', organization: 'admin' }) });
    assert.equal(created.status, 200);
    await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: single.url, files: tinyTextClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
    head = await lfsUploadAndCommit(single, 'admin/sentiment', 'weights.bin', Buffer.alloc(4096, 9));
    const deployed = await single.request('/api/v1/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/sentiment', name: 'sentiment' }) });
    assert.equal(deployed.status, 201, await deployed.clone().text());
    const job = await createJob(single.request, 'test-steps', { steps: 3, stepMs: 0 });
    jobId = job.id;
    assert.equal((await waitForJob(single.request, job.id, finished)).state, 'succeeded');
  } finally {
    await single.stop();
  }
});

after(async () => {
  await postgres?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function pgCount(table: string): Promise<number> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return Number((await client.query<{ count: string }>(`select count(*) as count from ${table}`)).rows[0]?.count);
  } finally {
    await client.end();
  }
}

void test('bad arguments are refused with their codes, before anything is written', async () => {
  const env = { MODA_HOME: home };
  const notSqlite = await runModa(['migrate-db', '--from', 'postgres://127.0.0.1:1/x', '--to', postgres.url], env);
  assert.notEqual(notSqlite.code, 0);
  assert.match(notSqlite.stderr, /--from must be sqlite:<file>.*\[VALIDATION_FAILED\]/);
  const missing = await runModa(['migrate-db', '--from', `sqlite:${join(home, 'nothing.sqlite')}`, '--to', postgres.url], env);
  assert.match(missing.stderr, /no SQLite database at .*\[VALIDATION_FAILED\]/);
  const notPostgres = await runModa(['migrate-db', '--to', 'sqlite'], env);
  assert.match(notPostgres.stderr, /must be a postgres:\/\/ URL.*\[VALIDATION_FAILED\]/);
  const unmigratedFile = join(home, 'unmigrated.sqlite');
  await writeFile(unmigratedFile, '');
  const unmigrated = await runModa(['migrate-db', '--from', `sqlite:${unmigratedFile}`, '--to', postgres.url], env);
  assert.match(unmigrated.stderr, /lacks migrations.*\[DB_MIGRATIONS_PENDING\]/);
  const users = await pgCount('information_schema.tables where table_name = \'users\'');
  assert.equal(users, 0, 'the target was not even migrated');
});

void test('every table is copied with matching counts, and a server on PostgreSQL serves the same hub', async () => {
  const copied = await runModa(['migrate-db', '--to', postgres.url], { MODA_HOME: home });
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(copied.stdout, /copied \d+ table\(s\), \d+ row\(s\); row counts match the source/);
  for (const table of ['users', 'tokens', 'repos', 'lfs_repo_objects', 'jobs', 'job_logs', 'deployments', 'audit_events']) {
    assert.match(copied.stderr, new RegExp(`^${table}: [1-9]\\d* row\\(s\\)$`, 'm'), `${table} has rows: ${copied.stderr}`);
  }
  const server = await startTestServer({ databaseUrl: postgres.url, jobModules: [TEST_JOB_MODULE] }, home);
  try {
    const whoami = await server.request('/api/whoami-v2', { token: userToken });
    assert.equal(whoami.status, 200, 'a token made on SQLite works');
    assert.equal(((await whoami.json()) as { name: string }).name, 'dora');
    const info = (await (await server.request('/api/models/admin/sentiment')).json()) as { sha: string };
    assert.equal(info.sha, head);
    const file = await server.request('/admin/sentiment/resolve/main/weights.bin');
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), Buffer.alloc(4096, 9));
    const job = await waitForJob(server.request, jobId, finished);
    assert.deepEqual([job.state, job.attempts], ['succeeded', 1]);
    assert.ok((await jobLog(server.request, jobId)).includes('succeeded'));
    const deployment = (await (await server.request('/api/v1/deployments/sentiment')).json()) as { model: string; state: string };
    assert.equal(deployment.model, 'admin/sentiment');
  } finally {
    await server.stop();
  }
});

void test('a non-empty target is refused unless --replace, which copies again atomically', async () => {
  const usersBefore = await pgCount('users');
  const refused = await runModa(['migrate-db', '--to', postgres.url], { MODA_HOME: home });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /already holds rows.*\[DB_TARGET_NOT_EMPTY\]/);
  const replaced = await runModa(['migrate-db', '--to', postgres.url, '--replace'], { MODA_HOME: home });
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal(await pgCount('users'), usersBefore);
});
