// `GET /api/{models|datasets}/{ns}/{name}/commit/{rev}` over HTTP: a commit's added, modified and
// deleted files with real sizes and LFS flags, the first commit against nothing, revisions by branch,
// tag and abbreviated id, datasets, and every bad input (unknown, malformed, private) with its code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

interface Side {
  oid: string;
  size: number;
  lfs?: { oid: string; size: number };
}
interface Diff {
  id: string;
  title: string;
  message: string;
  authors: { user: string }[];
  date: string;
  parents: string[];
  files: { path: string; status: string; old?: Side; new?: Side }[];
}

const json = { 'content-type': 'application/json' };

async function createRepo(name: string, options: { type?: 'model' | 'dataset'; private?: boolean } = {}) {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: json, body: JSON.stringify({ name, type: options.type ?? 'model', private: options.private ?? false }) });
  assert.equal(response.status, 200, await response.text());
}

/** One commit through the official client; binary content goes to LFS (the server's preupload says so). */
async function commit(repo: string, title: string, operations: ({ path: string; content: string | Uint8Array } | { path: string; delete: true })[], type: 'model' | 'dataset' = 'model'): Promise<string> {
  const result = await hubCommit({
    repo: { type, name: repo },
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    title,
    operations: operations.map((operation) => ('delete' in operation ? { operation: 'delete' as const, path: operation.path } : { operation: 'addOrUpdate' as const, path: operation.path, content: new Blob([operation.content]) })),
  });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

async function diffOf(path: string, token: string | null = null): Promise<{ status: number; code: string | null; body: unknown }> {
  const response = await server.request(path, { token });
  return { status: response.status, code: response.headers.get('x-error-code'), body: await response.json() };
}

const weights = new Uint8Array(3000).map((_, index) => (index * 7) % 256);
const weights2 = new Uint8Array(5000).map((_, index) => (index * 13) % 256);
let first: string;
let second: string;
let third: string;

before(async () => {
  server = await startTestServer();
  await createRepo('diffs');
  first = await commit('admin/diffs', 'Initial files', [
    { path: 'README.md', content: '# Diffs\n' },
    { path: 'config/model.json', content: '{"layers": 2}\n' },
    { path: 'weights/model.bin', content: weights },
  ]);
  second = await commit('admin/diffs', 'Grow the model\n\nMore layers and new weights.', [
    { path: 'config/model.json', content: '{"layers": 4, "hidden": 64}\n' },
    { path: 'weights/model.bin', content: weights2 },
    { path: 'notes.txt', content: 'new notes\n' },
    { path: 'README.md', delete: true },
  ]);
  third = await commit('admin/diffs', 'Only notes', [{ path: 'notes.txt', content: 'newer notes\n' }]);
  assert.equal((await server.request(`/api/models/admin/diffs/tag/${second}`, { method: 'POST', headers: json, body: JSON.stringify({ tag: 'v2' }) })).status, 200);
});
after(async () => server.stop());

void test('a commit lists its added, modified and deleted files with real sizes and LFS objects', async () => {
  const { status, body } = await diffOf(`/api/models/admin/diffs/commit/${second}`);
  assert.equal(status, 200);
  const diff = body as Diff;
  assert.equal(diff.id, second);
  assert.equal(diff.title, 'Grow the model');
  assert.equal(diff.message, 'More layers and new weights.');
  assert.deepEqual(diff.parents, [first]);
  assert.equal(diff.authors[0]?.user, 'admin');
  assert.ok(!Number.isNaN(Date.parse(diff.date)), diff.date);
  assert.deepEqual(
    diff.files.map((file) => [file.path, file.status]),
    [
      ['README.md', 'deleted'],
      ['config/model.json', 'modified'],
      ['notes.txt', 'added'],
      ['weights/model.bin', 'modified'],
    ],
  );
  const [readme, config, notes, model] = diff.files;
  assert.equal(readme?.old?.size, '# Diffs\n'.length);
  assert.equal(readme?.new, undefined);
  assert.equal(config?.old?.size, '{"layers": 2}\n'.length);
  assert.equal(config?.new?.size, '{"layers": 4, "hidden": 64}\n'.length);
  assert.equal(notes?.old, undefined);
  assert.equal(notes?.new?.size, 'new notes\n'.length);
  assert.equal(notes?.new?.lfs, undefined);
  // The LFS file reports its object's size and sha256, not the pointer's.
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  assert.deepEqual(model?.old?.lfs, { oid: sha256(weights), size: 3000 });
  assert.deepEqual(model?.new?.lfs, { oid: sha256(weights2), size: 5000 });
  assert.equal(model?.new?.size, 5000);
  assert.match(model?.new?.oid ?? '', /^[0-9a-f]{40}$/);
});

void test('the first commit is compared with nothing; branches, tags and abbreviated ids resolve', async () => {
  const afterCreate = (await diffOf(`/api/models/admin/diffs/commit/${first}`)).body as Diff;
  assert.equal(afterCreate.parents.length, 1);
  assert.deepEqual(
    afterCreate.files.map((file) => [file.path, file.status, file.new?.size, Boolean(file.new?.lfs)]),
    [
      ['README.md', 'modified', 8, false],
      ['config/model.json', 'added', 14, false],
      ['weights/model.bin', 'added', 3000, true],
    ],
  );
  // The repo's creation commit has no parent: everything in it is added.
  const root = (await diffOf(`/api/models/admin/diffs/commit/${afterCreate.parents[0] ?? ''}`)).body as Diff;
  assert.deepEqual(root.parents, []);
  assert.deepEqual(
    root.files.map((file) => [file.path, file.status]),
    [
      ['.gitattributes', 'added'],
      ['README.md', 'added'],
    ],
  );
  assert.ok(root.files.every((file) => file.old === undefined && (file.new?.size ?? 0) > 0));

  const main = await server.request('/api/models/admin/diffs/commit/main', { token: null });
  assert.equal(main.status, 200);
  assert.equal(main.headers.get('x-repo-commit'), third);
  assert.deepEqual(((await main.json()) as Diff).files.map((file) => [file.path, file.status]), [['notes.txt', 'modified']]);
  assert.equal(((await diffOf('/api/models/admin/diffs/commit/v2')).body as Diff).id, second);
  assert.equal(((await diffOf(`/api/models/admin/diffs/commit/${second.slice(0, 10)}`)).body as Diff).id, second);
});

void test('dataset commits are read under /api/datasets', async () => {
  await createRepo('table', { type: 'dataset' });
  const added = await commit('admin/table', 'Add rows', [{ path: 'data/train.csv', content: 'a,b\n1,2\n' }], 'dataset');
  const diff = (await diffOf(`/api/datasets/admin/table/commit/${added}`)).body as Diff;
  assert.ok(diff.files.some((file) => file.path === 'data/train.csv' && file.status === 'added' && file.new?.size === 8));
  // The same name as a model does not exist.
  const asModel = await diffOf(`/api/models/admin/table/commit/${added}`);
  assert.equal(asModel.status, 404);
  assert.equal(asModel.code, 'RepoNotFound');
});

void test('unknown and malformed revisions get clear error codes', async () => {
  const unknown = await diffOf(`/api/models/admin/diffs/commit/${'0'.repeat(40)}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.code, 'RevisionNotFound');
  assert.equal((unknown.body as { code: string }).code, 'HUB_REVISION_NOT_FOUND');

  const unknownPrefix = await diffOf('/api/models/admin/diffs/commit/0000000');
  assert.equal(unknownPrefix.status, 404);
  assert.equal(unknownPrefix.code, 'RevisionNotFound');

  for (const malformed of ['HEAD~1', 'a..b', 'main%5E', `${'a'.repeat(40)}%3A`, '-n', 'x'.repeat(300)]) {
    const bad = await diffOf(`/api/models/admin/diffs/commit/${malformed}`);
    assert.equal(bad.status, 400, malformed);
    assert.equal((bad.body as { code: string }).code, 'REVISION_INVALID', malformed);
  }
  const noRepo = await diffOf(`/api/models/admin/nothing-here/commit/${first}`);
  assert.equal(noRepo.status, 404);
  assert.equal(noRepo.code, 'RepoNotFound');
});

void test('a private repo is not found for anonymous callers and outsiders, and readable by its owner', async () => {
  await createRepo('hidden', { private: true });
  const secret = await commit('admin/hidden', 'Secret', [{ path: 'secret.txt', content: 'shh\n' }]);
  const outsider = await createUserWithToken(server, 'outsider', 'read');
  for (const token of [null, outsider]) {
    const hidden = await diffOf(`/api/models/admin/hidden/commit/${secret}`, token);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.code, 'RepoNotFound');
    // A malformed revision on a hidden repo says nothing about the repo either.
    assert.equal((await diffOf('/api/models/admin/hidden/commit/HEAD~1', token)).code, 'RepoNotFound');
  }
  const owner = await diffOf(`/api/models/admin/hidden/commit/${secret}`, ADMIN_TOKEN);
  assert.equal(owner.status, 200);
  assert.deepEqual((owner.body as Diff).files.map((file) => [file.path, file.status]), [['secret.txt', 'added']]);
});
