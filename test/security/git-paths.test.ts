// Issue 18, Low 11: API writes follow the path rules git applies to pushes. Mallory tries the
// paths that NTFS or HFS+ read as `.git` (`.git.`, `git~1`, `.g\u200cit`, `.GIT`) and a
// `.gitmodules` whose url is a command-line option, through the HF NDJSON commit, the ModelScope
// commit and repo creation with files; each is refused with a stable code, and her repo still
// clones with transfer.fsckObjects on (it did not before: the commits landed and every clone broke).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let work: string;
let mallory: string;

const BAD_PATHS = ['.git./hooks/post-checkout', '.git /hooks/post-checkout', 'git~1/config', 'GIT~1/hooks/x', '.g\u200cit/config', '.GIT/config', 'a/.git:stream/x', 'a/../b', 'a//b'];
const BAD_GITMODULES = [
  '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n',
  '[submodule "../../x"]\n\tpath = x\n\turl = http://127.0.0.1:9/x.git\n',
  '[submodule "x"]\n\tpath = -x\n\turl = http://127.0.0.1:9/x.git\n',
  '[submodule "x"]\n\tpath = x\n\tupdate = !sh -c id\n',
];

const b64 = (text: string) => Buffer.from(text).toString('base64');

function hfCommit(files: Record<string, string>): Promise<Response> {
  const lines = [{ key: 'header', value: { summary: 'attack' } }, ...Object.entries(files).map(([path, content]) => ({ key: 'file', value: { path, content: b64(content), encoding: 'base64' } }))];
  return server.request('/api/models/mallory/own/commit/main', { method: 'POST', token: mallory, headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n') });
}

function msCommit(path: string, content: string): Promise<Response> {
  return server.request('/api/v1/repos/models/mallory/own/commit/main', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ commit_message: 'attack', actions: [{ action: 'create', path, type: 'normal', content: b64(content), encoding: 'base64' }] }),
  });
}

function createWith(name: string, path: string, content: string): Promise<Response> {
  return server.request('/api/repos/create', { method: 'POST', token: mallory, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, files: [{ path, content: b64(content), encoding: 'base64' }] }) });
}

async function codeOf(response: Response): Promise<string> {
  await response.arrayBuffer();
  return `${response.status} ${response.headers.get('x-error-code')}`;
}

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_LFS_SKIP_SMUDGE: '1' } });
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-sec-paths-'));
  server = await startTestServer();
  mallory = await createUserWithToken(server, 'mallory');
  const created = await server.request('/api/repos/create', { method: 'POST', token: mallory, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'own' }) });
  assert.equal(created.status, 200);
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

void test('paths git reads as .git are refused on every API write', async () => {
  for (const path of BAD_PATHS) {
    assert.equal(await codeOf(await hfCommit({ [path]: 'x' })), '400 PATH_INVALID', `HF commit ${JSON.stringify(path)}`);
    assert.notEqual((await msCommit(path, 'x')).status, 200, `ModelScope commit ${JSON.stringify(path)}`);
  }
  assert.equal(await codeOf(await createWith('seeded', '.git./hooks/post-checkout', 'x')), '400 PATH_INVALID');
});

void test('.gitmodules that git fsck refuses is refused', async () => {
  for (const content of BAD_GITMODULES) {
    assert.equal(await codeOf(await hfCommit({ '.gitmodules': content })), '400 GITMODULES_INVALID', content);
    assert.equal(await codeOf(await hfCommit({ 'sub/.GITMODULES': content })), '400 GITMODULES_INVALID', content);
    assert.notEqual((await msCommit('.gitmodules', content)).status, 200, content);
  }
  assert.equal(await codeOf(await createWith('seeded2', '.gitmodules', BAD_GITMODULES[0] as string)), '400 GITMODULES_INVALID');
  // A sane .gitmodules still lands.
  const fine = await hfCommit({ '.gitmodules': '[submodule "lib"]\n\tpath = lib\n\turl = http://127.0.0.1:9/lib.git\n' });
  assert.equal(fine.status, 200, await fine.text());
});

void test('the repo still clones with transfer.fsckObjects', async () => {
  // The server on 127.0.0.1, with mallory's token as the password.
  const remote = new URL('/mallory/own.git', server.url);
  remote.username = 'git';
  remote.password = mallory;
  const cloned = await run('git', ['-c', 'transfer.fsckObjects=true', 'clone', '--no-checkout', remote.href, join(work, 'clone')]);
  assert.equal(cloned.code, 0, cloned.stderr);
});
