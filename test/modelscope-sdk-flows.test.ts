// The request sequences of the `modelscope` Python SDK, replayed against a real server: upload
// (create_repo → upload_folder → create_model_tag), download (snapshot_download / model_file_download
// with resume), datasets, listing and deletion, and the master/main default-branch convention.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { chunkedBody, SdkSession, type SdkReply } from './helpers/modelscope-sdk.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let aliceToken: string;
let alice: SdkSession;
let uploadedHead: string;

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

const FILES = {
  'onnx/model.onnx': randomBytes(300 * 1024),
  'configuration.json': Buffer.from(JSON.stringify({ framework: 'onnx', task: 'text-classification', pipeline: { type: 'text-classification' } })),
  'config.json': Buffer.from(JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'] })),
  'tokenizer/vocab.txt': Buffer.from('[PAD]\n[UNK]\nhello\nworld\n'),
};
const LFS_PATHS = new Set(['onnx/model.onnx']);

function assertOk<T>(reply: SdkReply<T>, what: string): T {
  assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.Code, 200, what);
  assert.equal(reply.body.Success, true, what);
  assert.equal(reply.body.RequestId, reply.requestId, `${what}: RequestId echoes X-Request-ID`);
  return reply.body.Data;
}

/** HubApi._upload_blob: lfs batch, then PUT to the href (chunked, cookie attached) when asked to. */
async function uploadBlob(session: SdkSession, repoPath: string, content: Buffer): Promise<boolean> {
  const batch = assertOk(
    await session.call<{ objects: { oid: string; size: number; actions?: { upload?: { href: string } } }[] }>('POST', `/api/v1/repos/${repoPath}/info/lfs/objects/batch`, {
      data: JSON.stringify({ operation: 'upload', objects: [{ oid: sha256(content), size: content.length }] }),
    }),
    'lfs batch',
  );
  if (batch.objects.length === 0) return false;
  assert.equal(batch.objects.length, 1);
  assert.equal(batch.objects[0]?.oid, sha256(content));
  const href = batch.objects[0]?.actions?.upload?.href ?? '';
  assert.ok(href.startsWith(`${server.url}/api/v1/repos/${repoPath}/info/lfs/objects/`), `upload href on this server: ${href}`);
  const put = await session.fetch(href, { method: 'PUT', body: chunkedBody(content), duplex: 'half' } as RequestInit & { headers?: Record<string, string> });
  const answer = (await put.json()) as { Code: number; Success: boolean; Message: string };
  assert.equal(put.status, 200, JSON.stringify(answer));
  assert.equal(answer.Code, 200);
  assert.equal(answer.Message, '');
  return true;
}

before(async () => {
  server = await startTestServer();
  aliceToken = await createUserWithToken(server, 'alice', 'write');
  alice = new SdkSession(server);
});
after(async () => server.stop());

