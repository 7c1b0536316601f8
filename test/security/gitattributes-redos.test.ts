// Issue 18, High 3: a `.gitattributes` pattern such as `*a*a*a…*b` made the server thread backtrack
// for hours on a long path in every later commit and preupload. Mallory commits such a pattern to
// her own repo, then a file with a long name; the server runs as its own process so that a blocked
// event loop shows as /healthz not answering instead of freezing the test. Too many or too long
// patterns are refused with GITATTRIBUTES_TOO_COMPLEX.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startModaProcess, type ModaProcess } from '../helpers/crash/moda-process.js';

const ADMIN = 'hf_moda_test_admin_token';
let server: ModaProcess;
let home: string;
let mallory: string;

const EVIL = `${'*a'.repeat(12)}*b filter=lfs\n`;

function ndjson(lines: object[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n');
}

function commit(files: Record<string, string>): Promise<Response> {
  const lines = [{ key: 'header', value: { summary: 'files' } }, ...Object.entries(files).map(([path, content]) => ({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } }))];
  return server.request('/api/models/mallory/evil/commit/main', { method: 'POST', token: mallory, headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(lines) });
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-sec-redos-'));
  server = await startModaProcess({ home, adminToken: ADMIN });
  const json = { 'content-type': 'application/json' };
  assert.ok((await server.request('/api/users', { method: 'POST', headers: json, body: JSON.stringify({ name: 'mallory' }) })).ok);
  const token = await server.request('/api/tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 't', role: 'write', user: 'mallory' }) });
  mallory = ((await token.json()) as { token: string }).token;
  const created = await server.request('/api/repos/create', { method: 'POST', token: mallory, headers: json, body: JSON.stringify({ name: 'evil' }) });
  assert.equal(created.status, 200, await created.text());
  const planted = await commit({ '.gitattributes': EVIL });
  assert.equal(planted.status, 200, await planted.text());
});

after(async () => {
  await server?.kill();
  await rm(home, { recursive: true, force: true });
});

/** /healthz answers within a second, several times while `work` runs. */
async function staysHealthy(work: Promise<Response>): Promise<Response> {
  let done = false;
  void work.finally(() => (done = true)).catch(() => undefined);
  for (let probe = 0; probe < 5 && !done; probe++) {
    const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status,
      (error: unknown) => String(error),
    );
    assert.equal(health, 200, `/healthz during the request (probe ${probe})`);
  }
  return work;
}

void test('a commit and a preupload under a backtracking pattern leave the server responsive', { timeout: 60_000 }, async () => {
  const name = 'a'.repeat(300);
  const committed = await staysHealthy(commit({ [name]: 'hello' }));
  assert.equal(committed.status, 200, await committed.text());
  const preupload = await staysHealthy(
    server.request('/api/models/mallory/evil/preupload/main', {
      method: 'POST',
      token: mallory,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ path: `dir/${name}`, size: 5, sample: '' }] }),
    }),
  );
  assert.equal(preupload.status, 200, await preupload.text());
});

void test('too many or too long patterns get GITATTRIBUTES_TOO_COMPLEX', async () => {
  for (const text of [`${'x'.repeat(300)} filter=lfs\n`, '*.bin filter=lfs\n'.repeat(1001)]) {
    const refused = await commit({ '.gitattributes': text, 'a.txt': 'x' });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('x-error-code'), 'GITATTRIBUTES_TOO_COMPLEX');
  }
  const preupload = await server.request('/api/models/mallory/evil/preupload/main', {
    method: 'POST',
    token: mallory,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ gitAttributes: `${'x'.repeat(300)} filter=lfs\n`, files: [{ path: 'a.txt', size: 1, sample: '' }] }),
  });
  assert.equal(preupload.headers.get('x-error-code'), 'GITATTRIBUTES_TOO_COMPLEX');
});
