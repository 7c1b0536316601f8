// The routes and wire shapes the official Python clients need (huggingface_hub 0.36, modelscope
// 1.37/1.38), through HTTP: each with its good answer and its bad inputs. The clients themselves
// run in test/python-clients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let bobToken: string;
const JSON_HEADERS = { 'content-type': 'application/json' };

before(async () => {
  server = await startTestServer();
  bobToken = await createUserWithToken(server, 'bob');
});
after(async () => server.stop());

async function post(path: string, body: unknown, token: string | null = ADMIN_TOKEN) {
  const response = await server.request(path, { method: 'POST', token, headers: JSON_HEADERS, body: JSON.stringify(body) });
  return { status: response.status, code: response.headers.get('x-error-code'), json: (await response.json()) as Record<string, unknown> };
}

async function createRepo(name: string, type: 'model' | 'dataset' = 'model', extra: Record<string, unknown> = {}) {
  const created = await post('/api/repos/create', { name, organization: 'admin', type, ...extra });
  assert.equal(created.status, 200, JSON.stringify(created.json));
}

void test('validate-yaml: 200 for a valid card, 400 with errors[] for bad metadata, VALIDATION_FAILED for a bad body', async () => {
  const valid = await post('/api/validate-yaml', { content: '---\nlicense: mit\n---\n# card', repoType: 'model' });
  assert.equal(valid.status, 200);
  assert.deepEqual(valid.json, { errors: [], warnings: [] });
  const bare = await post('/api/validate-yaml', { content: '# no metadata' });
  assert.equal(bare.status, 200);
  assert.equal((bare.json.warnings as unknown[]).length, 1);
  const invalid = await post('/api/validate-yaml', { content: '---\nmodel-index: oops\n---\n', repoType: 'dataset' });
  assert.equal(invalid.status, 400);
  assert.deepEqual(invalid.json.errors, [{ message: '"model-index" must be a list' }]);
  for (const body of [[], { repoType: 'model' }, { content: 3 }, { content: '', repoType: 'space-station' }]) {
    const bad = await post('/api/validate-yaml', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.code, 'VALIDATION_FAILED');
  }
});

void test('create on an existing repo: 409 with the url of the repo, for models and datasets', async () => {
  await createRepo('exists');
  await createRepo('exists', 'dataset');
  const model = await post('/api/repos/create', { name: 'exists', organization: 'admin' });
  assert.equal(model.status, 409);
  assert.equal(model.json.url, `${server.url}/admin/exists`);
  const dataset = await post('/api/repos/create', { name: 'admin/exists', type: 'dataset' });
  assert.equal(dataset.status, 409);
  assert.equal(dataset.json.url, `${server.url}/datasets/admin/exists`);
});

void test('commit dates are ISO 8601 in UTC with Z; paths-info takes a form body; expand gives lastCommit', async () => {
  await createRepo('dated', 'model', { files: [{ path: 'a/b.txt', content: 'hi' }] });
  const commits = (await (await server.request('/api/models/admin/dated/commits/main')).json()) as { id: string; date: string }[];
  assert.match(commits[0]?.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  const one = (await (await server.request(`/api/models/admin/dated/commit/${commits[0]?.id}`)).json()) as { date: string };
  assert.equal(one.date, commits[0]?.date);

  const form = await server.request('/api/models/admin/dated/paths-info/main', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'paths=a%2Fb.txt&paths=a&expand=True' });
  assert.equal(form.status, 200);
  const entries = (await form.json()) as { path: string; type: string; lastCommit: { id: string; title: string; date: string } }[];
  assert.deepEqual(entries.map((entry) => [entry.path, entry.type]), [['a/b.txt', 'file'], ['a', 'directory']]);
  assert.deepEqual(entries[0]?.lastCommit, { id: commits[0]?.id, title: 'initial commit', date: commits[0]?.date });
  const empty = await server.request('/api/models/admin/dated/paths-info/main', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'expand=True' });
  assert.equal(empty.status, 200);
  assert.deepEqual(await empty.json(), []);
  const tree = (await (await server.request('/api/models/admin/dated/tree/main?recursive=true&expand=true')).json()) as { lastCommit?: unknown }[];
  assert.ok(tree.length >= 3 && tree.every((entry) => entry.lastCommit !== undefined));
  const plain = (await (await server.request('/api/models/admin/dated/tree/main')).json()) as { lastCommit?: unknown }[];
  assert.ok(plain.every((entry) => entry.lastCommit === undefined));
});

