// Bad input on every Hugging Face input path: each gets a clear error code and changes nothing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let head: string;
let readToken: string;

/** Sends the path exactly as written (fetch would normalise `..` and `%2e%2e`). */
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; code: string | null; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (res.headers['x-error-code'] as string | undefined) ?? null, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function headOf(): Promise<string> {
  const info = (await (await server.request('/api/models/admin/target')).json()) as { sha: string };
  return info.sha;
}

function ndjson(...lines: unknown[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n');
}

async function commit(body: string, token: string | null = ADMIN_TOKEN) {
  const response = await server.request('/api/models/admin/target/commit/main', { method: 'POST', token, headers: { 'content-type': 'application/x-ndjson' }, body });
  const json = (await response.json()) as { code?: string };
  return { status: response.status, code: json.code };
}

before(async () => {
  server = await startTestServer({ maxJsonBytes: 64 * 1024, maxCommitBytes: 256 * 1024 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'target', organization: 'admin' }) });
  assert.equal(created.status, 200);
  head = await headOf();
  await createUserWithToken(server, 'reader', 'write');
  const token = await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ro', role: 'read' }) });
  readToken = ((await token.json()) as { token: string }).token;
});
after(async () => server.stop());

void test('path traversal is refused in resolve, tree and paths-info', async () => {
  const bad = ['..%2F..%2Fetc%2Fpasswd', '%2E%2E/README.md', '..', '%2Fetc%2Fpasswd', '.git/config', '.git%2FHEAD', 'a%00b', 'a%5Cb', 'dir/../README.md'];
  for (const path of bad) {
    for (const prefix of ['/admin/target/resolve/main/', '/api/models/admin/target/tree/main/']) {
      const response = await raw(`${prefix}${path}`);
      assert.ok(response.status === 400 || response.status === 404, `${prefix}${path} → ${response.status}`);
      assert.ok(['PATH_INVALID', 'EntryNotFound', 'NOT_FOUND'].includes(response.code ?? ''), `${prefix}${path} → ${response.code}`);
      assert.ok(!response.body.includes('root:'), 'no file outside the repo is served');
    }
  }
  const info = await server.request('/api/models/admin/target/paths-info/main', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: ['../x'] }) });
  assert.equal(info.status, 400);
  assert.equal(((await info.json()) as { code: string }).code, 'PATH_INVALID');
});

void test('path traversal is refused in every commit operation and in preupload, with no commit made', async () => {
  const paths = ['../escape.txt', '/abs.txt', '.git/hooks/post-update', 'a/./b', 'a\\b', 'nul\u0000byte', 'a//b', 'trailing/'];
  for (const path of paths) {
    for (const line of [
      { key: 'file', value: { path, content: 'eA==', encoding: 'base64' } },
      { key: 'lfsFile', value: { path, algo: 'sha256', oid: 'a'.repeat(64), size: 1 } },
      { key: 'deletedFile', value: { path } },
    ]) {
      const result = await commit(ndjson({ key: 'header', value: { summary: 'x' } }, line));
      assert.equal(result.status, 400, `${line.key} ${JSON.stringify(path)}`);
      assert.equal(result.code, 'PATH_INVALID', `${line.key} ${JSON.stringify(path)}`);
    }
  }
  const folder = await commit(ndjson({ key: 'header', value: { summary: 'x' } }, { key: 'deletedFolder', value: { path: '../..' } }));
  assert.equal(folder.code, 'PATH_INVALID');
  const preupload = await server.request('/api/models/admin/target/preupload/main', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ files: [{ path: '../x', size: 1, sample: '' }] }),
  });
  assert.equal(preupload.status, 400);
  assert.equal(await headOf(), head, 'no commit was made');
});

void test('invalid repo names are refused', async () => {
  for (const name of ['a--b', '-lead', 'trail-', 'x.git', 'dots..name', 'has space', 'x'.repeat(97), '', 'a/b/c', 'ünïcode']) {
    const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
    assert.equal(response.status, 400, name);
    assert.ok(['REPO_NAME_INVALID', 'VALIDATION_FAILED'].includes(((await response.json()) as { code: string }).code), name);
  }
  const listing = (await (await server.request('/api/models?author=admin')).json()) as unknown[];
  assert.equal(listing.length, 1, 'nothing was created');
});

void test('unknown and invalid revisions', async () => {
  const unknown = await raw('/admin/target/resolve/nope/README.md');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.code, 'RevisionNotFound');
  const sha = await raw(`/api/models/admin/target/revision/${'0'.repeat(40)}`);
  assert.equal(sha.code, 'RevisionNotFound');
  for (const revision of ['..', '-rf', 'a..b', 'refs%2Fheads%2F..%2Fx', 'x.lock']) {
    const response = await raw(`/admin/target/resolve/${revision}/README.md`);
    assert.equal(response.status, 400, revision);
    assert.equal(response.code, 'REVISION_INVALID', revision);
  }
  const missingFile = await raw('/admin/target/resolve/main/nope.txt');
  assert.equal(missingFile.code, 'EntryNotFound');
  const missingRepo = await raw('/admin/nope/resolve/main/README.md');
  assert.equal(missingRepo.code, 'RepoNotFound');
});

void test('oversized bodies get 413', async () => {
  const json = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'big', organization: 'admin', pad: 'x'.repeat(100 * 1024) }) });
  assert.equal(json.status, 413);
  assert.equal(((await json.json()) as { code: string }).code, 'BODY_TOO_LARGE');
  const big = await commit(ndjson({ key: 'header', value: { summary: 'x' } }, { key: 'file', value: { path: 'big.txt', content: randomBytes(300 * 1024).toString('base64'), encoding: 'base64' } }));
  assert.equal(big.status, 413);
  assert.equal(big.code, 'BODY_TOO_LARGE');
  assert.equal(await headOf(), head);
});

