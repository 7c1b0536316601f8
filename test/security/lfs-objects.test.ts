// Issue 18, High 1: LFS objects are tied to the repos that reference them. Alice keeps a private
// object; Mallory, a second user with her own write token and the object's sha256, tries every
// route that could serve it, link it, let her commit it or tell her that it exists: HF LFS batch,
// object GET, verify, NDJSON commits (lfsFile and a plain file holding a pointer), repo creation
// with files, ModelScope batch and commit, `/api/blobs/stored` and a real `git push` of a pointer.
// Each is answered exactly as for an object nobody stored. Controls show what still works: Alice's
// own downloads, and Mallory's commits once she uploads the bytes herself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let work: string;
let alice: string;
let mallory: string;
const secret = randomBytes(4096);
const secretOid = createHash('sha256').update(secret).digest('hex');
const nobody = { oid: createHash('sha256').update(randomBytes(64)).digest('hex'), size: 4096 };
const LFS = { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' };

interface BatchAnswer {
  objects: { oid: string; size: number; error?: { code: number }; actions?: { upload?: { href: string }; download?: { href: string } } }[];
}

async function batch(repo: string, token: string | null, operation: 'upload' | 'download', objects: { oid: string; size: number }[]): Promise<BatchAnswer> {
  const response = await server.request(`/${repo}.git/info/lfs/objects/batch`, { method: 'POST', token, headers: LFS, body: JSON.stringify({ operation, objects }) });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as BatchAnswer;
}

function pointer(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

function ndjson(lines: object[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n');
}

async function commit(repo: string, token: string, lines: object[]): Promise<Response> {
  return server.request(`/api/models/${repo}/commit/main`, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/x-ndjson' },
    body: ndjson([{ key: 'header', value: { summary: 'attack' } }, ...lines]),
  });
}

const lfsFile = (path: string, oid: string, size: number) => ({ key: 'lfsFile', value: { path, algo: 'sha256', oid, size } });
const plainFile = (path: string, content: string) => ({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } });

async function createRepo(token: string, name: string, isPrivate: boolean): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, private: isPrivate }) });
  assert.equal(response.status, 200, await response.text());
}

/** The status and error code a route answers; the secret and an object nobody stored must agree. */
async function answerOf(response: Response): Promise<string> {
  const text = await response.text();
  let code: string;
  try {
    const parsed = JSON.parse(text) as { code?: string; error?: { code?: string } };
    code = parsed.code ?? parsed.error?.code ?? '';
  } catch {
    code = '';
  }
  return `${response.status} ${code}`;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' } });
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-sec-lfs-'));
  await mkdir(join(work, 'home'));
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice');
  mallory = await createUserWithToken(server, 'mallory');
  await createRepo(alice, 'secret', true);
  await createRepo(alice, 'open', false);
  await createRepo(mallory, 'own', false);
  // Alice stores her object the way huggingface_hub does: batch, PUT to the signed href, commit.
  const answer = await batch('alice/secret', alice, 'upload', [{ oid: secretOid, size: secret.length }]);
  const href = answer.objects[0]?.actions?.upload?.href;
  assert.ok(href, 'alice gets an upload action');
  const put = await fetch(href, { method: 'PUT', body: secret, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 200);
  const committed = await commit('alice/secret', alice, [lfsFile('weights.bin', secretOid, secret.length)]);
  assert.equal(committed.status, 200, await committed.clone().text());
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

void test('an object GET through a repo that does not reference it answers as for an absent object', async () => {
  for (const [repo, token] of [['alice/open', null], ['mallory/own', mallory]] as const) {
    const absent = await answerOf(await server.request(`/${repo}.git/info/lfs/objects/${nobody.oid}`, { token }));
    const response = await server.request(`/${repo}.git/info/lfs/objects/${secretOid}`, { token });
    const body = Buffer.from(await response.clone().arrayBuffer());
    assert.ok(!body.includes(secret.subarray(0, 64)), `${repo}: served the secret`);
    assert.equal(await answerOf(response), absent, repo);
  }
  // Control: Alice reads her own object through her own repo.
  const own = await server.request(`/alice/secret.git/info/lfs/objects/${secretOid}`, { token: alice });
  assert.equal(own.status, 200);
  assert.deepEqual(Buffer.from(await own.arrayBuffer()), secret);
});

void test('a download batch links only objects the repo references', async () => {
  const answer = await batch('mallory/own', mallory, 'download', [{ oid: secretOid, size: secret.length }]);
  assert.equal(answer.objects[0]?.error?.code, 404);
  assert.equal(answer.objects[0]?.actions, undefined);
  const own = await batch('alice/secret', alice, 'download', [{ oid: secretOid, size: secret.length }]);
  assert.ok(own.objects[0]?.actions?.download?.href);
});

void test('verify, the upload batch and /api/blobs/stored answer as if the object were absent', async () => {
  const verify = (object: { oid: string; size: number }) =>
    server.request('/mallory/own.git/info/lfs/verify', { method: 'POST', token: mallory, headers: LFS, body: JSON.stringify(object) }).then(answerOf);
  assert.equal(await verify({ oid: secretOid, size: secret.length }), await verify(nobody));

  const upload = await batch('mallory/own', mallory, 'upload', [{ oid: secretOid, size: secret.length }]);
  assert.ok(upload.objects[0]?.actions?.upload, 'a stored object not referenced here still gets an upload action');

  const stored = await server.request('/api/blobs/stored', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ objects: [{ oid: secretOid, size: secret.length }] }),
  });
  assert.equal(stored.status, 200);
  assert.deepEqual(((await stored.json()) as { objects: { stored: boolean }[] }).objects.map((object) => object.stored), [false]);

  const modelscope = await server.request('/api/v1/repos/models/mallory/own/info/lfs/objects/batch', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'upload', objects: [{ oid: secretOid, size: secret.length }] }),
  });
  assert.equal(modelscope.status, 200);
  const listed = ((await modelscope.json()) as { Data: { objects: { oid: string }[] } }).Data.objects;
  assert.deepEqual(listed.map((object) => object.oid), [secretOid], 'ModelScope batch asks for the upload too');
});

