// The official @huggingface/hub npm client, unmodified, against a running Moda: the compatibility
// promise of the hub core, checked end to end.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createRepo, deleteRepo, downloadFile, listFiles, listModels, modelInfo, uploadFiles, whoAmI } from '@huggingface/hub';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let hubUrl: string;
const credentials = () => ({ accessToken: ADMIN_TOKEN, hubUrl });

before(async () => {
  server = await startTestServer();
  hubUrl = server.url;
});
after(async () => server.stop());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

void test('whoAmI validates the admin token', async () => {
  const me = await whoAmI(credentials());
  assert.equal(me.name, 'admin');
  assert.equal(me.type, 'user');
});

void test('createRepo, uploadFiles (regular + LFS), listFiles, modelInfo, downloadFile, deleteRepo', async () => {
  const repo = { type: 'model' as const, name: 'admin/tiny-upload' };
  const created = await createRepo({ ...credentials(), repo, license: 'mit' });
  assert.equal(created.repoUrl, `${hubUrl}/admin/tiny-upload`);

  const big = randomBytes(6 * 1024 * 1024 + 123);
  const config = JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] });
  const readme = '---\nlicense: mit\npipeline_tag: text-classification\ntags: [tiny, test]\nlanguage: [en, zh]\ndatasets: [imdb]\n---\n# Tiny\n';
  const result = await uploadFiles({
    ...credentials(),
    repo,
    files: [
      { path: 'config.json', content: new Blob([config]) },
      { path: 'README.md', content: new Blob([readme]) },
      { path: 'weights/model.bin', content: new Blob([big]) },
    ],
  });
  assert.match(result?.commit.oid ?? '', /^[0-9a-f]{40}$/);

  const files = [];
  for await (const entry of listFiles({ ...credentials(), repo, recursive: true })) files.push(entry);
  const byPath = new Map(files.map((file) => [file.path, file]));
  assert.deepEqual([...byPath.keys()].sort(), ['.gitattributes', 'README.md', 'config.json', 'weights', 'weights/model.bin']);
  const weights = byPath.get('weights/model.bin');
  assert.equal(weights?.size, big.length);
  assert.equal(weights?.lfs?.oid, sha256(big), 'the .bin file is stored as an LFS object named by its sha256');
  assert.equal(byPath.get('config.json')?.lfs, undefined);

  const info = await modelInfo({ ...credentials(), name: repo.name, additionalFields: ['sha', 'tags', 'library_name', 'cardData'] });
  assert.equal(info.name, repo.name);
  assert.equal(info.task, 'text-classification');
  assert.equal(info.sha, result?.commit.oid);
  assert.ok(info.tags.includes('tiny') && info.tags.includes('en') && info.tags.includes('dataset:imdb') && info.tags.includes('license:mit'));
  assert.equal(info.library_name, 'transformers');

  const downloaded = await downloadFile({ ...credentials(), repo, path: 'weights/model.bin' });
  assert.ok(downloaded);
  const bytes = new Uint8Array(await downloaded.arrayBuffer());
  assert.equal(bytes.length, big.length);
  assert.equal(sha256(bytes), sha256(big));
  const text = await (await downloadFile({ ...credentials(), repo, path: 'config.json' }))?.text();
  assert.equal(text, config);
  assert.equal(await downloadFile({ ...credentials(), repo, path: 'missing.txt' }), null, 'EntryNotFound is a null, not an error');

  const found = [];
  for await (const model of listModels({ ...credentials(), search: { query: 'tiny-up', tags: ['tiny'] } })) found.push(model.name);
  assert.deepEqual(found, [repo.name]);

  await deleteRepo({ ...credentials(), repo });
  await assert.rejects(modelInfo({ ...credentials(), name: repo.name }), (error: Error & { statusCode?: number }) => error.statusCode === 404);
});

void test('private repos are invisible without read access, in info, listing, tree and download alike', async () => {
  const aliceToken = await createUserWithToken(server, 'alice');
  const bobToken = await createUserWithToken(server, 'bob');
  const repo = { type: 'model' as const, name: 'alice/secret-model' };
  await createRepo({ repo, accessToken: aliceToken, hubUrl, visibility: 'private' });
  await uploadFiles({ repo, accessToken: aliceToken, hubUrl, files: [{ path: 'notes.txt', content: new Blob(['hush']) }] });

  // The owner sees everything.
  assert.equal((await modelInfo({ name: repo.name, accessToken: aliceToken, hubUrl })).private, true);
  assert.equal(await (await downloadFile({ repo, path: 'notes.txt', accessToken: aliceToken, hubUrl }))?.text(), 'hush');

  for (const token of [undefined, bobToken]) {
    const auth = token ? { accessToken: token, hubUrl } : { hubUrl };
    await assert.rejects(modelInfo({ ...auth, name: repo.name }), (error: Error & { statusCode?: number }) => error.statusCode === 404);
    const listed = [];
    for await (const model of listModels({ ...auth, search: { owner: 'alice' } })) listed.push(model.name);
    assert.deepEqual(listed, []);
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    for (const path of ['/alice/secret-model/resolve/main/notes.txt', '/api/models/alice/secret-model/tree/main', '/api/models/alice/secret-model/refs']) {
      const response = await fetch(`${hubUrl}${path}`, { headers });
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('x-error-code'), 'RepoNotFound', path);
    }
  }

  // Made public, everyone can read it.
  const settings = await server.request('/api/models/alice/secret-model/settings', {
    method: 'PUT',
    token: aliceToken,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ private: false }),
  });
  assert.equal(settings.status, 200);
  assert.equal(await (await downloadFile({ repo, path: 'notes.txt', hubUrl }))?.text(), 'hush');
});
