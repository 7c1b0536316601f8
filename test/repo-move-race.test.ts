// A move racing commits and other moves (concurrency review, issue 16): commits and moves take one
// lock per repo (by id, which a move keeps) and moves and creates one per target name, in a fixed
// order. Commits sent while the repo moves back and forth all end 200 (written in the repo's folder
// of the moment) or 404 (their name was gone when they arrived), never 500; every acknowledged
// commit is in the history and fsck is clean. Two moves (or a move and a create) onto one name:
// one wins, the other gets 409, and neither repo loses a file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fsckProblems, gitIn } from './helpers/crash/git-checks.js';
import { NDJSON_HEADERS, ndjsonCommit } from './helpers/crash/ndjson-commit.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.stop();
});

const post = (path: string, body: unknown) => server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function commitFile(name: string, path: string): Promise<Response> {
  return server.request(`/api/models/admin/${name}/commit/main`, { method: 'POST', headers: NDJSON_HEADERS, body: ndjsonCommit(`add ${path}`, [{ path, content: Buffer.from(`${path}\n`) }]) });
}

async function filesOf(name: string): Promise<string[]> {
  const tree = await server.request(`/api/models/admin/${name}/tree/main`);
  assert.equal(tree.status, 200);
  return ((await tree.json()) as { path: string }[]).map((entry) => entry.path);
}

void test('commits racing moves of their repo end 200 or 404, never 500, and none is lost', async () => {
  assert.equal((await post('/api/repos/create', { name: 'admin/wander' })).status, 200);
  const names = ['wander', 'wander-b'];
  const landed: string[] = [];
  for (let round = 0; round < 6; round++) {
    const [from, to] = round % 2 === 0 ? names : [...names].reverse();
    // Commits to the current name and to the next one, sent together with the move.
    const commits = Array.from({ length: 8 }, (_, index) => {
      const path = `r${round}-${index}.txt`;
      return commitFile(index % 2 === 0 ? from! : to!, path).then((answer) => ({ path, status: answer.status }));
    });
    const move = post('/api/repos/move', { fromRepo: `admin/${from}`, toRepo: `admin/${to}` });
    const answers = await Promise.all(commits);
    assert.equal((await move).status, 200);
    for (const answer of answers) {
      assert.ok(answer.status === 200 || answer.status === 404, `round ${round}: ${answer.path} got ${answer.status}`);
      if (answer.status === 200) landed.push(answer.path);
    }
  }
  assert.ok(landed.length >= 24, `most commits landed (${landed.length} of 48)`);
  const files = await filesOf('wander');
  for (const path of landed) assert.ok(files.includes(path), `acknowledged commit ${path} is in the tree`);
  const gitDir = join(server.home, 'repos', 'models', 'admin', 'wander.git');
  assert.deepEqual(await fsckProblems(gitDir), []);
  const count = await gitIn(gitDir, ['rev-list', '--count', 'main']);
  assert.equal(Number(count.stdout.trim()), landed.length + 1, 'one commit per acknowledged answer, after the initial one');
  assert.equal((await server.request('/api/models/admin/wander-b')).status, 404);
});

void test('two moves onto one name: one wins, the other gets 409, both repos keep their files', async () => {
  for (let round = 0; round < 4; round++) {
    const [left, right, target] = [`left-${round}`, `right-${round}`, `target-${round}`];
    for (const name of [left, right]) {
      assert.equal((await post('/api/repos/create', { name: `admin/${name}` })).status, 200);
      assert.equal((await commitFile(name, `${name}.txt`)).status, 200);
    }
    const answers = await Promise.all([left, right].map((name) => post('/api/repos/move', { fromRepo: `admin/${name}`, toRepo: `admin/${target}` })));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 409], `round ${round}`);
    const winner = answers[0]!.status === 200 ? left : right;
    const loser = winner === left ? right : left;
    assert.ok((await filesOf(target)).includes(`${winner}.txt`), 'the moved repo is whole under its new name');
    assert.ok((await filesOf(loser)).includes(`${loser}.txt`), 'the refused one is untouched');
  }
});

void test('a create and a move onto one name: one wins, the other gets 409, nothing is overwritten', async () => {
  for (let round = 0; round < 4; round++) {
    const [source, target] = [`source-${round}`, `landing-${round}`];
    assert.equal((await post('/api/repos/create', { name: `admin/${source}` })).status, 200);
    assert.equal((await commitFile(source, 'moved.txt')).status, 200);
    const [moved, created] = await Promise.all([post('/api/repos/move', { fromRepo: `admin/${source}`, toRepo: `admin/${target}` }), post('/api/repos/create', { name: `admin/${target}` })]);
    assert.deepEqual([moved.status, created.status].sort(), [200, 409], `round ${round}`);
    const files = await filesOf(target);
    assert.equal(files.includes('moved.txt'), moved.status === 200, 'the name holds the winner, whole');
    if (moved.status !== 200) assert.ok((await filesOf(source)).includes('moved.txt'));
  }
});