void test('upload: login → create_model → lfs batch → PUT → commit → tag, as HubApi.upload_folder and create_model_tag do', async () => {
  // HubApi.login: json body, no cookie yet; the answer sets it.
  const login = await alice.call<{ AccessToken: string; Username: string; Email: string }>('POST', '/api/v1/login', { json: { AccessToken: aliceToken } });
  const data = assertOk(login, 'login');
  assert.deepEqual(data, { AccessToken: aliceToken, Username: 'alice', Email: '' });
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^m_session_id=[^;]+; HttpOnly; Path=\//);
  alice.token = decodeURIComponent(/^m_session_id=([^;]+)/.exec(cookie)?.[1] ?? '');

  // create_repo: repo_exists first (404 means "create it"), then create_model.
  const missing = await alice.call('GET', '/api/v1/models/alice/tiny-bert');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.Code, 404);
  assert.equal(missing.body.Success, false);
  assert.equal(missing.body.Data, null);
  const created = assertOk(
    await alice.call('POST', '/api/v1/models', {
      json: { Path: 'alice', Name: 'tiny-bert', ChineseName: '小模型', Visibility: 5, License: 'Apache License 2.0', OriginalModelId: '', TrainId: '' },
    }),
    'create_model',
  );
  assert.equal(created.Name, 'tiny-bert');
  assert.equal(created.DefaultBranch, 'master');
  assertOk(await alice.call('GET', '/api/v1/models/alice/tiny-bert'), 'repo_exists after create');

  // upload_folder: every file goes through _upload_blob; a stored blob gets no upload action.
  for (const content of Object.values(FILES)) assert.equal(await uploadBlob(alice, 'models/alice/tiny-bert', content), true);
  assert.equal(await uploadBlob(alice, 'models/alice/tiny-bert', FILES['onnx/model.onnx']), false, 'second batch: already stored');

  const actions = Object.entries(FILES).map(([path, content]) =>
    LFS_PATHS.has(path)
      ? { action: 'update', path, type: 'lfs', size: content.length, sha256: sha256(content), content: '', encoding: '' }
      : { action: 'update', path, type: 'normal', size: content.length, sha256: '', content: content.toString('base64'), encoding: 'base64' },
  );
  const commit = assertOk(
    await alice.call<{ oid: string }>('POST', '/api/v1/repos/models/alice/tiny-bert/commit/master', { data: JSON.stringify({ commit_message: 'Upload to alice/tiny-bert on ModelScope hub (batch 1/1)', actions }) }),
    'create_commit',
  );
  assert.match(commit.oid, /^[0-9a-f]{40}$/);
  uploadedHead = commit.oid;

  // create_model_tag: json {TagName, Ref: 'master'}.
  assertOk(await alice.call('POST', '/api/v1/models/alice/tiny-bert/repo/tag', { json: { TagName: 'v1.0.0', Ref: 'master' } }), 'create_model_tag');
  const revisions = assertOk(await alice.call<{ RevisionMap: { Branches: { Revision: string; CommitId: string }[]; Tags: { Revision: string; CommitId: string }[] } }>('GET', '/api/v1/models/alice/tiny-bert/revisions'), 'revisions');
  assert.equal(revisions.RevisionMap.Branches.find((branch) => branch.Revision === 'master')?.CommitId, commit.oid);
  assert.deepEqual(revisions.RevisionMap.Tags.map((tag) => [tag.Revision, tag.CommitId]), [['v1.0.0', commit.oid]]);
  // The same commit is what Hugging Face clients and git see.
  const hf = (await (await server.request('/api/models/alice/tiny-bert/revision/master')).json()) as { sha: string; siblings: { rfilename: string }[] };
  assert.equal(hf.sha, commit.oid);
  assert.ok(hf.siblings.some((sibling) => sibling.rfilename === 'onnx/model.onnx'));
});

