// Read-through mirror (MODA_MIRROR_UPSTREAM) between two real servers: the first requests for a
// repo that is not local import it once, it is served with the upstream's content and commit
// message, keeps being served once the upstream is gone, and private upstream repos stay out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let mirror: TestServer;
let work: string;
let weights: Buffer;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-mirror-'));
  upstream = await startTestServer();
  mirror = await startTestServer({ mirrorUpstream: upstream.url });
  const token = await createUserWithToken(upstream, 'carol');
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('carol/mirrored');
  await client.createRepo('carol/secret', { private: true });
  const folder = await mkdtemp(join(work, 'seed-'));
  weights = randomBytes(2 * 1024 * 1024 + 3);
  await writeFile(join(folder, 'model.onnx'), weights);
  await writeFile(join(folder, 'config.json'), '{"mirrored":true}\n');
  await upload(client, 'carol/mirrored', folder, { message: 'Mirror me', description: 'With a body.' });
  await upload(client, 'carol/secret', folder, { message: 'Hidden' });
});

after(async () => {
  await Promise.all([upstream.stop(), mirror.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function repoInfo(server: TestServer, path: string): Promise<RepoInfo> {
  const response = await server.request(`${path}?blobs=true`, { token: null });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as RepoInfo;
}

void test('concurrent first requests import the repo once and are served from the local copy', async () => {
  const [content, info, head] = await Promise.all([
    mirror.request('/carol/mirrored/resolve/main/model.onnx', { token: null }),
    mirror.request('/api/models/carol/mirrored', { token: null }),
    mirror.request('/carol/mirrored/resolve/main/config.json', { method: 'HEAD', token: null }),
  ]);
  assert.equal(content.status, 200);
  assert.equal(sha256(Buffer.from(await content.arrayBuffer())), sha256(weights));
  assert.equal(info.status, 200);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String('{"mirrored":true}\n'.length));

  const local = await repoInfo(mirror, '/api/models/carol/mirrored');
  const source = await repoInfo(upstream, '/api/models/carol/mirrored');
  const ids = (repo: RepoInfo) => (repo.siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
  assert.deepEqual(ids(local), ids(source));
  assert.equal(local.private, false, 'the upstream served it anonymously');
  const commits = (await (await mirror.request('/api/models/carol/mirrored/commits/main')).json()) as { title: string; message: string }[];
  assert.equal(commits.length, 1, 'one import, one commit');
  assert.equal(commits[0]?.title, 'Mirror me');
  assert.equal(commits[0]?.message, 'With a body.');
});

void test('repos the upstream does not serve anonymously, or does not have, are not imported', async () => {
  for (const path of ['/api/models/carol/secret', '/carol/secret/resolve/main/config.json', '/api/models/carol/nothing-here']) {
    const response = await mirror.request(path, { token: null });
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('x-error-code'), 'RepoNotFound', path);
  }
  // Not even the admin sees an imported copy: nothing was created.
  assert.equal((await mirror.request('/api/models/carol/secret')).status, 404);
});

void test('once imported, the repo is served with the upstream gone', async () => {
  await upstream.stop();
  const content = await mirror.request('/carol/mirrored/resolve/main/model.onnx', { token: null });
  assert.equal(content.status, 200);
  assert.equal(sha256(Buffer.from(await content.arrayBuffer())), sha256(weights));
  assert.equal((await mirror.request('/api/models/carol/mirrored', { token: null })).status, 200);
  // A repo that is not here cannot be fetched now: the error says the upstream is the problem.
  const missing = await mirror.request('/api/models/carol/other', { token: null });
  assert.equal(missing.status, 502);
  assert.equal(((await missing.json()) as { code?: string }).code, 'UPSTREAM_UNAVAILABLE');
});