void test('malformed NDJSON commits are refused with the line at fault', async () => {
  const header = { key: 'header', value: { summary: 'x' } };
  const cases = [
    'not json at all',
    ndjson({ key: 'file', value: { path: 'a.txt', content: 'eA==', encoding: 'base64' } }),
    ndjson(header, { key: 'mystery', value: {} }),
    ndjson(header, { key: 'file', value: { path: 'a.txt', content: '***', encoding: 'base64' } }),
    ndjson(header, { key: 'file', value: { path: 'a.txt', content: 'eA==', encoding: 'rot13' } }),
    ndjson(header, { key: 'lfsFile', value: { path: 'a.bin', algo: 'sha256', oid: 'xyz', size: 1 } }),
    ndjson(header, { key: 'lfsFile', value: { path: 'a.bin', algo: 'sha256', oid: 'a'.repeat(64), size: -1 } }),
    ndjson(header, header),
    ndjson(header, { key: 'file', value: { path: 'a.txt', content: 'eA==', encoding: 'base64' } }, { key: 'file', value: { path: 'a.txt', content: 'eQ==', encoding: 'base64' } }),
    `${JSON.stringify(header)}\n[1,2]`,
  ];
  for (const body of cases) {
    const result = await commit(body);
    assert.equal(result.status, 400, body.slice(0, 80));
    assert.equal(result.code, 'NDJSON_INVALID', body.slice(0, 80));
  }
  const empty = await commit(ndjson(header));
  assert.equal(empty.code, 'HUB_COMMIT_EMPTY');
  const missingLfs = await commit(ndjson(header, { key: 'lfsFile', value: { path: 'w.bin', algo: 'sha256', oid: 'b'.repeat(64), size: 10 } }));
  assert.equal(missingLfs.code, 'LFS_OBJECT_MISSING');
  const missingDelete = await commit(ndjson(header, { key: 'deletedFile', value: { path: 'ghost.txt' } }));
  assert.equal(missingDelete.code, 'HUB_ENTRY_NOT_FOUND');
  const staleParent = await commit(ndjson({ key: 'header', value: { summary: 'x', parentCommit: 'c'.repeat(40) } }, { key: 'file', value: { path: 'a.txt', content: 'eA==', encoding: 'base64' } }));
  assert.equal(staleParent.status, 412);
  assert.equal(await headOf(), head, 'none of these made a commit');
});

void test('an LFS upload with the wrong sha256 or size is refused and not stored', async () => {
  const content = randomBytes(4096);
  const oid = createHash('sha256').update(content).digest('hex');
  const batch = await server.request('/admin/target.git/info/lfs/objects/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid, size: content.length }], hash_algo: 'sha256' }),
  });
  assert.equal(batch.status, 200);
  const href = ((await batch.json()) as { objects: { actions: { upload: { href: string } } }[] }).objects[0]?.actions.upload.href ?? '';
  const tampered = Buffer.from(content);
  tampered[0] = (tampered[0] ?? 0) ^ 0xff;
  const wrong = await fetch(href, { method: 'PUT', body: tampered });
  assert.equal(wrong.status, 422);
  assert.equal(((await wrong.json()) as { code: string }).code, 'LFS_OBJECT_MISMATCH');
  const short = await fetch(href, { method: 'PUT', body: content.subarray(0, 100) });
  assert.equal(short.status, 422);
  // Still missing: a commit that references it is refused, and the batch still asks for an upload.
  const refused = await commit(ndjson({ key: 'header', value: { summary: 'x' } }, { key: 'lfsFile', value: { path: 'w.bin', algo: 'sha256', oid, size: content.length } }));
  assert.equal(refused.code, 'LFS_OBJECT_MISSING');
  const forged = await fetch(href.replace(/sig=[^&]+/, 'sig=1.forged'), { method: 'PUT', body: content });
  assert.equal(forged.status, 401, 'a forged signature without credentials is refused');
  const right = await fetch(href, { method: 'PUT', body: content });
  assert.equal(right.status, 200);
  const landed = await commit(ndjson({ key: 'header', value: { summary: 'add w.bin' } }, { key: 'lfsFile', value: { path: 'w.bin', algo: 'sha256', oid, size: content.length } }));
  assert.equal(landed.status, 200);
  head = await headOf();
});

void test('writes need a token, and a read-only token may only read', async () => {
  const line = ndjson({ key: 'header', value: { summary: 'x' } }, { key: 'file', value: { path: 'a.txt', content: 'eA==', encoding: 'base64' } });
  const anonymous = await commit(line, null);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.code, 'AUTH_REQUIRED');
  const readOnly = await commit(line, readToken);
  assert.equal(readOnly.status, 403);
  assert.equal(readOnly.code, 'AUTH_FORBIDDEN');
  const malformedAnonymous = await commit('not json', null);
  assert.equal(malformedAnonymous.code, 'AUTH_REQUIRED', 'access is checked before the body is parsed');
  const invalid = await commit(line, 'hf_not_a_real_token');
  assert.equal(invalid.status, 401);
  assert.equal(invalid.code, 'AUTH_INVALID_TOKEN');
  const create = await server.request('/api/repos/create', { method: 'POST', token: readToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'nope', organization: 'admin' }) });
  assert.equal(create.status, 403);
  const read = await server.request('/api/models/admin/target', { token: readToken });
  assert.equal(read.status, 200);
  assert.equal(await headOf(), head);
});