void test('download: info → revisions → files → model file with resume, as snapshot_download and model_file_download do', async () => {
  const reader = new SdkSession(server, aliceToken);
  // get_model / repo_exists.
  const info = assertOk(await reader.call('GET', '/api/v1/models/alice/tiny-bert?Revision=master'), 'get_model');
  assert.equal(info.Name, 'tiny-bert');
  assert.equal(info.Path, 'alice');
  assert.equal(info.ChineseName, '小模型');
  assert.equal(info.Visibility, 5);
  assert.equal(info.License, 'Apache License 2.0');
  assert.equal(info.Revision, 'master');
  assert.deepEqual(info.Tasks, [{ Name: 'text-classification' }]);
  assert.deepEqual(info.ModelType, ['bert']);
  assert.deepEqual(info.Architectures, ['BertForSequenceClassification']);
  assert.match(String(info.ReadMeContent), /alice\/tiny-bert/);
  assert.ok(Array.isArray(info.Tags));
  for (const key of ['Downloads', 'Stars', 'CreatedTime', 'LastUpdatedTime']) assert.equal(typeof info[key], 'number', key);
  assert.ok(Math.abs(Number(info.CreatedTime) - Date.now() / 1000) < 600, 'CreatedTime is in Unix seconds');
  assert.equal(typeof info.Id, 'string');

  // get_valid_revision: branches and tags; release clients filter tags by EndTime.
  type Revisions = { RevisionMap: { Branches: { Revision: string; CreatedAt: number }[]; Tags: { Revision: string; CreatedAt: number }[] } };
  const all = assertOk(await reader.call<Revisions>('GET', '/api/v1/models/alice/tiny-bert/revisions'), 'revisions');
  assert.ok(all.RevisionMap.Branches.some((branch) => branch.Revision === 'master'));
  const tag = all.RevisionMap.Tags[0];
  assert.equal(tag?.Revision, 'v1.0.0');
  assert.ok(Number.isInteger(tag.CreatedAt) && tag.CreatedAt <= Date.now() / 1000 + 1);
  const future = assertOk(await reader.call<Revisions>('GET', `/api/v1/models/alice/tiny-bert/revisions?EndTime=${Math.floor(Date.now() / 1000) + 3600}`), 'revisions before a future release');
  assert.deepEqual(future.RevisionMap.Tags.map((entry) => entry.Revision), ['v1.0.0']);
  const past = assertOk(await reader.call<Revisions>('GET', '/api/v1/models/alice/tiny-bert/revisions?EndTime=1600000000'), 'revisions before an old release');
  assert.deepEqual(past.RevisionMap.Tags, []);

  // get_model_files(recursive=True) at the tag.
  type Files = { Files: { Name: string; Path: string; Type: string; Size: number; Sha256: string; Revision: string; CommittedDate: number }[] };
  const listing = assertOk(await reader.call<Files>('GET', '/api/v1/models/alice/tiny-bert/repo/files?Revision=v1.0.0&Recursive=True'), 'get_model_files');
  for (const [path, content] of Object.entries(FILES)) {
    const entry = listing.Files.find((file) => file.Path === path);
    assert.ok(entry, `${path} listed`);
    assert.equal(entry.Type, 'blob');
    assert.equal(entry.Name, path.slice(path.lastIndexOf('/') + 1));
    assert.equal(entry.Size, content.length, path);
    assert.equal(entry.Sha256, sha256(content), `${path}: Sha256 is the content's digest`);
    assert.equal(entry.Revision, uploadedHead, `${path}: Revision is the commit that changed it`);
    assert.equal(typeof entry.CommittedDate, 'number');
  }
  assert.ok(listing.Files.some((file) => file.Path === 'onnx' && file.Type === 'tree'));
  const gitattributes = listing.Files.find((file) => file.Path === '.gitattributes');
  assert.notEqual(gitattributes?.Revision, uploadedHead, 'a file the upload did not touch keeps its older Revision');
  const onnxOnly = assertOk(await reader.call<Files>('GET', '/api/v1/models/alice/tiny-bert/repo/files?Revision=v1.0.0&Recursive=False&Root=onnx'), 'files under a root');
  assert.deepEqual(onnxOnly.Files.map((file) => file.Path), ['onnx/model.onnx']);

  // http_get_model_file: `Range: bytes=<have>-<size-1>`, interrupted and resumed, then checked against Sha256.
  const model = FILES['onnx/model.onnx'];
  const url = `/api/v1/models/alice/tiny-bert/repo?Revision=v1.0.0&FilePath=${encodeURIComponent('onnx/model.onnx')}`;
  const first = await reader.fetch(url, { headers: { Range: `bytes=0-${model.length - 1}` } });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get('content-range'), `bytes 0-${model.length - 1}/${model.length}`);
  const streamReader = first.body!.getReader();
  const partial = Buffer.from((await streamReader.read()).value ?? new Uint8Array());
  await streamReader.cancel();
  assert.ok(partial.length > 0 && partial.length < model.length, `interrupted after ${partial.length} bytes`);
  const rest = await reader.fetch(url, { headers: { Range: `bytes=${partial.length}-${model.length - 1}` } });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers.get('content-range'), `bytes ${partial.length}-${model.length - 1}/${model.length}`);
  assert.equal(Number(rest.headers.get('content-length')), model.length - partial.length);
  const whole = Buffer.concat([partial, Buffer.from(await rest.arrayBuffer())]);
  assert.equal(sha256(whole), listing.Files.find((file) => file.Path === 'onnx/model.onnx')?.Sha256);

  // http_get_file: open-ended `bytes=N-`; parallel_download: closed parts.
  const tail = await reader.fetch(url, { headers: { Range: `bytes=${model.length - 10}-` } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), model.subarray(model.length - 10));
  const part = await reader.fetch(url, { headers: { Range: 'bytes=1000-1999' } });
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), model.subarray(1000, 2000));

  // A regular (non-LFS) file in a folder, URL-encoded the way quote_plus does it.
  const vocab = await reader.fetch(`/api/v1/models/alice/tiny-bert/repo?Revision=master&FilePath=tokenizer%2Fvocab.txt`, { headers: { Range: `bytes=0-${FILES['tokenizer/vocab.txt'].length - 1}` } });
  assert.equal(vocab.status, 206);
  assert.equal(sha256(Buffer.from(await vocab.arrayBuffer())), sha256(FILES['tokenizer/vocab.txt']));

  // model_info also reads the commit history.
  const history = await reader.call<{ Commit: { Id: string; Title: string; CommittedDate: number }[] }>('GET', '/api/v1/models/alice/tiny-bert/commits?Ref=master&PageNumber=1&PageSize=50');
  const commits = assertOk(history, 'list_repo_commits');
  assert.equal(commits.Commit[0]?.Id, uploadedHead);
  assert.match(commits.Commit[0]?.Title ?? '', /^Upload to alice\/tiny-bert/);
  assert.equal((history.body as unknown as { TotalCount: number }).TotalCount, 2);

  const counted = assertOk(await reader.call('GET', '/api/v1/models/alice/tiny-bert'), 'info after downloads');
  assert.ok(Number(counted.Downloads) >= 1, 'downloads are counted');
});

