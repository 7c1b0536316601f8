// Visibility 1 (private), 3 (internal) and 5 (public) as ModelScope creates them: internal repos are
// readable by any signed-in user and by nobody anonymous, in info, listing, search, tree and
// download alike, on the ModelScope and Hugging Face APIs; only their namespace may write them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SdkSession } from './helpers/modelscope-sdk.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let ownerToken: string;
let otherToken: string;
let owner: SdkSession;
let other: SdkSession;
let anonymous: SdkSession;

const REPOS = { open: 5, members: 3, secret: 1 } as const;

before(async () => {
  server = await startTestServer();
  ownerToken = await createUserWithToken(server, 'owner', 'write');
  otherToken = await createUserWithToken(server, 'other', 'write');
  owner = new SdkSession(server, ownerToken);
  other = new SdkSession(server, otherToken);
  anonymous = new SdkSession(server);
  for (const [name, visibility] of Object.entries(REPOS)) {
    const created = await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: name, Visibility: visibility, License: 'MIT' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }
  const datasets = await server.request('/api/repos/create', { method: 'POST', token: ownerToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'data', organization: 'owner', type: 'dataset', private: true }) });
  assert.equal(datasets.status, 200);
});
after(async () => server.stop());

/** What each caller may read, per repo. */
const EXPECTED: Record<'anonymous' | 'other' | 'owner', Record<keyof typeof REPOS, boolean>> = {
  anonymous: { open: true, members: false, secret: false },
  other: { open: true, members: true, secret: false },
  owner: { open: true, members: true, secret: true },
};

function sessionOf(who: keyof typeof EXPECTED): SdkSession {
  return who === 'anonymous' ? anonymous : who === 'other' ? other : owner;
}

function tokenOf(who: keyof typeof EXPECTED): string | null {
  return who === 'anonymous' ? null : who === 'other' ? otherToken : ownerToken;
}

void test('ModelScope API: info, revisions, files, download and list follow the visibility', async () => {
  for (const who of ['anonymous', 'other', 'owner'] as const) {
    const session = sessionOf(who);
    for (const [name, visible] of Object.entries(EXPECTED[who])) {
      for (const path of [`/api/v1/models/owner/${name}`, `/api/v1/models/owner/${name}/revisions`, `/api/v1/models/owner/${name}/repo/files?Revision=master&Recursive=True`]) {
        const reply = await session.call('GET', path);
        assert.equal(reply.status, visible ? 200 : 404, `${who} GET ${path}`);
        assert.equal(reply.body.Code, reply.status);
        if (!visible) assert.equal(reply.body.ErrorCode, 'HUB_REPO_NOT_FOUND', 'an unreadable repo is reported as missing');
      }
      const download = await session.fetch(`/api/v1/models/owner/${name}/repo?Revision=master&FilePath=README.md`);
      assert.equal(download.status, visible ? 200 : 404, `${who} download from ${name}`);
      await download.arrayBuffer();
    }
    const listed = await session.call<{ Models: { Name: string; Visibility: number }[]; TotalCount: number }>('PUT', '/api/v1/models/', { data: '{"Path":"owner", "PageNumber":1, "PageSize": 10}' });
    const expected = Object.entries(EXPECTED[who])
      .filter(([, visible]) => visible)
      .map(([name]) => name)
      .sort();
    assert.deepEqual(listed.body.Data.Models.map((model) => model.Name).sort(), expected, `${who} lists`);
    assert.equal(listed.body.Data.TotalCount, expected.length);
    for (const model of listed.body.Data.Models) assert.equal(model.Visibility, REPOS[model.Name as keyof typeof REPOS], `${model.Name} reports its Visibility code`);
  }
});