void test('an LFS line without size is accepted only for an oid already on the branch (a copy)', async () => {
  await createRepo('copies');
  const foreign = 'a'.repeat(64);
  const body = [JSON.stringify({ key: 'header', value: { summary: 'copy' } }), JSON.stringify({ key: 'lfsFile', value: { path: 'x.bin', algo: 'sha256', oid: foreign } })].join('\n');
  const response = await server.request('/api/models/admin/copies/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as { error: string }).error, /size of x.bin is required/);
});

void test('list_models full=True lists siblings; a user likes listing hides repos the caller may not read', async () => {
  await createRepo('liked-public');
  await createRepo('liked-private', 'model', { private: true });
  for (const name of ['liked-public', 'liked-private']) assert.equal((await post(`/api/models/admin/${name}/like`, {})).status, 200);
  const full = (await (await server.request('/api/models?author=admin&search=liked-public&full=true')).json()) as { siblings?: { rfilename: string }[] }[];
  assert.deepEqual(full[0]?.siblings?.map((sibling) => sibling.rfilename).sort(), ['.gitattributes', 'README.md']);
  const mine = (await (await server.request('/api/users/admin/likes')).json()) as { repo: { name: string; type: string } }[];
  assert.deepEqual(mine.map((like) => like.repo.name).sort(), ['admin/liked-private', 'admin/liked-public']);
  const seen = (await (await server.request('/api/users/admin/likes', { token: null })).json()) as { repo: { name: string } }[];
  assert.deepEqual(seen.map((like) => like.repo), [{ name: 'admin/liked-public', type: 'model' }]);
  const likers = (await (await server.request('/api/models/admin/liked-public/likers')).json()) as { user: string }[];
  assert.deepEqual(likers.map((liker) => liker.user), ['admin']);
  assert.equal((await server.request('/api/models/admin/liked-private/likers', { token: null })).status, 404);
});

void test('move a repo: the old name is gone, bad bodies, taken names and strangers are refused', async () => {
  await createRepo('to-move');
  await createRepo('taken');
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/to-move', toRepo: 'admin/taken' })).status, 409);
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/to-move' })).code, 'VALIDATION_FAILED');
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/to-move', toRepo: 'admin/x', type: 'space' })).code, 'VALIDATION_FAILED');
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/to-move', toRepo: 'admin/bad name!' })).status, 400);
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/to-move', toRepo: 'bob/mine' }, bobToken)).status, 403);
  assert.equal((await post('/api/repos/move', { fromRepo: 'admin/nothing', toRepo: 'admin/x' })).status, 404);
  const moved = await post('/api/repos/move', { fromRepo: 'admin/to-move', toRepo: 'bob/moved-here', type: 'model' });
  assert.equal(moved.status, 200, JSON.stringify(moved.json));
  assert.equal((await server.request('/api/models/admin/to-move')).status, 404);
  assert.equal((await server.request('/bob/moved-here/resolve/main/README.md')).status, 200);
});

void test('super-squash: one commit keeps the files; unknown branches, bad messages and readers are refused', async () => {
  await createRepo('squash', 'model', { files: [{ path: 'one.txt', content: '1' }] });
  const commit = [JSON.stringify({ key: 'header', value: { summary: 'two' } }), JSON.stringify({ key: 'file', value: { path: 'two.txt', content: '2' } })].join('\n');
  assert.equal((await server.request('/api/models/admin/squash/commit/main', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: commit })).status, 200);
  assert.equal((await post('/api/models/admin/squash/super-squash/nope', { message: 'x' })).status, 404);
  assert.equal((await post('/api/models/admin/squash/super-squash/main', { message: 7 })).code, 'VALIDATION_FAILED');
  assert.equal((await post('/api/models/admin/squash/super-squash/main', { message: 'x' }, bobToken)).status, 403);
  const squashed = await post('/api/models/admin/squash/super-squash/main', { message: 'squashed' });
  assert.equal(squashed.status, 200);
  const commits = (await (await server.request('/api/models/admin/squash/commits/main')).json()) as { id: string; title: string }[];
  assert.deepEqual(commits.map((entry) => entry.title), ['squashed']);
  const info = (await (await server.request('/api/models/admin/squash')).json()) as { sha: string; siblings: { rfilename: string }[] };
  assert.equal(info.sha, squashed.json.commitOid);
  assert.deepEqual(info.siblings.map((sibling) => sibling.rfilename).sort(), ['.gitattributes', 'README.md', 'one.txt', 'two.txt']);
});

