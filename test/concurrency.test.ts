// Concurrent commits to one branch: with a shared parentCommit exactly one wins and the rest get 412;
// without one every commit lands, in one process (the per-branch mutex) and across two processes
// sharing MODA_HOME (the compare-and-swap ref update and its retry), with a linear, fsck-clean history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitParents, filesAt, fsckProblems, gitIn, revParse } from './helpers/crash/git-checks.js';
import { startModaProcess, type ModaProcess } from './helpers/crash/moda-process.js';
import { NDJSON_HEADERS, ndjsonCommit } from './helpers/crash/ndjson-commit.js';

const WRITERS = 20;

type Requester = Pick<TestServer, 'request'>;

interface CommitReply {
  status: number;
  errorCode: string | null;
  body: { commitOid?: string; code?: string };
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.stop();
});

function gitDirOf(home: string, name: string): string {
  return join(home, 'repos', 'models', 'admin', `${name}.git`);
}

async function createRepo(target: Requester, name: string): Promise<string> {
  const created = await target.request('/api/repos/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, organization: 'admin' }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  return headSha(target, name);
}

async function headSha(target: Requester, name: string): Promise<string> {
  const info = await target.request(`/api/models/admin/${name}`);
  assert.equal(info.status, 200);
  const { sha } = (await info.json()) as { sha: string };
  return sha;
}

async function commitFile(target: Requester, name: string, index: number, parentCommit?: string): Promise<CommitReply> {
  const response = await target.request(`/api/models/admin/${name}/commit/main`, {
    method: 'POST',
    headers: NDJSON_HEADERS,
    body: ndjsonCommit(`c ${index}`, [{ path: `f-${index}.txt`, content: Buffer.from(`file ${index}\n`) }], parentCommit),
  });
  return { status: response.status, errorCode: response.headers.get('x-error-code'), body: (await response.json()) as CommitReply['body'] };
}

async function treePaths(target: Requester, name: string): Promise<string[]> {
  const response = await target.request(`/api/models/admin/${name}/tree/main?recursive=true`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { path: string }[]).map((entry) => entry.path).sort();
}

const indices = Array.from({ length: WRITERS }, (_, index) => index);
const expectedFiles = (written: number[]) => ['.gitattributes', 'README.md', ...written.map((index) => `f-${index}.txt`)].sort();

/** Every reply is a 200; the branch is the initial commit plus exactly these commits, one after another. */
async function assertAllLanded(target: Requester, name: string, home: string, initial: string, replies: CommitReply[]): Promise<void> {
  assert.deepEqual(
    replies.map((reply) => reply.status),
    indices.map(() => 200),
    `every parent-less commit must land: ${JSON.stringify(replies.filter((reply) => reply.status !== 200))}`,
  );
  const oids = replies.map((reply) => reply.body.commitOid ?? '');
  assert.equal(new Set(oids).size, WRITERS, 'every commit got its own sha');

  const gitDir = gitDirOf(home, name);
  const head = await revParse(gitDir, 'refs/heads/main');
  assert.deepEqual(await filesAt(gitDir, head), expectedFiles(indices), 'all files are present at the final head');

  const history = await commitParents(gitDir, head);
  assert.equal(history.length, WRITERS + 1, 'initial commit + one per writer');
  history.forEach(([commit, ...parents], position) => {
    const older = history[position + 1]?.[0];
    assert.deepEqual(parents, older === undefined ? [] : [older], `${commit} has exactly the next-older commit as parent (linear history)`);
  });
  assert.equal(history.at(-1)?.[0], initial);
  assert.deepEqual(new Set(history.slice(0, WRITERS).map(([commit]) => commit)), new Set(oids), 'the new commits are exactly the acknowledged ones');

  const listed = await target.request(`/api/models/admin/${name}/commits/main?limit=100`);
  assert.equal(listed.status, 200);
  const commits = (await listed.json()) as { id: string }[];
  assert.deepEqual(
    commits.map((commit) => commit.id),
    history.map(([commit]) => commit),
    'the commits API lists the same linear history',
  );
  assert.equal(listed.headers.get('x-total-count'), String(WRITERS + 1));
  assert.deepEqual(await fsckProblems(gitDir), [], 'git fsck --strict is clean');

  // The search index is written after each commit; it must end at the real head, not at the head
  // seen by whichever commit happened to finish re-indexing last.
  const listing = (await (await target.request(`/api/models?search=${name}`)).json()) as { id: string; sha: string }[];
  assert.equal(listing.find((repo) => repo.id === `admin/${name}`)?.sha, head, 'the indexed sha is the branch head');
}

void test('20 concurrent commits on the same parentCommit: one lands, nineteen get 412 HUB_PARENT_COMMIT_STALE', async () => {
  const initial = await createRepo(server, 'x-stale');
  const replies = await Promise.all(indices.map((index) => commitFile(server, 'x-stale', index, initial)));

  const winners = indices.filter((index) => replies[index]?.status === 200);
  assert.equal(winners.length, 1, `exactly one 200: ${JSON.stringify(replies.map((reply) => reply.status))}`);
  const losers = replies.filter((reply) => reply.status !== 200);
  assert.equal(losers.length, WRITERS - 1);
  for (const reply of losers) {
    assert.equal(reply.status, 412);
    assert.equal(reply.errorCode, 'HUB_PARENT_COMMIT_STALE');
    assert.equal(reply.body.code, 'HUB_PARENT_COMMIT_STALE');
  }

  const winner = replies[winners[0] ?? -1]?.body.commitOid;
  assert.equal(await headSha(server, 'x-stale'), winner, 'the branch is at the winning commit');
  assert.deepEqual(await treePaths(server, 'x-stale'), expectedFiles(winners), 'the branch holds exactly the winner’s file');
  const history = await commitParents(gitDirOf(server.home, 'x-stale'), 'refs/heads/main');
  assert.deepEqual(history, [[winner, initial], [initial]]);
});

void test('20 concurrent parent-less commits in one process all land, linearly, fsck-clean', async () => {
  const initial = await createRepo(server, 'x-parallel');
  const replies = await Promise.all(indices.map((index) => commitFile(server, 'x-parallel', index)));
  await assertAllLanded(server, 'x-parallel', server.home, initial, replies);

});

void test('20 parent-less commits alternating between two server processes on one MODA_HOME all land', async () => {
  const home = await mkdtemp(join(tmpdir(), 'moda-two-processes-'));
  const inProcess = await startTestServer({}, home);
  let child: ModaProcess | undefined;
  try {
    // The second server is a real `moda serve` process: its own mutexes, DB connection and git calls,
    // so only the compare-and-swap of the ref (and its retry) keeps the two from losing commits.
    child = await startModaProcess({ home, adminToken: ADMIN_TOKEN });
    const servers: Requester[] = [inProcess, child];
    const initial = await createRepo(inProcess, 'x-shared');
    assert.equal(await headSha(child, 'x-shared'), initial, 'both servers see the same repo');

    const replies = await Promise.all(indices.map((index) => commitFile(servers[index % 2] ?? inProcess, 'x-shared', index)));
    await assertAllLanded(child, 'x-shared', home, initial, replies);
    const head = await revParse(gitDirOf(home, 'x-shared'), 'refs/heads/main');
    // Each compare-and-swap that lost to the other process left a built, never-referenced commit
    // behind; their number shows the retry path really ran (it is typically 13-18 of 20 here).
    const objects = await gitIn(gitDirOf(home, 'x-shared'), ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype)']);
    const lostSwaps = objects.stdout.split('\n').filter((type) => type === 'commit').length - (WRITERS + 1);
    assert.ok(lostSwaps > 0, 'the two processes raced on the ref at least once');
    assert.equal(await headSha(inProcess, 'x-shared'), head);
    assert.equal(await headSha(child, 'x-shared'), head);
  } finally {
    await child?.stop();
    await inProcess.stop();
    await rm(home, { recursive: true, force: true });
  }
});
