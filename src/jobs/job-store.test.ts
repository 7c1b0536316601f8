// The job records on a real SQLite file: one claim per job however many runners ask at once, due
// times respected, conditional state changes, the log's line and length limits, and backoff.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Db } from '../db/open-database.js';
import { appendJobLog, changeJobState, claimNextJob, findJobRow, finishJob, insertJob, MAX_LOG_LINE_CHARS, MAX_LOG_LINES, newJobId, readJobLog, requeueJob } from './job-store.js';
import { backoffDelayMs } from './job-type.js';

let home: string;
let db: Db;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-job-store-'));
  db = await openDatabase({ home, databaseUrl: 'sqlite' });
});

after(async () => {
  await db.destroy();
  await rm(home, { recursive: true, force: true });
});

const job = (type = 'steps') => insertJob(db, { type, params: { n: 1 }, owner: 'alice', tokenId: null, maxAttempts: 2 });

void test('ids sort as jobs were created', () => {
  assert.ok(newJobId(1_000) < newJobId(2_000));
  assert.ok(newJobId(Date.parse('2020-01-01')) < newJobId(Date.parse('2030-01-01')));
});

void test('runners racing for one job: exactly one claims it, counting one attempt', async () => {
  const row = await job('race');
  const claims = await Promise.all([1, 2, 3, 4, 5].map((runner) => claimNextJob(db, `host:${runner}:x`, ['race'])));
  const won = claims.filter((claim) => claim !== undefined);
  assert.equal(won.length, 1);
  assert.equal(won[0]?.id, row.id);
  assert.equal(won[0]?.state, 'running');
  assert.equal(won[0]?.attempts, 1);
  assert.equal(await claimNextJob(db, 'host:9:x', ['race']), undefined);
});

void test('a job is claimed only when due and of a type the runner knows; ends only from the state it was in', async () => {
  const row = await job('later');
  assert.equal(await claimNextJob(db, 'h:1:a', ['other']), undefined);
  const claimed = await claimNextJob(db, 'h:1:a', ['later']);
  assert.equal(claimed?.id, row.id);
  assert.ok(await requeueJob(db, row.id, { runAfter: new Date(Date.now() + 60_000), from: 'running', error: { code: 'UPSTREAM_UNAVAILABLE', message: 'x' } }));
  assert.equal(await claimNextJob(db, 'h:1:a', ['later']), undefined, 'not before its backoff');
  assert.ok(await requeueJob(db, row.id, { runAfter: new Date(), from: 'queued' }));
  assert.equal((await claimNextJob(db, 'h:1:a', ['later']))?.attempts, 2);
  assert.ok(await finishJob(db, row.id, { state: 'succeeded', result: { ok: true } }));
  assert.equal(await finishJob(db, row.id, { state: 'failed', error: { code: 'INTERNAL', message: 'late' } }), false, 'a finished job stays finished');
});

void test('a change of state and the lines that tell it are written together, or neither is', async () => {
  const row = await job('told');
  await claimNextJob(db, 'h:2:a', ['told']);
  const ending = (trx: Db) => finishJob(trx, row.id, { state: 'succeeded', result: null }, 'running', { runner: 'h:2:a', attempt: 1 });
  // Another runner's attempt: nothing changes, nothing is logged.
  assert.equal(await changeJobState(db, row.id, (trx) => finishJob(trx, row.id, { state: 'failed' }, 'running', { runner: 'h:3:a', attempt: 1 }), ['failed']), undefined);
  assert.deepEqual((await changeJobState(db, row.id, ending, ['succeeded']))?.map((line) => line.line), ['succeeded']);
  assert.equal((await findJobRow(db, row.id))?.state, 'succeeded');
  assert.equal(await changeJobState(db, row.id, ending, ['succeeded']), undefined, 'a second ending logs nothing');
  // A log write that fails rolls the change of state back.
  const other = await job('told');
  await claimNextJob(db, 'h:2:a', ['told']);
  await assert.rejects(changeJobState(db, other.id, (trx) => finishJob(trx, other.id, { state: 'succeeded' }), [null as unknown as string]));
  assert.equal((await findJobRow(db, other.id))?.state, 'running');
  assert.deepEqual((await readJobLog(db, row.id, 0, 10)).map((line) => line.line), ['succeeded']);
});

void test('log lines get increasing seqs, long lines are cut, and a job keeps at most MAX_LOG_LINES', async () => {
  const row = await job('chatty');
  const first = await appendJobLog(db, row.id, ['a', 'x'.repeat(MAX_LOG_LINE_CHARS + 10)]);
  assert.deepEqual(first.map((line) => line.seq), [1, 2]);
  assert.equal(first[1]?.line.length, MAX_LOG_LINE_CHARS + 1);
  await appendJobLog(db, row.id, Array.from({ length: MAX_LOG_LINES + 5 }, (_, index) => `line ${index}`));
  const all = await readJobLog(db, row.id, 0, MAX_LOG_LINES + 100);
  assert.equal(all.length, MAX_LOG_LINES);
  assert.match(all.at(-1)?.line ?? '', /log limit of \d+ lines reached/);
  assert.deepEqual(await appendJobLog(db, row.id, ['more']), []);
  assert.deepEqual((await readJobLog(db, row.id, 1, 1)).map((line) => line.seq), [2]);
});

void test('backoff grows by its factor per attempt', () => {
  assert.equal(backoffDelayMs({ delayMs: 1000, factor: 2 }, 1), 1000);
  assert.equal(backoffDelayMs({ delayMs: 1000, factor: 2 }, 3), 4000);
  assert.equal(backoffDelayMs({ delayMs: 500, factor: 1 }, 5), 500);
});