void test('ModelScope: PUT visibility, empty JSON DELETE bodies, dataset tree by owner/name, acceleration probe', async () => {
  await createRepo('ms-vis');
  await createRepo('ms-data', 'dataset', { files: [{ path: 'train/a.csv', content: 'x\n1\n' }] });
  const put = (path: string, body: unknown, token: string | null = ADMIN_TOKEN) => server.request(path, { method: 'PUT', token, headers: JSON_HEADERS, body: JSON.stringify(body) });
  const changed = await put('/api/v1/models/admin/ms-vis', { Visibility: 1, ChineseName: '', License: 'Apache License 2.0' });
  assert.equal(changed.status, 200);
  assert.equal(((await changed.json()) as { Data: { Visibility: number } }).Data.Visibility, 1);
  assert.equal((await server.request('/api/models/admin/ms-vis', { token: null })).status, 404);
  for (const body of [{}, { Visibility: 2 }, { Visibility: 'public' }]) {
    const bad = await put('/api/v1/models/admin/ms-vis', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(((await bad.json()) as { ErrorCode: string }).ErrorCode, 'VALIDATION_FAILED');
  }
  assert.equal((await put('/api/v1/models/admin/ms-vis', { Visibility: 5 }, bobToken)).status, 404);
  const info = (await (await server.request('/api/v1/datasets/admin/ms-data')).json()) as { Data: { Id: string } };
  assert.equal((await put(`/api/v1/datasets/${info.Data.Id}`, { Visibility: 1, ProtectedMode: 2 })).status, 200);
  assert.equal((await put('/api/v1/datasets/no-such-id', { Visibility: 1 })).status, 404);

  const tree = (await (await server.request('/api/v1/datasets/admin/ms-data/repo/tree?Revision=main&Root=/&Recursive=True')).json()) as { Data: { Files: { Path: string }[] } };
  assert.ok(tree.Data.Files.some((file) => file.Path === 'train/a.csv'));
  const probe = (await (await server.request('/api/v1/repos/internalAccelerationInfo', { token: null })).json()) as { Code: number; Data: unknown };
  assert.deepEqual([probe.Code, probe.Data], [200, { InternalRegionQueryAddress: '' }]);

  const emptyDelete = await server.request('/api/v1/models/admin/ms-vis', { method: 'DELETE', headers: JSON_HEADERS });
  assert.equal(emptyDelete.status, 200, await emptyDelete.clone().text());
  assert.equal((await server.request('/api/models/admin/ms-vis')).status, 404);
  const malformed = await server.request('/api/v1/models', { method: 'POST', headers: JSON_HEADERS, body: '{"Path":' });
  assert.equal(malformed.status, 400);
});

void test('ModelScope /openapi/v1: users/me, listings with paging, infos, and its errors', async () => {
  const me = await server.request('/openapi/v1/users/me');
  assert.deepEqual(((await me.json()) as { data: { username: string } }).data.username, 'admin');
  assert.equal((await server.request('/openapi/v1/users/me', { token: null })).status, 401);
  const cookie = await server.request('/openapi/v1/users/me', { token: null, headers: { cookie: `m_session_id=${bobToken}` } });
  assert.equal(((await cookie.json()) as { data: { username: string } }).data.username, 'bob');

  await createRepo('open-a');
  await createRepo('open-b', 'model', { private: true });
  const page = (await (await server.request('/openapi/v1/models?owner=admin&search=open-&page_number=1&page_size=1')).json()) as { data: { models: { id: string }[]; total_count: number; page_size: number } };
  assert.equal(page.data.total_count, 2);
  assert.equal(page.data.models.length, 1);
  const anonymous = (await (await server.request('/openapi/v1/models?owner=admin&search=open-', { token: null })).json()) as { data: { models: { id: string }[] } };
  assert.deepEqual(anonymous.data.models.map((model) => model.id), ['admin/open-a']);
  const info = (await (await server.request('/openapi/v1/models/admin/open-a')).json()) as { data: Record<string, unknown> };
  assert.equal(info.data.id, 'admin/open-a');
  assert.equal(info.data.private, false);
  assert.match(String(info.data.created_at), /Z$/);
  assert.equal((await server.request('/openapi/v1/models/admin/open-b', { token: null })).status, 404);
  const badPage = await server.request('/openapi/v1/datasets?page_size=1000');
  assert.equal(badPage.status, 400);
  assert.equal(((await badPage.json()) as { ErrorCode: string }).ErrorCode, 'VALIDATION_FAILED');
  const studio = await server.request('/openapi/v1/studios/admin/x');
  assert.equal(studio.status, 404);
  assert.equal(((await studio.json()) as { Code: number }).Code, 404);
});
