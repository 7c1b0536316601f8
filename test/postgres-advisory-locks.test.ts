// Cross-process write locks and migrations on a real PostgreSQL: two PgAdvisoryLocks with their own
// pools (as two replicas have) serialise work on one key and not on different keys; a holder whose
// connection dies frees the lock; a lock held too long answers HUB_COMMIT_CONFLICT. A database
// opened with MODA_MIGRATE_ON_START=0 waits for `moda migrate`, and concurrent migrations apply each
// migration once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { PgAdvisoryLocks } from '../src/hub/pg-advisory-locks.js';
import { connectDatabase, migrateDatabase, openDatabase, pendingMigrations } from '../src/db/open-database.js';
import { isModaError } from '../src/errors/moda-error.js';
import { migrations } from '../src/db/migrations.js';

let cluster: PostgresCluster;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  cluster = await startPostgresCluster();
});

after(async () => {
  await cluster?.stop();
});

void test('one key is held by one replica at a time; other keys run alongside', async () => {
  const [first, second] = [new PgAdvisoryLocks(cluster.url), new PgAdvisoryLocks(cluster.url)];
  try {
    const events: string[] = [];
    const work = (locks: PgAdvisoryLocks, key: string, name: string, ms: number) =>
      locks.run(key, async () => {
        events.push(`${name} start`);
        await sleep(ms);
        events.push(`${name} end`);
        return name;
      });
    const a = work(first, 'repo\0refs/heads/main', 'A', 400);
    await sleep(100);
    const b = work(second, 'repo\0refs/heads/main', 'B', 10);
    const other = work(second, 'repo\0refs/heads/dev', 'C', 10);
    assert.deepEqual(await Promise.all([a, b, other]), ['A', 'B', 'C']);
    assert.ok(events.indexOf('B start') > events.indexOf('A end'), `B waited for A: ${events.join(', ')}`);
    assert.ok(events.indexOf('C end') < events.indexOf('A end'), `another key did not wait: ${events.join(', ')}`);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

void test('a holder whose connection dies frees the lock; a lock held too long answers HUB_COMMIT_CONFLICT', async () => {
  const [first, second] = [new PgAdvisoryLocks(cluster.url), new PgAdvisoryLocks(cluster.url, { timeoutMs: 300 })];
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    let release!: () => void;
    const held = first.run('busy', () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(200);
    await assert.rejects(
      second.run('busy', async () => 'never'),
      (error: unknown) => isModaError(error) && error.code === 'HUB_COMMIT_CONFLICT',
    );
    // The holder's backend is killed (a replica SIGKILLed while idle in its transaction).
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
    assert.equal(await second.run('busy', async () => 'taken'), 'taken', 'the lock was freed with the connection');
    release();
    await held.catch(() => undefined);
  } finally {
    await admin.end();
    await Promise.all([first.close(), second.close()]);
  }
});

void test('MODA_MIGRATE_ON_START=0 waits for `moda migrate`; concurrent migrations apply each one once', async () => {
  const database = `fresh_${Date.now()}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = cluster.url.replace(/\/postgres$/, `/${database}`);
  let opened = false;
  const waiting = openDatabase({ home: '/nonexistent', databaseUrl: url, migrateOnStart: false }, 30_000).then((db) => {
    opened = true;
    return db;
  });
  await sleep(1200);
  assert.equal(opened, false, 'the replica waits while migrations are pending');
  const runners = [connectDatabase({ home: '/nonexistent', databaseUrl: url }), connectDatabase({ home: '/nonexistent', databaseUrl: url })];
  try {
    const applied = await Promise.all(runners.map((db) => migrateDatabase(db)));
    assert.deepEqual(applied.flat().sort(), Object.keys(migrations).sort(), 'every migration applied exactly once between the two');
    const db = await waiting;
    assert.deepEqual(await pendingMigrations(db), []);
    await db.destroy();
  } finally {
    await Promise.all(runners.map((db) => db.destroy()));
  }
  await assert.rejects(openDatabase({ home: '/nonexistent', databaseUrl: cluster.url.replace(/\/postgres$/, '/postgres'), migrateOnStart: false }, 0), (error: unknown) => isModaError(error) && error.code === 'DB_MIGRATIONS_PENDING', 'an unmigrated database and no time to wait: a clear error');
});
