// Git smart HTTP with the real Debian `git` and `git-lfs`: clone (anonymous, token, private,
// datasets), push through LFS, the index following pushes, refused rewrites and stale pushes,
// read-only tokens, and fetches that see API commits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;
let aliceToken: string;
let aliceReadToken: string;
let bobToken: string;
let clones = 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the server lives in this process). */
function run(command: string, args: string[], options: { cwd?: string; input?: Buffer; env?: Record<string, string> } = {}): Promise<Run & { raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code: code ?? -1, raw, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.input);
  });
}

async function git(args: string[], cwd?: string, env?: Record<string, string>): Promise<string> {
  const result = await run('git', args, { cwd, env });
  assert.equal(result.code, 0, `git ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

function remote(repoPath: string, token?: string): string {
  const url = new URL(server.url);
  return `http://${token ? `git:${token}@` : ''}${url.host}/${repoPath}.git`;
}

/** Clones into a fresh folder; LFS content is skipped unless asked for. */
async function clone(repoPath: string, token?: string, options: { lfs?: boolean; url?: string } = {}): Promise<Run & { dir: string }> {
  const dir = join(work, `clone-${++clones}`);
  const result = await run('git', ['clone', options.url ?? remote(repoPath, token), dir], { env: options.lfs ? {} : { GIT_LFS_SKIP_SMUDGE: '1' } });
  return { ...result, dir };
}

async function createRepo(name: string, options: { private?: boolean; type?: 'dataset' } = {}): Promise<void> {
  const response = await server.request('/api/repos/create', {
    method: 'POST',
    token: aliceToken,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, organization: 'alice', private: options.private ?? false, ...(options.type && { type: options.type }) }),
  });
  assert.equal(response.status, 200, await response.text());
}

async function apiCommit(repoId: string, path: string, content: string): Promise<string> {
  const lines = [
    { key: 'header', value: { summary: `api: ${path}` } },
    { key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } },
  ];
  const response = await server.request(`/api/models/${repoId}/commit/main`, {
    method: 'POST',
    token: aliceToken,
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines.map((line) => JSON.stringify(line)).join('\n'),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { commitOid: string }).commitOid;
}

async function apiHead(repoId: string, type = 'models'): Promise<string> {
  const response = await server.request(`/api/${type}/${repoId}`, { token: aliceToken });
  assert.equal(response.status, 200);
  return ((await response.json()) as { sha: string }).sha;
}

function basic(token: string): string {
  return `Basic ${Buffer.from(`git:${token}`).toString('base64')}`;
}

async function commitAll(dir: string, message: string): Promise<string> {
  await git(['add', '-A'], dir);
  await git(['commit', '-q', '-m', message], dir);
  return git(['rev-parse', 'HEAD'], dir);
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-git-'));
  await mkdir(join(work, 'home'));
  const version = await run('git', ['lfs', 'version']).catch(() => undefined);
  assert.equal(version?.code, 0, 'git-lfs is needed: apt-get install -y git-lfs');
  await writeFile(join(work, 'home', '.gitconfig'), '[user]\n\tname = Git Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n[lfs]\n\tlocksverify = false\n');
  await git(['lfs', 'install', '--skip-repo']);
  server = await startTestServer();
  aliceToken = await createUserWithToken(server, 'alice', 'write');
  bobToken = await createUserWithToken(server, 'bob', 'write');
  const readOnly = await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ro', role: 'read', user: 'alice' }) });
  aliceReadToken = ((await readOnly.json()) as { token: string }).token;
  await createRepo('open');
  await createRepo('secret', { private: true });
  await createRepo('table', { type: 'dataset' });
});

after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

