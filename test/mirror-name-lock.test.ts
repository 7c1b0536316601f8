// A mirror registration (pull, bundle import) racing a move onto the same repo name, on two replicas
// sharing PostgreSQL and a git root (issue 16). Creates, moves and registrations all take the
// name's lock, so the one that holds it first decides and the other finds the name taken: the
// winner's folder is never replaced by the loser's. The race is pinned: PostgreSQL is made to hold
// the move's row update, after its folder is in place, until the registration has started too.
// (Without the lock the registration removed the moved folder, and the move failed on the row.)
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { isModaError } from '../src/errors/moda-error.js';
import type { Actor } from '../src/hub/actor.js';
import { createHubContext, gitDirOf, type HubContext } from '../src/hub/context.js';
import { gitText } from '../src/hub/git.js';
import { PgAdvisoryLocks } from '../src/hub/pg-advisory-locks.js';
import type { RepoLocks } from '../src/hub/repo-locks.js';
import { repoNameLockKey } from '../src/hub/repos/repo-write-lock.js';
import { createRepo } from '../src/hub/repos/create-repo.js';
import { moveRepo } from '../src/hub/repos/move-repo.js';
import { buildCommit, compareAndSwapRef } from '../src/hub/write-commit.js';
import { initBareRepo, registerRepo, scratchDir } from '../src/mirror/register-repo.js';
import { openBlobStore } from '../src/storage/open-blob-store.js';
import { startPostgresCluster, type PostgresCluster } from './helpers/postgres-cluster.js';

let postgres: PostgresCluster;
let home: string;
const replicas: { hub: HubContext; db: Db; locks: PgAdvisoryLocks }[] = [];
const lockRequests: string[] = [];
const alice: Actor = { user: 'alice', tokenRole: 'write', tokenId: null, isAdmin: true, orgs: new Map() };

before(async () => {
  postgres = await startPostgresCluster();
  home = await mkdtemp(join(tmpdir(), 'moda-name-lock-'));
  const config = loadConfig({ MODA_HOME: home, MODA_DATABASE_URL: postgres.url, MODA_CATALOG: '0' });
  // Two replicas: each its own pool and its own advisory locks, one git root.
  for (let index = 0; index < 2; index++) {
    const db = await openDatabase(config);
    const locks = new PgAdvisoryLocks(postgres.url);
    // Which locks a replica asked for: an advisory lock wait is retried (lock_timeout), so
    // pg_stat_activity does not always show it.
    const commitLocks: RepoLocks = {
      run: (keys, work) => {
        lockRequests.push(...(typeof keys === 'string' ? [keys] : keys));
        return locks.run(keys, work);
      },
      close: () => locks.close(),
    };
    replicas.push({ db, locks, hub: createHubContext(db, await openBlobStore(config), config, { commitLocks }) });
  }
  await replicas[0]!.db.insertInto('users').values({ name: 'alice', type: 'user', fullname: '', email: null, is_admin: 1, created_at: new Date().toISOString() }).execute();
});

after(async () => {
  for (const replica of replicas) {
    await replica.locks.close();
    await replica.db.destroy();
  }
  await postgres?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** A whole mirrored repo in a scratch folder, as a pull builds it before registering it. */
async function mirroredScratch(hub: HubContext): Promise<string> {
  const gitDir = join(await scratchDir(hub, 'mirror'), 'repo.git');
  await initBareRepo(gitDir, 'main');
  const commit = await buildCommit(gitDir, { parent: undefined, summary: 'mirrored upstream', author: { name: 'upstream', email: 'upstream@example.invalid' }, operations: [{ kind: 'file', path: 'README.md', content: Buffer.from('# mirrored\n') }] });
  assert.ok(await compareAndSwapRef(gitDir, 'refs/heads/main', commit, undefined));
  return gitDir;
}

/** Backends of other sessions waiting for a lock: `relation` (a row write held by the table lock) or `advisory`. */
async function waiting(admin: pg.Client): Promise<{ event: string }[]> {
  const rows = await admin.query<{ event: string }>("select wait_event as event from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()");
  return rows.rows;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await check()); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 30 s`);
  }
}

const settle = <T>(work: Promise<T>) => work.then((value) => ({ value }), (error: unknown) => ({ error }));

/**
 * Runs `write` (on replica A) until its row write blocks with its folder in place, starts a mirror
 * registration of `name` (on replica B), lets both go on once the registration waits too, and
 * returns both outcomes.
 */
async function race<T>(name: string, write: () => Promise<T>): Promise<{ write: { value?: T; error?: unknown }; register: { value?: unknown; error?: unknown } }> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    const scratch = await mirroredScratch(replicas[1]!.hub);
    await admin.query('begin');
    // Reads go on; inserts and updates of repos wait for the commit below.
    await admin.query('lock table repos in share mode');
    const writing = settle(write());
    let written: { value?: unknown; error?: unknown } | undefined;
    void writing.then((outcome) => (written = outcome));
    // Its insert or update waits on the table lock (at parse time, so no query text tells which).
    await until('the write reaching its row', async () => {
      if (written) throw new Error(`the write ended before its row write: ${String(written.error ?? 'it succeeded')}`);
      return (await waiting(admin)).some((backend) => backend.event === 'relation');
    });
    lockRequests.length = 0;
    const registering = settle(registerRepo(replicas[1]!.hub, { type: 'model', repoId: name, scratchGitDir: scratch, private: false, defaultBranch: 'main' }));
    let registered: { value?: unknown; error?: unknown } | undefined;
    void registering.then((outcome) => (registered = outcome));
    // Parked either on the name's advisory lock or, without it, on its own row insert.
    await until('the registration waiting', async () => {
      if (registered) throw new Error(`the registration ended while the write held its row: ${String(registered.error ?? 'it succeeded')}`);
      return lockRequests.includes(repoNameLockKey('model', name)) || (await waiting(admin)).length >= 2;
    });
    await admin.query('commit');
    return { write: await writing, register: await registering };
  } finally {
    await admin.end();
  }
}

const headTitle = (gitDir: string) => gitText(gitDir, ['log', '-1', '--format=%s', 'refs/heads/main']).then((text) => text.trim());
const refusedAsTaken = (outcome: { error?: unknown }) => isModaError(outcome.error) && outcome.error.code === 'HUB_REPO_EXISTS';

void test('a mirror registration racing a move onto the same name: the moved repo keeps its folder', async () => {
  await createRepo(replicas[0]!.hub, alice, { type: 'model', repoId: 'alice/source' });
  const outcome = await race('alice/renamed', () => moveRepo(replicas[0]!.hub, alice, 'model', 'alice/source', 'alice/renamed'));
  assert.ok(outcome.write.value, `the move succeeded: ${String(outcome.write.error)}`);
  assert.ok(refusedAsTaken(outcome.register), `the registration was refused: ${String(outcome.register.error ?? 'it succeeded')}`);
  assert.equal(await headTitle(gitDirOf(replicas[0]!.hub, 'model', 'alice', 'renamed')), 'initial commit', 'the moved repo holds its own history');
});
