// `git push` in the audit log: a force push the repo allows and a deleted branch each leave an
// event naming the ref and the commits; a push that only moves a branch forward leaves none.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let work: string;

/** Runs git without blocking the event loop (the server lives in this process). */
function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_LFS_SKIP_SMUDGE: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`git ${args.join(' ')} failed (${code}):\n${output}`))));
  });
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-audit-push-'));
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('force pushes and ref deletions are audited, fast-forwards are not', async () => {
  const json = (method: string, body: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await server.request('/api/repos/create', json('POST', { name: 'admin/pushed' }))).status, 200);
  assert.equal((await server.request('/api/models/admin/pushed/settings', json('PUT', { allowForcePush: true }))).status, 200);
  const dir = join(work, 'clone');
  // The token travels as a header (not in the URL), for the clone and every push after it.
  const header = `Authorization: Basic ${Buffer.from(`git:${ADMIN_TOKEN}`).toString('base64')}`;
  await git(['-c', `http.extraHeader=${header}`, 'clone', `${server.url}/admin/pushed.git`, dir], work);
  await git(['config', 'http.extraHeader', header], dir);
  await git(['config', 'user.email', 'admin@localhost'], dir);
  await git(['config', 'user.name', 'a'], dir);
  await writeFile(join(dir, 'a.txt'), 'one');
  await git(['add', 'a.txt'], dir);
  await git(['commit', '-m', 'one'], dir);
  await git(['push', 'origin', 'main', 'main:side'], dir);
  const forward = await git(['rev-parse', 'HEAD'], dir);
  await git(['reset', '--hard', 'HEAD~1'], dir);
  await writeFile(join(dir, 'b.txt'), 'two');
  await git(['add', 'b.txt'], dir);
  await git(['commit', '-m', 'rewritten'], dir);
  const rewritten = await git(['rev-parse', 'HEAD'], dir);
  await git(['push', '--force', 'origin', 'main'], dir);
  await git(['push', 'origin', '--delete', 'side'], dir);

  const page = (await (await server.request('/api/admin/audit?action=git.')).json()) as { events: { action: string; actor: string; target: string; details: Record<string, unknown> }[] };
  assert.deepEqual(
    page.events.map((event) => [event.action, event.actor, event.target, event.details.ref, event.details.oldOid, event.details.newOid]),
    [
      ['git.ref_delete', 'admin', 'model:admin/pushed', 'refs/heads/side', forward, undefined],
      ['git.force_push', 'admin', 'model:admin/pushed', 'refs/heads/main', forward, rewritten],
    ],
  );
  const settings = (await (await server.request('/api/admin/audit?action=repo.settings')).json()) as { events: { details: { allowForcePush: boolean } }[] };
  assert.deepEqual(settings.events.map((event) => event.details.allowForcePush), [true]);
});
