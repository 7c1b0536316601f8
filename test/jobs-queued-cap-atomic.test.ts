// The per-user queued-jobs cap holds under concurrency on SQLite and on PostgreSQL: many
// submissions by one user at once, at the cap's edge, let exactly as many through as the cap has
// room for (counting first and inserting after let every one of them through), and another user's
// jobs are not held up. Retries of failed or cancelled jobs put them back in the queue under the
// same check, alone and mixed with submissions. PostgreSQL must be installed; a missing one fails
// the test.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { isModaError } from '../src/errors/moda-error.js';
import { countQueuedJobs, findJobRow, finishJob, insertJob, requeueJob } from '../src/jobs/job-store.js';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';

let home: string;
let cluster: PostgresCluster;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-queued-cap-'));
  cluster = await startPostgresCluster();
});

after(async () => {
  await cluster?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function burst(db: Db, postgres: boolean): Promise<void> {
  const submit = (owner: string, queuedCap?: number) => insertJob(db, { type: 'steps', params: {}, owner, tokenId: null, maxAttempts: 1, ...(queuedCap !== undefined && { queuedCap }) }, { postgres });
  // Two queued already; the cap is 5: of 40 at once, 3 get in.
  await submit('alice');
  await submit('alice');
  const results = await Promise.allSettled(Array.from({ length: 40 }, () => submit('alice', 5)));
  const refused = results.filter((result) => result.status === 'rejected');
  for (const result of refused) assert.ok(isModaError(result.reason) && result.reason.code === 'JOB_QUEUE_FULL', String(result.reason));
  assert.equal(results.length - refused.length, 3);
  assert.equal(await countQueuedJobs(db, 'alice'), 5);
  // Bob has a queue of his own, and jobs without a cap (the server's own) are never refused.
  const bob = await Promise.allSettled(Array.from({ length: 10 }, () => submit('bob', 5)));
  assert.equal(bob.filter((result) => result.status === 'fulfilled').length, 5);
  await submit('alice');
  assert.equal(await countQueuedJobs(db, 'alice'), 6);
}

/** Retries at once, then retries and submissions at once: both are held to one cap. */
async function retryBurst(db: Db, postgres: boolean): Promise<void> {
  const submit = (owner: string, queuedCap?: number) => insertJob(db, { type: 'steps', params: {}, owner, tokenId: null, maxAttempts: 1, ...(queuedCap !== undefined && { queuedCap }) }, { postgres });
  const ended: string[] = [];
  for (let index = 0; index < 30; index++) {
    const job = await submit('carol');
    const state = index % 2 === 0 ? 'cancelled' : 'failed';
    assert.ok(await finishJob(db, job.id, { state, error: { code: 'JOB_CANCELLED', message: 'test' } }, 'queued'));
    ended.push(job.id);
  }
  await submit('carol');
  await submit('carol');
  const retry = (id: string) => findJobRow(db, id).then((row) => requeueJob(db, id, { runAfter: new Date(), from: row!.state, queuedCap: { owner: 'carol', cap: 5, postgres } }));
  // Two queued, the cap is 5: of 20 retries at once, 3 get in; the others stay as they were.
  const results = await Promise.allSettled(ended.slice(0, 20).map(retry));
  const refused = results.filter((result) => result.status === 'rejected');
  for (const result of refused) assert.ok(isModaError(result.reason) && result.reason.code === 'JOB_QUEUE_FULL', String(result.reason));
  assert.equal(results.length - refused.length, 3);
  assert.ok(results.every((result) => result.status === 'rejected' || result.value === true));
  assert.equal(await countQueuedJobs(db, 'carol'), 5);
  const states = await Promise.all(ended.map(async (id) => (await findJobRow(db, id))?.state));
  assert.equal(states.filter((state) => state === 'queued').length, 3);
  assert.equal(states.filter((state) => state === 'cancelled' || state === 'failed').length, 27);

  // Room for 4 more under a cap of 9: retries and new jobs at once share it.
  const mixed = await Promise.allSettled([...ended.slice(20).map(retry), ...Array.from({ length: 10 }, () => submit('carol', 9))]);
  assert.equal(mixed.filter((result) => result.status === 'fulfilled').length, 4);
  assert.equal(await countQueuedJobs(db, 'carol'), 9);
}

void test('on SQLite, N submissions or retries at once at the cap pass it by none', async () => {
  const db = await openDatabase({ home: join(home, 'sqlite'), databaseUrl: 'sqlite' });
  try {
    await burst(db, false);
    await retryBurst(db, false);
  } finally {
    await db.destroy();
  }
});

void test('on PostgreSQL, N submissions or retries at once at the cap pass it by none', async () => {
  const db = await openDatabase({ home: join(home, 'pg'), databaseUrl: cluster.url });
  try {
    await burst(db, true);
    await retryBurst(db, true);
  } finally {
    await db.destroy();
  }
});
