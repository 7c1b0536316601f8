// Quotas through HTTP: repos per namespace (Hugging Face and ModelScope creation) and LFS bytes per
// namespace, refused with stable codes before an upload starts: per object in a Git LFS batch,
// for the whole ModelScope batch, for a preupload once the namespace is full, and for a commit whose
// inline LFS files would pass it. An object a namespace already holds costs nothing again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from '../helpers/moda-server.js';

let server: TestServer;
let alice: string;

const json = (method: string, body: unknown, token = alice) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });
const oidOf = (text: string) => createHash('sha256').update(text).digest('hex');

function commit(path: string, content: Buffer) {
  const lines = [{ key: 'header', value: { summary: `add ${path}` } }, { key: 'file', value: { path, content: content.toString('base64'), encoding: 'base64' } }];
  return server.request('/api/models/alice/weights/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify(line)).join('\n'), token: alice });
}

function lfsBatch(objects: { oid: string; size: number }[]) {
  return server.request('/alice/weights.git/info/lfs/objects/batch', { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'upload', objects }), token: alice });
}

before(async () => {
  server = await startTestServer({ quotaRepos: 2, quotaStorageBytes: 1000 });
  alice = await createUserWithToken(server, 'alice', 'write');
});

after(async () => {
  await server.stop();
});

void test('a namespace holds at most MODA_QUOTA_REPOS repos, through either API', async () => {
  assert.equal((await server.request('/api/repos/create', json('POST', { name: 'alice/weights' }))).status, 200);
  assert.equal((await server.request('/api/repos/create', json('POST', { name: 'alice/data', type: 'dataset' }))).status, 200);
  const third = await server.request('/api/repos/create', json('POST', { name: 'alice/third' }));
  assert.equal(third.status, 403);
  assert.equal(third.headers.get('x-error-code'), 'QUOTA_REPOS_EXCEEDED');
  assert.match(((await third.json()) as { error: string }).error, /MODA_QUOTA_REPOS allows \(2\)/);
  const viaModelScope = await server.request('/api/v1/models', json('POST', { Path: 'alice', Name: 'fourth', Visibility: 5, License: 'Apache License 2.0', ChineseName: '' }));
  assert.equal(((await viaModelScope.json()) as { ErrorCode: string }).ErrorCode, 'QUOTA_REPOS_EXCEEDED');
  assert.equal((await server.request('/api/models/alice/third', { token: alice })).status, 404, 'nothing was created');
  // Another namespace has its own count.
  assert.equal((await server.request('/api/repos/create', json('POST', { name: 'admin/elsewhere' }, ADMIN_TOKEN))).status, 200);
});

void test('LFS bytes per namespace: refused per object in a batch, before any upload, and stored objects count once', async () => {
  const big = { oid: oidOf('six hundred'), size: 600 };
  const tooMuch = { oid: oidOf('another six hundred'), size: 600 };
  const answer = (await (await lfsBatch([big, tooMuch])).json()) as { objects: { oid: string; actions?: unknown; error?: { code: number; message: string } }[] };
  const [first, second] = answer.objects;
  assert.ok(first?.actions && !first.error, 'the first fits');
  assert.equal(second?.error?.code, 413);
  assert.match(second?.error?.message ?? '', /storage quota of 1000 bytes/);
  assert.equal(second?.actions, undefined, 'no upload link for the refused object');
  const again = (await (await lfsBatch([big])).json()) as { objects: { error?: unknown }[] };
  assert.equal(again.objects[0]?.error, undefined, 'asking again for a charged object costs nothing');
  const modelScope = await server.request('/api/v1/repos/models/alice/weights/info/lfs/objects/batch', json('POST', { operation: 'upload', objects: [tooMuch] }));
  assert.equal(modelScope.status, 413);
  assert.equal(((await modelScope.json()) as { ErrorCode: string }).ErrorCode, 'QUOTA_STORAGE_EXCEEDED');
});

void test('commits with inline LFS files are charged, and refused whole when they would pass the quota', async () => {
  const refused = await commit('big.bin', Buffer.alloc(500, 1));
  assert.equal(refused.status, 413);
  assert.equal(refused.headers.get('x-error-code'), 'QUOTA_STORAGE_EXCEEDED');
  assert.equal((await server.request('/api/models/alice/weights/resolve/main/big.bin', { token: alice })).status, 404, 'not committed');
  assert.equal((await commit('small.bin', Buffer.alloc(300, 2))).status, 200, '600 + 300 fits');
  assert.equal((await commit('readme.txt', Buffer.from('plain git files are not LFS storage'))).status, 200);
  const preupload = (files: { path: string; size: number }[]) => server.request('/api/models/alice/weights/preupload/main', json('POST', { files }));
  assert.equal((await preupload([{ path: 'x.bin', size: 100 }])).status, 200, '900 of 1000 used: room left');
  assert.equal((await commit('last.bin', Buffer.alloc(100, 3))).status, 200);
  const full = await preupload([{ path: 'y.bin', size: 10 }]);
  assert.equal(full.status, 413, 'a full namespace takes no uploads');
  assert.equal(full.headers.get('x-error-code'), 'QUOTA_STORAGE_EXCEEDED');
  assert.equal((await commit('same.bin', Buffer.alloc(300, 2))).status, 200, 'content the namespace holds costs nothing');
});