void test('clone: anonymous for public repos and datasets, credentials for private ones, 404 for strangers', async () => {
  const anonymous = await clone('alice/open');
  assert.equal(anonymous.code, 0, anonymous.stderr);
  assert.match(await readFile(join(anonymous.dir, 'README.md'), 'utf8'), /alice\/open/);
  assert.equal(await git(['rev-parse', 'HEAD'], anonymous.dir), await apiHead('alice/open'));
  const withoutSuffix = await clone('alice/open', undefined, { url: remote('alice/open').replace(/\.git$/, '') });
  assert.equal(withoutSuffix.code, 0, `the .git suffix is optional, as on the Hub: ${withoutSuffix.stderr}`);

  const dataset = await clone('datasets/alice/table');
  assert.equal(dataset.code, 0, dataset.stderr);
  assert.equal(await git(['rev-parse', 'HEAD'], dataset.dir), await apiHead('alice/table', 'datasets'));

  // Private: no credentials is a Basic challenge (so git asks for them), never a 404 that leaks.
  const refused = await clone('alice/secret');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /could not read Username|Authentication failed/);
  for (const path of ['/alice/secret.git/info/refs?service=git-upload-pack', '/alice/missing.git/info/refs?service=git-upload-pack']) {
    const challenge = await fetch(`${server.url}${path}`);
    assert.equal(challenge.status, 401, path);
    assert.equal(challenge.headers.get('www-authenticate'), 'Basic realm="Moda"');
  }
  const owner = await clone('alice/secret', aliceToken);
  assert.equal(owner.code, 0, owner.stderr);
  const readOnly = await clone('alice/secret', aliceReadToken);
  assert.equal(readOnly.code, 0, `a read token may clone: ${readOnly.stderr}`);

  // Authenticated but without access: the repo does not exist for them.
  const stranger = await fetch(`${server.url}/alice/secret.git/info/refs?service=git-upload-pack`, { headers: { authorization: basic(bobToken) } });
  assert.equal(stranger.status, 404);
  const strangerClone = await clone('alice/secret', bobToken);
  assert.notEqual(strangerClone.code, 0);
  assert.match(strangerClone.stderr, /not found|404/);
  const wrongToken = await fetch(`${server.url}/alice/open.git/info/refs?service=git-upload-pack`, { headers: { authorization: basic('hf_wrong') } });
  assert.equal(wrongToken.status, 401);
  const bearer = await fetch(`${server.url}/alice/secret.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${aliceToken}` } });
  assert.equal(bearer.status, 200);
  assert.equal(bearer.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
  assert.equal((await fetch(`${server.url}/alice/open.git/info/refs`)).status, 400, 'the dumb protocol is not served');
});

void test('push through LFS: content, tree, resolve and the search index follow the pushed head', async () => {
  const { dir, code, stderr } = await clone('alice/open', aliceToken);
  assert.equal(code, 0, stderr);
  const big = randomBytes(20 * 1024 * 1024);
  const oid = createHash('sha256').update(big).digest('hex');
  await writeFile(join(dir, 'big.bin'), big);
  await writeFile(join(dir, 'notes.txt'), 'pushed with git\n');
  await writeFile(join(dir, 'README.md'), '---\nlicense: apache-2.0\npipeline_tag: text-classification\n---\n# pushed\n');
  const head = await commitAll(dir, 'add big.bin through LFS');
  assert.match(await git(['show', 'HEAD:big.bin'], dir), new RegExp(`oid sha256:${oid}`), 'stored as an LFS pointer');
  await git(['push', '-q', 'origin', 'main'], dir);

  const resolved = await server.request('/alice/open/resolve/main/big.bin', { token: null });
  assert.equal(resolved.status, 200);
  assert.equal(resolved.headers.get('x-repo-commit'), head);
  assert.equal(createHash('sha256').update(Buffer.from(await resolved.arrayBuffer())).digest('hex'), oid);
  assert.equal(await (await server.request('/alice/open/resolve/main/notes.txt')).text(), 'pushed with git\n');

  assert.equal(await apiHead('alice/open'), head);
  const tree = (await (await server.request('/api/models/alice/open/tree/main')).json()) as { path: string; size: number; lfs?: { oid: string; size: number } }[];
  const entry = tree.find((file) => file.path === 'big.bin');
  assert.deepEqual([entry?.lfs?.oid, entry?.lfs?.size, entry?.size], [oid, big.length, big.length]);
  // The index (not only git) moved: the search row carries the new sha and the card's fields.
  const search = (await (await server.request('/api/models?author=alice&pipeline_tag=text-classification')).json()) as { id: string; sha: string }[];
  assert.deepEqual(
    search.map((row) => [row.id, row.sha]),
    [['alice/open', head]],
  );

  // A fresh clone with LFS smudging downloads the object through the batch API.
  const again = await clone('alice/open', undefined, { lfs: true });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(createHash('sha256').update(await readFile(join(again.dir, 'big.bin'))).digest('hex'), oid);
});

void test('a pushed LFS pointer whose object was never uploaded is refused', async () => {
  const { dir } = await clone('alice/open', aliceToken);
  const before = await apiHead('alice/open');
  const content = randomBytes(4096);
  await writeFile(join(dir, 'orphan.bin'), content);
  await commitAll(dir, 'pointer only');
  // git-lfs-style uploads (Basic credentials, no signed href) with the wrong bytes are not stored.
  const oid = createHash('sha256').update(content).digest('hex');
  const put = (body: Buffer, token: string) => fetch(`${server.url}/alice/open.git/info/lfs/objects/${oid}?size=${content.length}`, { method: 'PUT', headers: { authorization: basic(token), 'content-type': 'application/octet-stream' }, body });
  const tampered = Buffer.from(content);
  tampered[0] = (tampered[0] ?? 0) ^ 0xff;
  assert.equal((await put(tampered, aliceToken)).status, 422);
  assert.equal((await put(content.subarray(1), aliceToken)).status, 422);
  assert.equal((await put(content, aliceReadToken)).status, 403);
  // --no-verify skips git-lfs's pre-push hook: the pointer goes out, the object does not.
  const refused = await run('git', ['push', '--no-verify', 'origin', 'main'], { cwd: dir });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /LFS_OBJECT_MISSING/);
  assert.match(refused.stderr, new RegExp(oid));
  assert.match(refused.stderr, /pre-receive hook declined/);
  assert.equal(await apiHead('alice/open'), before);
  await git(['push', '-q', 'origin', 'main'], dir);
  const resolved = await server.request('/alice/open/resolve/main/orphan.bin');
  assert.deepEqual(Buffer.from(await resolved.arrayBuffer()), content);
});

