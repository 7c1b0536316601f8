// Bad input on the ModelScope API: every refusal is a ModelScope envelope whose Code equals the
// HTTP status, names a stable error code, and leaves the repo as it was (branch head unchanged).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { chunkedBody, SdkSession, type SdkReply } from './helpers/modelscope-sdk.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let owner: SdkSession;
let anonymous: SdkSession;

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

function assertRefused<T>(reply: SdkReply<T>, status: number, code: string, what: string): void {
  assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.Code, status, `${what}: Code equals the HTTP status`);
  assert.equal(reply.body.Success, false, what);
  assert.equal(reply.body.Data, null, what);
  assert.equal(reply.body.ErrorCode, code, what);
  assert.ok(reply.body.Message.length > 0, `${what}: a message`);
  assert.equal(reply.body.RequestId, reply.requestId, `${what}: RequestId echoes X-Request-ID`);
}

async function head(): Promise<string> {
  const reply = await owner.call<{ RevisionMap: { Branches: { Revision: string; CommitId: string }[] } }>('GET', '/api/v1/models/owner/target/revisions');
  const master = reply.body.Data.RevisionMap.Branches.find((branch) => branch.Revision === 'master');
  assert.ok(master);
  return master.CommitId;
}

function commit(actions: unknown[], revision = 'master') {
  return owner.call('POST', `/api/v1/repos/models/owner/target/commit/${revision}`, { data: JSON.stringify({ commit_message: 'bad', actions }) });
}

async function batchHref(content: Buffer, size = content.length): Promise<string> {
  const reply = await owner.call<{ objects: { actions: { upload: { href: string } } }[] }>('POST', '/api/v1/repos/models/owner/target/info/lfs/objects/batch', {
    data: JSON.stringify({ operation: 'upload', objects: [{ oid: sha256(content), size }] }),
  });
  assert.equal(reply.status, 200);
  const href = reply.body.Data.objects[0]?.actions.upload.href;
  assert.ok(href);
  return href;
}

before(async () => {
  server = await startTestServer();
  owner = new SdkSession(server, await createUserWithToken(server, 'owner', 'write'));
  anonymous = new SdkSession(server);
  const created = await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'target', Visibility: 5, License: 'MIT' } });
  assert.equal(created.status, 200);
});
after(async () => server.stop());

void test('create: missing or wrong fields, no credentials, an existing name', async () => {
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Name: 'x', Visibility: 5 } }), 400, 'VALIDATION_FAILED', 'missing Path');
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Visibility: 5 } }), 400, 'VALIDATION_FAILED', 'missing Name');
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: '', Visibility: 5 } }), 400, 'VALIDATION_FAILED', 'empty Name');
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 7, Visibility: 5 } }), 400, 'VALIDATION_FAILED', 'Name not a string');
  for (const visibility of [2, 0, 'public', null, true]) {
    assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'x', Visibility: visibility } }), 400, 'VALIDATION_FAILED', `Visibility ${JSON.stringify(visibility)}`);
  }
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'bad name!', Visibility: 5 } }), 400, 'REPO_NAME_INVALID', 'invalid repo name');
  assertRefused(await owner.call('POST', '/api/v1/models', { data: '{"Path": "owner", ' }), 400, 'BAD_REQUEST', 'malformed JSON');
  assertRefused(await owner.call('POST', '/api/v1/models', { data: '[1, 2]' }), 400, 'VALIDATION_FAILED', 'not an object');
  assertRefused(await anonymous.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'x', Visibility: 5 } }), 401, 'AUTH_REQUIRED', 'anonymous create');
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'someone-else', Name: 'x', Visibility: 5 } }), 404, 'HUB_USER_NOT_FOUND', 'unknown namespace');
  assertRefused(await owner.call('POST', '/api/v1/models', { json: { Path: 'owner', Name: 'target', Visibility: 5 } }), 409, 'HUB_REPO_EXISTS', 'existing repo');
  assertRefused(await new SdkSession(server, 'hf_not_a_token').call('GET', '/api/v1/models/owner/target'), 401, 'AUTH_INVALID_TOKEN', 'stale session cookie');
  assertRefused(await owner.call('GET', '/api/v1/no/such/route'), 404, 'NOT_FOUND', 'unknown route');
  assertRefused(await owner.call('POST', '/api/v1/login', { json: { AccessToken: 'hf_wrong' } }), 401, 'AUTH_INVALID_TOKEN', 'login with a wrong token');
  assertRefused(await owner.call('POST', '/api/v1/login', { json: {} }), 400, 'VALIDATION_FAILED', 'login without a token');
});

