// Two `moda serve` processes on one PostgreSQL, one shared git root and one Redis (test/helpers/
// cluster.ts), each asked directly: `moda migrate` once and replicas that wait for it; a repo made
// private on replica A is private on replica B at once, and a token revoked on A is refused by B at
// once (Redis invalidation of the 1 s caches); rate limits count both replicas' requests together;
// commits to one branch from both replicas at once all land, the index row follows the head, and
// `git fsck` is clean.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startCluster, type ModaCluster } from './helpers/cluster.js';

const run = promisify(execFile);
let cluster: ModaCluster;
let a: string;
let b: string;

before(async () => {
  cluster = await startCluster({ nginx: false, env: { MODA_RATE_LIMIT_TOKEN_CREATE: '6/h' } });
  [a, b] = cluster.replicas.map((replica) => replica.url) as [string, string];
});

after(async () => {
  await cluster?.stop();
});

function json(base: string, method: string, path: string, body?: unknown, token?: string | null): Promise<Response> {
  return cluster.request(path, { base, method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), ...(token !== undefined && { token }) });
}

function commit(base: string, repo: string, path: string, content: string): Promise<Response> {
  return cluster.request(`/api/models/${repo}/commit/main`, {
    base,
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [JSON.stringify({ key: 'header', value: { summary: `add ${path}` } }), JSON.stringify({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } })].join('\n'),
  });
}

let tokensCreated = 0;

void test('moda migrate runs once; again it finds nothing to do', async () => {
  const again = await cluster.moda(['migrate']);
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, /up to date; nothing to apply/);
  for (const base of [a, b]) {
    assert.deepEqual(await (await fetch(`${base}/livez`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  }
});

void test('a repo made private on replica A is private on replica B at once, and public again', async () => {
  assert.equal((await json(a, 'POST', '/api/repos/create', { name: 'flip', organization: 'admin' })).status, 200);
  assert.equal((await commit(a, 'admin/flip', 'README.md', '# flip\n')).status, 200);
  for (let round = 0; round < 3; round++) {
    // B answers (and caches) the public repo for anonymous callers…
    assert.equal((await json(b, 'GET', '/api/models/admin/flip', undefined, null)).status, 200, `round ${round}: public on B`);
    assert.equal((await json(a, 'PUT', '/api/models/admin/flip/settings', { private: true })).status, 200);
    // …and the very next request, well inside the 1 s cache lifetime, sees it private.
    assert.equal((await json(b, 'GET', '/api/models/admin/flip', undefined, null)).status, 404, `round ${round}: private on B at once`);
    assert.equal((await fetch(`${b}/admin/flip/resolve/main/README.md`)).status, 404, 'file downloads too');
    assert.equal((await json(a, 'PUT', '/api/models/admin/flip/settings', { private: false })).status, 200);
    assert.equal((await json(b, 'GET', '/api/models/admin/flip', undefined, null)).status, 200, `round ${round}: public again on B at once`);
  }
});

void test('a token revoked on replica A is refused by replica B at once', async () => {
  const created = (await (await json(a, 'POST', '/api/tokens', { name: 'short-lived', role: 'read' })).json()) as { token: string; id: string };
  tokensCreated++;
  assert.equal((await json(b, 'GET', '/api/whoami-v2', undefined, created.token)).status, 200, 'B knows (and caches) the token');
  assert.equal((await json(a, 'DELETE', `/api/tokens/${created.id}`)).status, 200);
  assert.equal((await json(b, 'GET', '/api/whoami-v2', undefined, created.token)).status, 401, 'B refuses it at once');
});

void test('commits to one branch from both replicas at once all land, indexed and fsck-clean', async () => {
  assert.equal((await json(b, 'POST', '/api/repos/create', { name: 'busy', organization: 'admin' })).status, 200);
  const answers = await Promise.all(Array.from({ length: 16 }, (_, index) => commit(index % 2 === 0 ? a : b, 'admin/busy', `file-${index}.txt`, `content ${index}\n`)));
  assert.deepEqual(
    answers.map((answer) => answer.status),
    answers.map(() => 200),
  );
  const tree = (await (await json(a, 'GET', '/api/models/admin/busy/tree/main')).json()) as { path: string }[];
  assert.equal(tree.filter((entry) => entry.path.startsWith('file-')).length, 16, 'no commit was lost');
  const head = ((await (await json(b, 'GET', '/api/models/admin/busy/revision/main')).json()) as { sha: string }).sha;
  const { stdout } = await run('git', ['-C', `${cluster.gitRoot}/models/admin/busy.git`, 'rev-parse', 'refs/heads/main']);
  assert.equal(stdout.trim(), head, 'both replicas read the one shared repository');
  const listed = (await (await json(a, 'GET', '/api/models?author=admin&search=busy')).json()) as { id: string; sha?: string }[];
  assert.equal(listed.find((entry) => entry.id === 'admin/busy')?.sha, head, 'the index row holds the last commit, not an older one');
  await run('git', ['-C', `${cluster.gitRoot}/models/admin/busy.git`, 'fsck', '--strict', '--no-progress']);
});

void test('rate limits count the requests of both replicas together (Redis buckets)', async () => {
  const statuses: number[] = [];
  for (let index = 0; index < 12; index++) {
    const answer = await json(index % 2 === 0 ? a : b, 'POST', '/api/tokens', { name: `burst-${index}`, role: 'read' });
    statuses.push(answer.status);
  }
  const allowed = statuses.filter((status) => status === 201).length;
  assert.equal(allowed, 6 - tokensCreated, `6/h for both replicas together: ${statuses.join(' ')}`);
  assert.ok(statuses.slice(allowed).every((status) => status === 429), `once spent, both replicas refuse: ${statuses.join(' ')}`);
});