void test('master/main: ModelScope clients read and write a Hugging Face-made repo through "master", and the reverse', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hf-made', organization: 'alice' }) });
  assert.equal(created.status, 200);
  const reader = new SdkSession(server, aliceToken);
  const info = assertOk(await reader.call('GET', '/api/v1/models/alice/hf-made?Revision=master'), 'info at master on a main repo');
  assert.equal(info.Revision, 'main');
  const revisions = assertOk(await reader.call<{ RevisionMap: { Branches: { Revision: string }[] } }>('GET', '/api/v1/models/alice/hf-made/revisions'), 'revisions');
  assert.deepEqual(revisions.RevisionMap.Branches.map((branch) => branch.Revision).sort(), ['main', 'master']);
  assertOk(await reader.call('GET', '/api/v1/models/alice/hf-made/repo/files?Revision=master&Recursive=True'), 'files at master');
  const readme = await reader.fetch('/api/v1/models/alice/hf-made/repo?Revision=master&FilePath=README.md');
  assert.equal(readme.status, 200);
  assert.match(await readme.text(), /alice\/hf-made/);

  const content = Buffer.from('{"task": "text-classification"}');
  const commit = assertOk(
    await reader.call<{ oid: string }>('POST', '/api/v1/repos/models/alice/hf-made/commit/master', {
      data: JSON.stringify({ commit_message: 'add configuration', actions: [{ action: 'create', path: 'configuration.json', type: 'normal', size: content.length, sha256: '', content: content.toString('base64'), encoding: 'base64' }] }),
    }),
    'commit to master on a main repo',
  );
  const hf = (await (await server.request('/api/models/alice/hf-made/revision/main')).json()) as { sha: string };
  assert.equal(hf.sha, commit.oid, 'the commit landed on main');

  // A ModelScope-made repo read with "main".
  const reverse = assertOk(await reader.call('GET', '/api/v1/models/alice/tiny-bert?Revision=main'), 'info at main on a master repo');
  assert.equal(reverse.Revision, 'master');
  // A commit sha works as a revision too.
  const bySha = await reader.fetch(`/api/v1/models/alice/hf-made/repo?Revision=${commit.oid}&FilePath=configuration.json`);
  assert.equal(await bySha.text(), content.toString());
});