void test('read: missing FilePath, missing file, revision that does not exist, unsatisfiable range', async () => {
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=master'), 400, 'VALIDATION_FAILED', 'download without FilePath');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=master&FilePath='), 400, 'VALIDATION_FAILED', 'download with empty FilePath');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=master&FilePath=nope.bin'), 404, 'HUB_ENTRY_NOT_FOUND', 'download of a missing file');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=master&FilePath=..%2F..%2Fetc%2Fpasswd'), 400, 'PATH_INVALID', 'path traversal');
  for (const path of ['/api/v1/models/owner/target?Revision=v9', '/api/v1/models/owner/target/repo/files?Revision=v9&Recursive=True', '/api/v1/models/owner/target/repo?Revision=v9&FilePath=README.md']) {
    assertRefused(await owner.call('GET', path), 404, 'HUB_REVISION_NOT_FOUND', `unknown revision: ${path}`);
  }
  assertRefused(await owner.call('GET', `/api/v1/models/owner/target/repo?Revision=${'0'.repeat(40)}&FilePath=README.md`), 404, 'HUB_REVISION_NOT_FOUND', 'unknown commit sha');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=a..b&FilePath=README.md'), 400, 'REVISION_INVALID', 'malformed revision');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/repo/files?Revision=master&Root=nope'), 404, 'HUB_ENTRY_NOT_FOUND', 'listing a missing folder');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/target/revisions?EndTime=yesterday'), 400, 'VALIDATION_FAILED', 'EndTime not a number');
  assertRefused(await owner.call('GET', '/api/v1/models/owner/missing'), 404, 'HUB_REPO_NOT_FOUND', 'missing model');
  assertRefused(await owner.call('GET', '/api/v1/datasets/no-such-id/repo/tree?Revision=master'), 404, 'HUB_REPO_NOT_FOUND', 'missing dataset id');

  const size = Number((await owner.fetch('/api/v1/models/owner/target/repo?Revision=master&FilePath=README.md')).headers.get('content-length'));
  const beyond = await owner.call('GET', '/api/v1/models/owner/target/repo?Revision=master&FilePath=README.md', undefined, { Range: `bytes=${size}-` });
  assertRefused(beyond, 416, 'RANGE_NOT_SATISFIABLE', 'range past the end');
  assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
});

void test('commit: an LFS object not uploaded or of the wrong size, bad actions, wrong revision — the head never moves', async () => {
  const before_ = await head();
  const good = Buffer.from('{"framework": "onnx"}');
  const normal = { action: 'create', path: 'configuration.json', type: 'normal', size: good.length, sha256: '', content: good.toString('base64'), encoding: 'base64' };

  const never = randomBytes(1000);
  assertRefused(await commit([normal, { action: 'create', path: 'model.onnx', type: 'lfs', size: never.length, sha256: sha256(never), content: '', encoding: '' }]), 422, 'LFS_OBJECT_MISSING', 'LFS object never uploaded');

  const uploaded = randomBytes(2000);
  const put = await owner.fetch(await batchHref(uploaded), { method: 'PUT', body: uploaded });
  assert.equal(put.status, 200);
  assertRefused(await commit([normal, { action: 'create', path: 'model.onnx', type: 'lfs', size: uploaded.length + 1, sha256: sha256(uploaded), content: '', encoding: '' }]), 422, 'LFS_OBJECT_MISMATCH', 'LFS action with the wrong size');

  const bad: [unknown[], number, string, string][] = [
    [[], 400, 'HUB_COMMIT_EMPTY', 'no actions'],
    [[{ ...normal, action: 'rename' }], 400, 'VALIDATION_FAILED', 'unknown action'],
    [[{ ...normal, type: 'xet' }], 400, 'VALIDATION_FAILED', 'unknown type'],
    [[{ ...normal, path: undefined }], 400, 'VALIDATION_FAILED', 'no path'],
    [[{ ...normal, path: '../escape' }], 400, 'PATH_INVALID', 'path traversal'],
    [[{ ...normal, content: '%%%not base64' }], 400, 'VALIDATION_FAILED', 'content not base64'],
    [[{ ...normal, size: good.length + 5 }], 400, 'VALIDATION_FAILED', 'content shorter than size'],
    [[{ ...normal, sha256: sha256(Buffer.from('other')) }], 400, 'VALIDATION_FAILED', 'content not matching sha256'],
    [[{ ...normal, type: 'lfs', sha256: 'abc' }], 400, 'VALIDATION_FAILED', 'lfs with a malformed sha256'],
    [[{ action: 'delete', path: 'nope.txt' }], 404, 'HUB_ENTRY_NOT_FOUND', 'deleting a missing file'],
    [[normal, 'oops'], 400, 'VALIDATION_FAILED', 'an action that is not an object'],
  ];
  for (const [actions, status, code, what] of bad) assertRefused(await commit(actions), status, code, what);
  assertRefused(await owner.call('POST', '/api/v1/repos/models/owner/target/commit/master', { data: '{"commit_message": "x"}' }), 400, 'VALIDATION_FAILED', 'actions missing');
  assertRefused(await owner.call('POST', '/api/v1/repos/spaces/owner/target/commit/master', { data: '{"actions": []}' }), 404, 'NOT_FOUND', 'unknown repo type');
  assertRefused(await commit([normal], 'no-such-branch'), 404, 'HUB_REVISION_NOT_FOUND', 'commit to a missing branch');
  assert.equal((await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { TagName: 'v0', Ref: 'master' } })).status, 200);
  assertRefused(await commit([normal], 'v0'), 400, 'REVISION_INVALID', 'commit to a tag');
  assertRefused(await anonymous.call('POST', '/api/v1/repos/models/owner/target/commit/master', { data: JSON.stringify({ actions: [normal] }) }), 401, 'AUTH_REQUIRED', 'anonymous commit');

  assert.equal(await head(), before_, 'no refused commit moved the branch');
  const files = await owner.call<{ Files: { Path: string }[] }>('GET', '/api/v1/models/owner/target/repo/files?Revision=master&Recursive=True');
  assert.deepEqual(files.body.Data.Files.map((file) => file.Path).sort(), ['.gitattributes', 'README.md']);
});