void test('an upload of other bytes under the sha256 is refused and opens nothing', async () => {
  const upload = await batch('mallory/own', mallory, 'upload', [{ oid: secretOid, size: secret.length }]);
  const href = upload.objects[0]?.actions?.upload?.href as string;
  const put = await fetch(href, { method: 'PUT', body: randomBytes(secret.length) });
  assert.equal(put.status, 422);
  const download = await batch('mallory/own', mallory, 'download', [{ oid: secretOid, size: secret.length }]);
  assert.equal(download.objects[0]?.error?.code, 404);
});

void test('a commit may not name an object it cannot read, in any form', async () => {
  const absent = await answerOf(await commit('mallory/own', mallory, [lfsFile('stolen.bin', nobody.oid, nobody.size)]));
  assert.equal(absent, '422 LFS_OBJECT_MISSING');
  assert.equal(await answerOf(await commit('mallory/own', mallory, [lfsFile('stolen.bin', secretOid, secret.length)])), absent);
  assert.equal(await answerOf(await commit('mallory/own', mallory, [plainFile('stolen.bin', pointer(secretOid, secret.length))])), absent);
  const created = await server.request('/api/repos/create', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'seeded', files: [{ path: 'stolen.bin', content: Buffer.from(pointer(secretOid, secret.length)).toString('base64'), encoding: 'base64' }] }),
  });
  assert.notEqual(created.status, 200, 'a new repo cannot start with the pointer either');
  const modelscope = await server.request('/api/v1/repos/models/mallory/own/commit/master', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ commit_message: 'attack', actions: [{ action: 'create', path: 'stolen.bin', type: 'lfs', size: secret.length, sha256: secretOid }] }),
  });
  assert.equal(modelscope.status, 422);
  const resolve = await server.request(`/mallory/own/resolve/main/stolen.bin`, { token: mallory });
  assert.equal(resolve.status, 404);
});

void test('a git push of a pointer to an object the pusher cannot read is refused', async () => {
  const dir = join(work, 'push');
  await mkdir(dir);
  await writeFile(join(dir, 'stolen.bin'), pointer(secretOid, secret.length));
  for (const args of [['init', '-q', '-b', 'main'], ['add', 'stolen.bin'], ['-c', 'user.name=m', '-c', 'user.email=m@x', 'commit', '-q', '-m', 'attack']]) {
    assert.equal((await run('git', args, dir)).code, 0);
  }
  // The server's own URL with mallory's token as the password.
  const remote = new URL('/mallory/own.git', server.url);
  remote.username = 'git';
  remote.password = mallory;
  const pushed = await run('git', ['push', remote.href, 'HEAD:refs/heads/stolen'], dir);
  assert.notEqual(pushed.code, 0, 'the push must be refused');
  assert.match(pushed.stderr, /LFS_OBJECT_MISSING/);
});

void test('controls: the bytes themselves, or a readable repo that has them, open the object', async () => {
  // Mallory uploads the same bytes (she has them): the object is now hers to commit and read.
  const upload = await batch('mallory/own', mallory, 'upload', [{ oid: secretOid, size: secret.length }]);
  const put = await fetch(upload.objects[0]?.actions?.upload?.href as string, { method: 'PUT', body: secret });
  assert.equal(put.status, 200);
  const committed = await commit('mallory/own', mallory, [lfsFile('mine.bin', secretOid, secret.length)]);
  assert.equal(committed.status, 200, await committed.clone().text());
  const resolved = await server.request('/mallory/own/resolve/main/mine.bin', { token: null });
  assert.deepEqual(Buffer.from(await resolved.arrayBuffer()), secret);

  // An object of a public repo may be named by anyone who can write elsewhere (no upload needed).
  const bob = await createUserWithToken(server, 'bob');
  await createRepo(bob, 'copy', false);
  const copied = await commit('bob/copy', bob, [lfsFile('copy.bin', secretOid, secret.length)]);
  assert.equal(copied.status, 200, await copied.clone().text());
});