void test('datasets: info → tree by Id (paged) → file with Source=SDK, and delete_files', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-ds', organization: 'alice', type: 'dataset' }) });
  assert.equal(created.status, 200);
  const session = new SdkSession(server, aliceToken);
  const train = Buffer.from('text,label\nhello,1\nworld,0\n');
  const test_ = Buffer.from('text,label\nbye,0\n');
  const actions = [
    ['data/train.csv', train],
    ['data/test.csv', test_],
  ].map(([path, content]) => ({ action: 'create', path, type: 'normal', size: (content as Buffer).length, sha256: '', content: (content as Buffer).toString('base64'), encoding: 'base64' }));
  assertOk(await session.call('POST', '/api/v1/repos/datasets/alice/tiny-ds/commit/master', { data: JSON.stringify({ commit_message: 'data', actions }) }), 'dataset commit');

  // get_dataset_id_and_type (no headers but the cookie), then get_dataset_files by Id.
  const info = assertOk(await session.call('GET', '/api/v1/datasets/alice/tiny-ds'), 'dataset info');
  assert.equal(info.Type, 4);
  assert.equal(info.Name, 'tiny-ds');
  assert.equal(info.Visibility, 5);
  type Tree = { Files: { Path: string; Type: string; Size: number; Sha256: string }[] };
  const tree = assertOk(await session.call<Tree>('GET', `/api/v1/datasets/${String(info.Id)}/repo/tree?Revision=master&Root=%2F&Recursive=True&PageNumber=1&PageSize=100`), 'dataset tree');
  const trainEntry = tree.Files.find((file) => file.Path === 'data/train.csv');
  assert.equal(trainEntry?.Type, 'blob');
  assert.equal(trainEntry?.Sha256, sha256(train));
  assert.ok(tree.Files.some((file) => file.Path === 'data' && file.Type === 'tree'));
  const pages: string[] = [];
  for (let page = 1; ; page++) {
    const paged = assertOk(await session.call<Tree>('GET', `/api/v1/datasets/${String(info.Id)}/repo/tree?Revision=master&Root=%2F&Recursive=True&PageNumber=${page}&PageSize=2`), `tree page ${page}`);
    pages.push(...paged.Files.map((file) => file.Path));
    if (paged.Files.length < 2) break;
  }
  assert.deepEqual(pages, tree.Files.map((file) => file.Path), 'pages add up to the whole listing');

  // get_dataset_file_url: Source=SDK, FilePath last, View=False.
  const file = await session.fetch('/api/v1/datasets/alice/tiny-ds/repo?Source=SDK&Revision=master&FilePath=data%2Ftrain.csv&View=False');
  assert.equal(file.status, 200);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), train);

  // delete_files on a dataset: DELETE …/repo?FilePath.
  assertOk(await session.call('DELETE', '/api/v1/datasets/alice/tiny-ds/repo?FilePath=data%2Ftest.csv'), 'delete dataset file');
  const after_ = assertOk(await session.call<Tree>('GET', `/api/v1/datasets/${String(info.Id)}/repo/tree?Revision=master&Root=%2F&Recursive=True&PageNumber=1&PageSize=100`), 'tree after delete');
  assert.ok(!after_.Files.some((entry) => entry.Path === 'data/test.csv'));
});

void test('list_models (PUT without Content-Type), delete_files and delete_model', async () => {
  const session = new SdkSession(server, aliceToken);
  // list_models sends `data='{"Path":"%s", "PageNumber":%s, "PageSize": %s}'`.
  type List = { Models: { Name: string; Path: string; Visibility: number }[]; TotalCount: number };
  const listed = assertOk(await session.call<List>('PUT', '/api/v1/models/', { data: '{"Path":"alice", "PageNumber":1, "PageSize": 1}' }), 'list_models');
  assert.equal(listed.TotalCount, 2);
  assert.equal(listed.Models.length, 1);
  const second = assertOk(await session.call<List>('PUT', '/api/v1/models/', { data: '{"Path":"alice", "PageNumber":2, "PageSize": 1}' }), 'list_models page 2');
  assert.deepEqual([...listed.Models, ...second.Models].map((model) => model.Name).sort(), ['hf-made', 'tiny-bert']);

  // delete_files: DELETE …/file with Revision and FilePath as query parameters.
  assertOk(await session.call('DELETE', '/api/v1/models/alice/tiny-bert/file?Revision=master&FilePath=tokenizer%2Fvocab.txt'), 'delete file');
  const files = assertOk(await session.call<{ Files: { Path: string }[] }>('GET', '/api/v1/models/alice/tiny-bert/repo/files?Revision=master&Recursive=True'), 'files after delete');
  assert.ok(!files.Files.some((file) => file.Path === 'tokenizer/vocab.txt'));
  const tagged = assertOk(await session.call<{ Files: { Path: string }[] }>('GET', '/api/v1/models/alice/tiny-bert/repo/files?Revision=v1.0.0&Recursive=True'), 'files at the tag');
  assert.ok(tagged.Files.some((file) => file.Path === 'tokenizer/vocab.txt'), 'the tag still has it');

  assertOk(await session.call('DELETE', '/api/v1/models/alice/hf-made'), 'delete_model');
  const gone = await session.call('GET', '/api/v1/models/alice/hf-made');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.Code, 404);
  const admin = new SdkSession(server, ADMIN_TOKEN);
  const remaining = assertOk(await admin.call<List>('PUT', '/api/v1/models/', { data: '{"Path":"alice", "PageNumber":1, "PageSize": 10}' }), 'list after delete');
  assert.deepEqual(remaining.Models.map((model) => model.Name), ['tiny-bert']);
});

