// Replicas of a cluster start together on one fresh PostgreSQL database: each one migrates (under
// the advisory lock), creates the `admin` user and registers MODA_ADMIN_TOKEN. All of them must come
// up, and the database must hold one admin and one row for the token. (CI once saw a replica exit
// with "duplicate key value violates unique constraint tokens_hash_key" here.)
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { hashToken } from '../src/hub/actor.js';
import { newTokenSecret, registerToken } from '../src/hub/accounts/tokens.js';
import { ensureAdminUser } from '../src/hub/accounts/users.js';
import type { Database } from '../src/db/schema.js';

const REPLICAS = 6;
let cluster: PostgresCluster;
const homes: string[] = [];
const servers: TestServer[] = [];

before(async () => {
  cluster = await startPostgresCluster();
});

after(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  await cluster?.stop();
});

void test(`${REPLICAS} servers started at once on a fresh database all come up, with one admin user and one admin token row`, async () => {
  for (let index = 0; index < REPLICAS; index++) homes.push(await mkdtemp(join(tmpdir(), 'moda-pg-together-')));
  const started = await Promise.allSettled(homes.map((home) => startTestServer({ databaseUrl: cluster.url }, home)));
  for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
  const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  assert.deepEqual(failures, []);

  for (const server of servers) {
    const whoami = await server.request('/api/whoami-v2');
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { name: string }).name, 'admin');
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster.url, max: 1 }) }) });
  try {
    const admins = await db.selectFrom('users').select('name').where('is_admin', '=', 1).execute();
    assert.deepEqual(admins, [{ name: 'admin' }]);
    const tokens = await db.selectFrom('tokens').select(['user', 'role']).where('hash', '=', hashToken(ADMIN_TOKEN)).execute();
    assert.deepEqual(tokens, [{ user: 'admin', role: 'admin' }]);
  } finally {
    await db.destroy();
  }
});

void test('the start-up writes are idempotent under concurrency: the same token and the admin user, 8 times at once', async () => {
  assert.ok(servers[0], 'the first test started the servers');
  const { hub } = servers[0];
  const secret = newTokenSecret();
  await Promise.all(Array.from({ length: 8 }, () => Promise.all([registerToken(hub, 'admin', 'same token', 'read', secret), ensureAdminUser(hub)])));
  const rows = await hub.db.selectFrom('tokens').select('name').where('hash', '=', hashToken(secret)).execute();
  assert.deepEqual(rows, [{ name: 'same token' }]);
  const admins = await hub.db.selectFrom('users').select('name').where('name', '=', 'admin').execute();
  assert.equal(admins.length, 1);
});