void test('upload: wrong bytes, wrong size, no credentials; tags: reserved, duplicate, unknown ref; delete file without FilePath', async () => {
  const content = randomBytes(4096);
  const href = await batchHref(content);
  // Content that does not hash to the oid: refused, nothing stored (a later batch still asks for it).
  const wrong = Buffer.from(content);
  wrong[0] = (wrong[0] ?? 0) ^ 0xff;
  const corrupt = await owner.fetch(href, { method: 'PUT', body: chunkedBody(wrong), duplex: 'half' } as RequestInit & { headers?: Record<string, string> });
  const corruptBody = (await corrupt.json()) as { Code: number; Success: boolean; ErrorCode: string };
  assert.equal(corrupt.status, 422);
  assert.equal(corruptBody.Code, 422);
  assert.equal(corruptBody.ErrorCode, 'LFS_OBJECT_MISMATCH');
  assert.ok(await batchHref(content), 'still missing after a corrupt upload');
  const short = await owner.fetch(href, { method: 'PUT', body: content.subarray(1) });
  assert.equal(short.status, 422);
  assert.equal(((await short.json()) as { ErrorCode: string }).ErrorCode, 'LFS_OBJECT_MISMATCH');
  // Without the signature the PUT needs the caller's own write access.
  const unsigned = href.replace(/&sig=[^&]+/, '');
  const stranger = await anonymous.fetch(unsigned, { method: 'PUT', body: content });
  assert.equal(stranger.status, 401);
  assert.equal(((await stranger.json()) as { Code: number }).Code, 401);
  const forged = await anonymous.fetch(unsigned + '&sig=1.forged', { method: 'PUT', body: content });
  assert.equal(forged.status, 401);
  // The signed href alone is enough (@huggingface/hub-style clients send no credentials).
  const signed = await anonymous.fetch(href, { method: 'PUT', body: content });
  assert.equal(signed.status, 200);

  assertRefused(await owner.call('POST', '/api/v1/repos/models/owner/target/info/lfs/objects/batch', { data: JSON.stringify({ operation: 'upload', objects: [{ oid: 'xyz', size: 1 }] }) }), 400, 'VALIDATION_FAILED', 'batch with a bad oid');
  assertRefused(await owner.call('POST', '/api/v1/repos/models/owner/target/info/lfs/objects/batch', { data: JSON.stringify({ operation: 'upload', objects: [{ oid: sha256(content), size: -1 }] }) }), 400, 'VALIDATION_FAILED', 'batch with a negative size');
  assertRefused(await owner.call('POST', '/api/v1/repos/models/owner/target/info/lfs/objects/batch', { data: JSON.stringify({ operation: 'upload' }) }), 400, 'VALIDATION_FAILED', 'batch without objects');
  assertRefused(await anonymous.call('POST', '/api/v1/repos/models/owner/target/info/lfs/objects/batch', { data: JSON.stringify({ operation: 'upload', objects: [] }) }), 401, 'AUTH_REQUIRED', 'anonymous batch');

  for (const name of ['master', 'MAIN']) {
    assertRefused(await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { TagName: name, Ref: 'master' } }), 400, 'REVISION_INVALID', `reserved tag ${name}`);
  }
  assertRefused(await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { Ref: 'master' } }), 400, 'VALIDATION_FAILED', 'tag without TagName');
  assertRefused(await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { TagName: 'v1', Ref: 'nowhere' } }), 404, 'HUB_REVISION_NOT_FOUND', 'tag of an unknown ref');
  assert.equal((await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { TagName: 'v1', Ref: 'master' } })).status, 200);
  assertRefused(await owner.call('POST', '/api/v1/models/owner/target/repo/tag', { json: { TagName: 'v1', Ref: 'master' } }), 409, 'HUB_REF_EXISTS', 'duplicate tag');

  assertRefused(await owner.call('DELETE', '/api/v1/models/owner/target/file?Revision=master'), 400, 'VALIDATION_FAILED', 'delete without FilePath');
  assertRefused(await owner.call('DELETE', '/api/v1/models/owner/target/file?Revision=master&FilePath=nope'), 404, 'HUB_ENTRY_NOT_FOUND', 'delete a missing file');
  assertRefused(await owner.call('PUT', '/api/v1/models/', { data: '{"PageNumber": 1}' }), 400, 'VALIDATION_FAILED', 'list without Path');
  assertRefused(await owner.call('PUT', '/api/v1/models/', { data: '{"Path": "owner", "PageSize": 0}' }), 400, 'VALIDATION_FAILED', 'list with PageSize 0');
});