/** What requests sends for `files={name: (None, value)}`: one form-data part per field, no file name. */
function formBody(fields: Record<string, string | number>): { body: string; contentType: string } {
  const boundary = randomBytes(16).toString('hex');
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${String(value)}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

void test('datasets: create_dataset (multipart form) → lfs batch → PUT → commit → tree → download with resume', async () => {
  const session = new SdkSession(server, aliceToken);
  const form = formBody({ Name: 'blob-ds', ChineseName: '数据', Owner: 'alice', License: 'Apache License 2.0', Visibility: 1, Description: 'rows' });
  const created = await session.fetch('/api/v1/datasets', { method: 'POST', body: form.body, headers: { 'content-type': form.contentType } });
  const createdBody = (await created.json()) as { Code: number; Data: { Name: string; Owner: string; Visibility: number; DefaultBranch: string } };
  assert.equal(created.status, 200, JSON.stringify(createdBody));
  assert.deepEqual([createdBody.Data.Owner, createdBody.Data.Name, createdBody.Data.Visibility, createdBody.Data.DefaultBranch], ['alice', 'blob-ds', 1, 'master']);
  assert.equal((await new SdkSession(server).call('GET', '/api/v1/datasets/alice/blob-ds')).status, 404, 'private: hidden from anonymous');
  const card = assertOk(await session.call('GET', '/api/v1/datasets/alice/blob-ds'), 'dataset info before any commit');
  assert.match(String(card.ReadMeContent), /^---\nlicense: apache-2\.0\n---\n\n# alice\/blob-ds\n\nrows\n$/, 'the Description opens the dataset card');

  const parquet = randomBytes(200 * 1024 + 5);
  assert.equal(await uploadBlob(session, 'datasets/alice/blob-ds', parquet), true);
  const actions = [
    { action: 'create', path: 'data/train.parquet', type: 'lfs', size: parquet.length, sha256: sha256(parquet), content: '', encoding: '' },
    { action: 'create', path: 'README.md', type: 'normal', size: 7, sha256: '', content: Buffer.from('# rows\n').toString('base64'), encoding: 'base64' },
  ];
  const commit = assertOk(await session.call<{ oid: string }>('POST', '/api/v1/repos/datasets/alice/blob-ds/commit/master', { data: JSON.stringify({ commit_message: 'Upload rows', actions }) }), 'dataset commit');

  const info = assertOk(await session.call('GET', '/api/v1/datasets/alice/blob-ds'), 'dataset info');
  assert.equal(info.Visibility, 1);
  type Tree = { Files: { Path: string; Type: string; Size: number; Sha256: string; IsLFS: boolean }[]; TotalCount: number; Revision: string };
  const tree = assertOk(await session.call<Tree>('GET', `/api/v1/datasets/${String(info.Id)}/repo/tree?Revision=master&Root=%2F&Recursive=True&PageNumber=1&PageSize=100`), 'tree');
  assert.equal(tree.Revision, commit.oid);
  const entry = tree.Files.find((file) => file.Path === 'data/train.parquet');
  assert.deepEqual([entry?.Type, entry?.Size, entry?.Sha256, entry?.IsLFS], ['blob', parquet.length, sha256(parquet), true]);

  const url = '/api/v1/datasets/alice/blob-ds/repo?Source=SDK&Revision=master&FilePath=data%2Ftrain.parquet';
  const head = await session.fetch(url, { headers: { Range: 'bytes=0-99' } });
  assert.equal(head.status, 206);
  const first = Buffer.from(await head.arrayBuffer());
  const rest = await session.fetch(url, { headers: { Range: `bytes=${first.length}-` } });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers.get('content-range'), `bytes 100-${parquet.length - 1}/${parquet.length}`);
  assert.equal(sha256(Buffer.concat([first, Buffer.from(await rest.arrayBuffer())])), sha256(parquet));
  // The same object, through the Hugging Face API, comes from the same blob store.
  const hf = await server.request('/datasets/alice/blob-ds/resolve/main/data/train.parquet', { token: aliceToken });
  assert.equal(hf.status, 200, 'the HF client asking for main gets the master default branch');
  assert.equal(sha256(Buffer.from(await hf.arrayBuffer())), sha256(parquet));
});

void test('create_dataset: missing or wrong fields, a file part, no credentials, an existing name', async () => {
  const session = new SdkSession(server, aliceToken);
  const post = async (form: { body: string; contentType: string }, who = session) => {
    const response = await who.fetch('/api/v1/datasets', { method: 'POST', body: form.body, headers: { 'content-type': form.contentType } });
    return { status: response.status, body: (await response.json()) as { Code: number; Success: boolean; ErrorCode: string } };
  };
  const refused = (reply: { status: number; body: { Code: number; Success: boolean; ErrorCode: string } }, status: number, code: string, what: string) => {
    assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
    assert.deepEqual([reply.body.Code, reply.body.Success, reply.body.ErrorCode], [status, false, code], what);
  };
  refused(await post(formBody({ Name: 'x', Visibility: 5 })), 400, 'VALIDATION_FAILED', 'no Owner');
  refused(await post(formBody({ Owner: 'alice', Visibility: 5 })), 400, 'VALIDATION_FAILED', 'no Name');
  refused(await post(formBody({ Owner: 'alice', Name: 'x' })), 400, 'VALIDATION_FAILED', 'no Visibility');
  refused(await post(formBody({ Owner: 'alice', Name: 'x', Visibility: 2 })), 400, 'VALIDATION_FAILED', 'Visibility 2');
  refused(await post(formBody({ Owner: 'alice', Name: 'bad name!', Visibility: 5 })), 400, 'REPO_NAME_INVALID', 'bad name');
  refused(await post(formBody({ Owner: 'alice', Name: 'x', Visibility: 5, Description: 'd'.repeat(10_001) })), 400, 'VALIDATION_FAILED', 'a Description over 10,000 characters');
  const boundary = 'b0undary';
  const withFile = `--${boundary}\r\nContent-Disposition: form-data; name="Owner"\r\n\r\nalice\r\n--${boundary}\r\nContent-Disposition: form-data; name="Name"; filename="x.txt"\r\n\r\nx\r\n--${boundary}--\r\n`;
  refused(await post({ body: withFile, contentType: `multipart/form-data; boundary=${boundary}` }), 400, 'VALIDATION_FAILED', 'a file part');
  refused(await post({ body: `--${boundary}\r\nContent-Disposition: form-data; name="Owner"\r\n\r\nalice\r\n`, contentType: `multipart/form-data; boundary=${boundary}` }), 400, 'BAD_REQUEST', 'no closing boundary');
  refused(await post({ body: 'Owner=alice', contentType: 'multipart/form-data' }), 400, 'BAD_REQUEST', 'no boundary');
  refused(await post(formBody({ Owner: 'alice', Name: 'x', Visibility: 5 }), new SdkSession(server)), 401, 'AUTH_REQUIRED', 'anonymous');
  refused(await post(formBody({ Owner: 'alice', Name: 'blob-ds', Visibility: 5 })), 409, 'HUB_REPO_EXISTS', 'existing dataset');
  assert.equal((await server.request('/api/datasets/alice/x')).status, 404, 'nothing was created by the refused calls');
  // A JSON body with the same fields works too.
  assertOk(await session.call('POST', '/api/v1/datasets', { json: { Owner: 'alice', Name: 'json-ds', Visibility: 5 } }), 'JSON create_dataset');
});