void test('Hugging Face API: repo info, search, tree and resolve follow the same rules', async () => {
  for (const who of ['anonymous', 'other', 'owner'] as const) {
    const token = tokenOf(who);
    for (const [name, visible] of Object.entries(EXPECTED[who])) {
      for (const path of [`/api/models/owner/${name}`, `/api/models/owner/${name}/tree/master`, `/owner/${name}/resolve/master/README.md`]) {
        const response = await server.request(path, { token });
        assert.equal(response.status, visible ? 200 : 404, `${who} GET ${path}`);
        await response.arrayBuffer();
      }
    }
    const search = (await (await server.request('/api/models?author=owner', { token })).json()) as { id: string; private: boolean }[];
    const expected = Object.entries(EXPECTED[who])
      .filter(([, visible]) => visible)
      .map(([name]) => `owner/${name}`)
      .sort();
    assert.deepEqual(search.map((repo) => repo.id).sort(), expected, `${who} searches`);
    for (const repo of search) assert.equal(repo.private, repo.id !== 'owner/open', `${repo.id}: not public means private:true to HF clients`);
  }
});

void test('internal repos are read-only to other signed-in users; private datasets stay private', async () => {
  const content = Buffer.from('x');
  const action = { action: 'create', path: 'x.txt', type: 'normal', size: 1, sha256: '', content: content.toString('base64'), encoding: 'base64' };
  const refused = await other.call('POST', '/api/v1/repos/models/owner/members/commit/master', { data: JSON.stringify({ commit_message: 'x', actions: [action] }) });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.ErrorCode, 'AUTH_FORBIDDEN');
  const batch = await other.call('POST', '/api/v1/repos/models/owner/members/info/lfs/objects/batch', { data: JSON.stringify({ operation: 'upload', objects: [] }) });
  assert.equal(batch.status, 403);
  const tag = await other.call('POST', '/api/v1/models/owner/members/repo/tag', { json: { TagName: 'v1', Ref: 'master' } });
  assert.equal(tag.status, 403);
  const remove = await other.call('DELETE', '/api/v1/models/owner/members');
  assert.equal(remove.status, 403);
  const accepted = await owner.call('POST', '/api/v1/repos/models/owner/members/commit/master', { data: JSON.stringify({ commit_message: 'x', actions: [action] }) });
  assert.equal(accepted.status, 200);

  // A dataset made private through the Hugging Face API: visibility code 1, hidden from others.
  assert.equal((await other.call('GET', '/api/v1/datasets/owner/data')).status, 404);
  const info = await owner.call('GET', '/api/v1/datasets/owner/data');
  assert.equal(info.status, 200);
  assert.equal(info.body.Data.Visibility, 1);
  assert.equal((await other.call('GET', `/api/v1/datasets/${String(info.body.Data.Id)}/repo/tree?Revision=master`)).status, 404, 'the tree by Id checks access too');

  // Switching to public through the HF settings route opens it; private again closes it.
  const settings = await server.request('/api/datasets/owner/data/settings', { method: 'PUT', token: ownerToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ private: false }) });
  assert.equal(settings.status, 200);
  assert.equal((await anonymous.call('GET', '/api/v1/datasets/owner/data')).body.Data.Visibility, 5);
  await server.request('/api/datasets/owner/data/settings', { method: 'PUT', token: ownerToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ private: true }) });
  assert.equal((await anonymous.call('GET', '/api/v1/datasets/owner/data')).status, 404);
});

void test('Authorization: Bearer authenticates ModelScope calls like the cookie, and wins over a cookie', async () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const read = await anonymous.call<{ Visibility: number }>('GET', '/api/v1/models/owner/secret', undefined, bearer(ownerToken));
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.Data.Visibility, 1);
  assert.equal((await anonymous.call('GET', '/api/v1/models/owner/secret', undefined, bearer(otherToken))).status, 404, 'another user by Bearer');
  // The header is the explicit credential: the other user's Bearer with the owner's cookie reads as the other user.
  assert.equal((await owner.call('GET', '/api/v1/models/owner/secret', undefined, bearer(otherToken))).status, 404);
  const created = await anonymous.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'by-bearer', Visibility: 1 } }, bearer(ownerToken));
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const stale = await owner.call('GET', '/api/v1/models/owner/open', undefined, bearer('hf_not_a_token'));
  assert.equal(stale.status, 401);
  assert.equal(stale.body.ErrorCode, 'AUTH_INVALID_TOKEN');
  assert.equal(stale.body.Code, 401);
});