void test('a diverged push and a force push are refused unless allowed; the default branch cannot be deleted', async () => {
  await createRepo('race');
  const a = await clone('alice/race', aliceToken);
  const b = await clone('alice/race', aliceToken);
  await writeFile(join(a.dir, 'a.txt'), 'from A\n');
  const fromA = await commitAll(a.dir, 'A');
  await git(['push', '-q', 'origin', 'main'], a.dir);
  await writeFile(join(b.dir, 'b.txt'), 'from B\n');
  const fromB = await commitAll(b.dir, 'B');

  const diverged = await run('git', ['push', 'origin', 'main'], { cwd: b.dir });
  assert.notEqual(diverged.code, 0);
  assert.match(diverged.stderr, /rejected/);
  const forced = await run('git', ['push', '--force', 'origin', 'main'], { cwd: b.dir });
  assert.notEqual(forced.code, 0);
  assert.match(forced.stderr, /remote rejected\] main -> main \(non-fast-forward\)/);
  assert.equal(await apiHead('alice/race'), fromA, 'the remote head is unchanged');

  const deleted = await run('git', ['push', 'origin', ':main'], { cwd: b.dir });
  assert.notEqual(deleted.code, 0);
  assert.match(deleted.stderr, /deletion of the current branch prohibited/);

  const settings = await server.request('/api/models/alice/race/settings', { method: 'PUT', token: aliceToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowForcePush: true }) });
  assert.equal(settings.status, 200);
  await git(['push', '-q', '--force', 'origin', 'main'], b.dir);
  assert.equal(await apiHead('alice/race'), fromB, 'with allowForcePush the rewrite lands');
  const search = (await (await server.request('/api/models?author=alice&search=race')).json()) as { sha: string }[];
  assert.equal(search[0]?.sha, fromB, 'and is indexed');
  const stillDeleted = await run('git', ['push', 'origin', ':main'], { cwd: b.dir });
  assert.notEqual(stillDeleted.code, 0, 'deleting the default branch stays refused');
  // Other branches can be created and deleted by push; Moda's own scratch refs cannot be touched.
  await git(['push', '-q', 'origin', 'main:feature'], b.dir);
  await git(['push', '-q', 'origin', ':feature'], b.dir);
  const scratch = await run('git', ['push', 'origin', 'main:refs/moda/scratch/x'], { cwd: b.dir });
  assert.notEqual(scratch.code, 0);
  assert.match(scratch.stderr, /deny updating a hidden ref/);
});

