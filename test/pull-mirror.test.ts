// Read-through mirror (MODA_MIRROR_UPSTREAM) between two real servers: the first requests for a
// repo that is not local import it once, it is served with the upstream's content and commit
// message, keeps being served once the upstream is gone, and private upstream repos stay out; an
// upstream that dies in the middle of a file leaves nothing behind (no repo, no partial object).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient, type FetchFunction } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { isModaError } from '../src/errors/moda-error.js';
import { mirrorRepo } from '../src/mirror/mirror-repo.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let mirror: TestServer;
let work: string;
let weights: Buffer;
let cutWeights: Buffer;

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
  await client.createRepo('carol/cut');
  const cutFolder = await mkdtemp(join(work, 'seed-cut-'));
  cutWeights = randomBytes(2 * 1024 * 1024 + 7);
  await writeFile(join(cutFolder, 'model.onnx'), cutWeights);
  await upload(client, 'carol/cut', cutFolder, { message: 'Cut me' });
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

/** A fetch whose download of model.onnx dies after 256 KiB, as when the upstream goes mid-body. */
function dyingFetch(): FetchFunction {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!input.includes('/resolve/') || !input.endsWith('/model.onnx') || !response.body) return response;
    const reader = response.body.getReader();
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (passed >= 256 * 1024) {
          await reader.cancel();
          return controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        passed += value.length;
        controller.enqueue(value);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

void test('an upstream that dies mid-file leaves no repo, no partial object, and a later request imports it', async () => {
  await assert.rejects(
    mirrorRepo(mirror.hub, 'model', 'carol/cut', undefined, { fetch: dyingFetch() }),
    (error: unknown) => isModaError(error) && error.code === 'UPSTREAM_UNAVAILABLE' && /went away/.test(error.message),
  );
  const row = await mirror.hub.db.selectFrom('repos').select('id').where('key', '=', 'carol/cut').executeTakeFirst();
  assert.equal(row, undefined, 'no repo row');
  assert.equal(await mirror.hub.blobs.stat(sha256(cutWeights)), undefined, 'no partial object in the blob store');
  assert.deepEqual(await readdir(join(mirror.home, 'repos', '.scratch')), [], 'no scratch repo left');
  const temporary = await readdir(join(mirror.home, 'blobs', 'tmp')).catch(() => [] as string[]);
  assert.ok(!temporary.some((name) => name.startsWith(sha256(cutWeights))), 'no half-written temporary object');
  // The failure is not remembered as "the upstream has no such repo".
  const content = await mirror.request('/carol/cut/resolve/main/model.onnx', { token: null });
  assert.equal(content.status, 200);
  assert.equal(sha256(Buffer.from(await content.arrayBuffer())), sha256(cutWeights));
});

void test('revisions: a first request at a tag imports the default branch too; later branches and upstream shas are imported on demand', async () => {
  const token = await createUserWithToken(upstream, 'dave');
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('dave/versions');
  const writeVersion = async (text: string, revision?: string) => {
    const folder = await mkdtemp(join(work, 'version-'));
    await writeFile(join(folder, 'version.txt'), text);
    return (await upload(client, 'dave/versions', folder, { message: `version ${text}`, ...(revision && { revision }) })).commitOid;
  };
  const first = await writeVersion('one');
  await client.createTag('dave/versions', 'v1.0', { revision: first });
  await client.createBranch('dave/versions', 'dev', { startingPoint: first });
  const onDev = await writeVersion('dev', 'dev');
  await writeVersion('two');
  const read = async (revision: string) => {
    const response = await mirror.request(`/dave/versions/resolve/${encodeURIComponent(revision)}/version.txt`, { token: null });
    return { status: response.status, text: await response.text(), commit: response.headers.get('x-repo-commit'), code: response.headers.get('x-error-code') };
  };

  // The first request names a tag: it gets the tag's files, and `main` is still the upstream's main.
  const atTag = await read('v1.0');
  assert.deepEqual([atTag.status, atTag.text], [200, 'one']);
  assert.deepEqual([(await read('main')).text, (await read('master')).text], ['two', 'two']);
  const refs = (await (await mirror.request('/api/models/dave/versions/refs', { token: null })).json()) as { branches: { name: string }[]; tags: { name: string; targetCommit: string }[] };
  assert.deepEqual(refs.branches.map((branch) => branch.name), ['main'], 'the tag did not become a branch');
  assert.deepEqual(refs.tags.map((tag) => [tag.name, tag.targetCommit]), [['v1.0', atTag.commit]]);

  // A branch and an upstream commit sha the mirror lacks are imported into the repo when asked for.
  assert.deepEqual([(await read('dev')).status, (await read('dev')).text], [200, 'dev']);
  const bySha = await read(onDev);
  assert.deepEqual([bySha.status, bySha.text], [200, 'dev']);
  assert.equal(bySha.commit, (await read('dev')).commit, 'an upstream sha already imported is not imported again');
  const firstBySha = await read(first);
  assert.deepEqual([firstBySha.text, firstBySha.commit], ['one', atTag.commit]);
  const info = (await (await mirror.request(`/api/models/dave/versions/revision/${onDev}`, { token: null })).json()) as { sha: string };
  assert.equal(info.sha, bySha.commit);

  // A revision the upstream does not have either: not found, and nothing is created for it.
  for (const missing of ['no-such-branch', 'f'.repeat(40)]) {
    const answer = await read(missing);
    assert.deepEqual([answer.status, answer.code], [404, 'RevisionNotFound'], missing);
  }
  const after = (await (await mirror.request('/api/models/dave/versions/refs', { token: null })).json()) as { branches: { name: string }[] };
  assert.deepEqual(after.branches.map((branch) => branch.name).sort(), ['dev', 'main']);
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