void test('a push whose old value went stale under an API commit is rejected, and neither write is lost', async () => {
  await createRepo('stale');
  const { dir } = await clone('alice/stale', aliceToken);
  const base = await git(['rev-parse', 'HEAD'], dir);
  await writeFile(join(dir, 'push.txt'), 'pushed\n');
  const pushed = await commitAll(dir, 'push');
  // The API commit lands after the client read the refs and before its pack arrives.
  const fromApi = await apiCommit('alice/stale', 'api.txt', 'from the API\n');

  const pack = await run('git', ['pack-objects', '--stdout', '--revs', '-q'], { cwd: dir, input: Buffer.from(`${pushed}\n^${base}\n`) });
  assert.equal(pack.code, 0, pack.stderr);
  const command = `${base} ${pushed} refs/heads/main\0report-status\n`;
  const body = Buffer.concat([Buffer.from(`${(command.length + 4).toString(16).padStart(4, '0')}${command}0000`), pack.raw]);
  const response = await fetch(`${server.url}/alice/stale.git/git-receive-pack`, {
    method: 'POST',
    headers: { authorization: basic(aliceToken), 'content-type': 'application/x-git-receive-pack-request' },
    body,
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/x-git-receive-pack-result');
  const report = await response.text();
  assert.match(report, /unpack ok/);
  assert.match(report, /ng refs\/heads\/main/);
  assert.equal(await apiHead('alice/stale'), fromApi, 'the API commit stays');

  // The client then sees the API commit, merges, and its push lands on top.
  await git(['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'], dir);
  await git(['push', '-q', 'origin', 'main'], dir);
  const head = await git(['rev-parse', 'HEAD'], dir);
  assert.equal(await apiHead('alice/stale'), head);
  assert.equal(await git(['merge-base', '--is-ancestor', fromApi, head], dir), '');
});

void test('pushes need write access: read tokens get 403, strangers 404, anonymous 401', async () => {
  const { dir } = await clone('alice/secret', aliceToken);
  await writeFile(join(dir, 'x.txt'), 'x\n');
  await commitAll(dir, 'x');
  const before = await apiHead('alice/secret');
  const readOnly = await run('git', ['push', remote('alice/secret', aliceReadToken), 'main'], { cwd: dir });
  assert.notEqual(readOnly.code, 0);
  assert.match(readOnly.stderr, /403/);
  // A text/plain error body is what git shows the user, as `remote: …`.
  assert.match(readOnly.stderr, /remote: .*\[AUTH_FORBIDDEN\]/);
  const stranger = await run('git', ['push', remote('alice/secret', bobToken), 'main'], { cwd: dir });
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /not found|404/);
  const anonymous = await run('git', ['push', remote('alice/open'), 'main'], { cwd: dir });
  assert.notEqual(anonymous.code, 0);
  assert.equal(await apiHead('alice/secret'), before);

  const advertised = await fetch(`${server.url}/alice/open.git/info/refs?service=git-receive-pack`, { headers: { authorization: basic(aliceReadToken) } });
  assert.equal(advertised.status, 403);
  const post = await fetch(`${server.url}/alice/open.git/git-receive-pack`, { method: 'POST', headers: { authorization: basic(aliceReadToken), 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' });
  assert.equal(post.status, 403);
  assert.match(post.headers.get('content-type') ?? '', /^text\/plain/);
  const anonymousPost = await fetch(`${server.url}/alice/open.git/git-receive-pack`, { method: 'POST', headers: { 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' });
  assert.equal(anonymousPost.status, 401);
});

void test('fetch sees API commits, with gzip-compressed negotiation', async () => {
  await createRepo('follow');
  const { dir } = await clone('alice/follow');
  // Many local commits make git send long `have` lists, which it gzips (Content-Encoding: gzip).
  const base = await git(['rev-parse', 'HEAD'], dir);
  const stream = Array.from({ length: 200 }, (_, index) => {
    const message = `local ${index}\n`;
    return `commit refs/heads/local\ncommitter T <t@example.com> ${2000000000 + index} +0000\ndata ${message.length}\n${message}${index === 0 ? `from ${base}\n` : ''}M 644 inline n.txt\ndata ${String(index).length}\n${index}\n`;
  }).join('');
  const imported = await run('git', ['fast-import', '--quiet'], { cwd: dir, input: Buffer.from(stream) });
  assert.equal(imported.code, 0, imported.stderr);

  const fromApi = await apiCommit('alice/follow', 'api.txt', 'from the API\n');
  const fetched = await run('git', ['fetch', 'origin'], { cwd: dir, env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stderr, /Content-Encoding: gzip/);
  await git(['merge', '-q', '--ff-only', 'origin/main'], dir);
  assert.equal(await git(['rev-parse', 'HEAD'], dir), fromApi);
  assert.equal(await readFile(join(dir, 'api.txt'), 'utf8'), 'from the API\n');
});

void test('a dataset takes pushes, including a pack streamed in chunks', async () => {
  const dataset = await clone('datasets/alice/table', aliceToken);
  await writeFile(join(dataset.dir, 'rows.csv'), 'a,b\n1,2\n');
  // Not an LFS pattern and larger than git's 1 MiB post buffer: the pack goes as a chunked POST.
  const raw = randomBytes(3 * 1024 * 1024);
  await writeFile(join(dataset.dir, 'raw.dat'), raw);
  const head = await commitAll(dataset.dir, 'rows');
  const pushed = await run('git', ['push', 'origin', 'main'], { cwd: dataset.dir, env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stderr, /Transfer-Encoding: chunked/);
  const rows = await server.request('/datasets/alice/table/resolve/main/rows.csv', { token: null });
  assert.equal(await rows.text(), 'a,b\n1,2\n');
  const dat = await server.request('/datasets/alice/table/resolve/main/raw.dat', { token: null });
  assert.deepEqual(Buffer.from(await dat.arrayBuffer()), raw);
  // Last, a request answered in one piece: a streamed download can still be closing on the server
  // after the client has every byte, and stopping the server then waits for the keep-alive timeout.
  assert.equal(await apiHead('alice/table', 'datasets'), head);
});
