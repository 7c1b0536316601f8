// The Hugging Face-compatible read and write API through plain HTTP: refs, tags, branches,
// commits, tree, paths-info, search, resolve headers, counters, datasets and accounts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

const json = { 'content-type': 'application/json' };

async function post(path: string, body: unknown, token?: string) {
  return server.request(path, { method: 'POST', headers: json, body: JSON.stringify(body), ...(token && { token }) });
}

async function commitFiles(repo: string, files: Record<string, string>, options: { type?: 'models' | 'datasets'; branch?: string; token?: string; summary?: string } = {}) {
  const lines = [
    { key: 'header', value: { summary: options.summary ?? 'update' } },
    ...Object.entries(files).map(([path, content]) => ({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } })),
  ];
  const response = await server.request(`/api/${options.type ?? 'models'}/${repo}/commit/${encodeURIComponent(options.branch ?? 'main')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines.map((line) => JSON.stringify(line)).join('\n'),
    ...(options.token && { token: options.token }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { commitOid: string }).commitOid;
}

before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

void test('branches, tags, refs and commit history', async () => {
  assert.equal((await post('/api/repos/create', { name: 'history', organization: 'admin' })).status, 200);
  const first = await commitFiles('admin/history', { 'a.txt': 'one' }, { summary: 'first change' });
  const second = await commitFiles('admin/history', { 'a.txt': 'two', 'dir/b.txt': 'bee' }, { summary: 'second change' });

  assert.equal((await post('/api/models/admin/history/branch/dev', { startingPoint: first })).status, 200);
  assert.equal((await post('/api/models/admin/history/branch/dev', {})).status, 409, 'a branch cannot be created twice');
  const onDev = await commitFiles('admin/history', { 'dev.txt': 'dev' }, { branch: 'dev' });
  assert.equal((await post(`/api/models/admin/history/tag/${first}`, { tag: 'v1.0', message: 'first release' })).status, 200);
  assert.equal((await post('/api/models/admin/history/tag/main', { tag: 'latest' })).status, 200);

  const refs = (await (await server.request('/api/models/admin/history/refs')).json()) as { branches: { name: string; targetCommit: string }[]; tags: { name: string; targetCommit: string }[] };
  assert.deepEqual(refs.branches.map((branch) => [branch.name, branch.targetCommit]).sort(), [['dev', onDev], ['main', second]]);
  assert.deepEqual(refs.tags.map((tag) => [tag.name, tag.targetCommit]).sort(), [['latest', second], ['v1.0', first]]);

  // Every kind of revision resolves: branch, tag (annotated too), sha, url-encoded full ref.
  for (const [revision, expected] of [['dev', onDev], ['v1.0', first], [first, first], ['refs%2Fheads%2Fdev', onDev]] as const) {
    const response = await server.request(`/admin/history/resolve/${revision}/a.txt`);
    assert.equal(response.headers.get('x-repo-commit'), expected, revision);
    assert.equal(await response.text(), expected === first || revision.includes('dev') ? 'one' : 'two');
  }

  const commits = (await (await server.request('/api/models/admin/history/commits/main')).json()) as { id: string; title: string; authors: { user: string }[] }[];
  assert.deepEqual(commits.map((commit) => commit.title), ['second change', 'first change', 'initial commit']);
  assert.equal(commits[0]?.authors[0]?.user, 'admin');
  const paged = await server.request('/api/models/admin/history/commits/main?limit=2');
  assert.equal(((await paged.json()) as unknown[]).length, 2);
  const next = /<([^>]+)>; rel="next"/.exec(paged.headers.get('link') ?? '')?.[1];
  assert.ok(next);
  assert.deepEqual(((await (await fetch(next)).json()) as { id: string }[]).map((commit) => commit.id).length, 1);

  const deleteDefault = await server.request('/api/models/admin/history/branch/main', { method: 'DELETE' });
  assert.equal(deleteDefault.status, 403);
  assert.equal((await server.request('/api/models/admin/history/branch/dev', { method: 'DELETE' })).status, 200);
  assert.equal((await server.request('/api/models/admin/history/tag/latest', { method: 'DELETE' })).status, 200);
  assert.equal((await server.request('/api/models/admin/history/tag/latest', { method: 'DELETE' })).status, 404);
  assert.equal((await server.request('/admin/history/resolve/dev/a.txt')).headers.get('x-error-code'), 'RevisionNotFound');
});

void test('tree listing (recursive, folders, pagination) and paths-info', async () => {
  assert.equal((await post('/api/repos/create', { name: 'tree', organization: 'admin' })).status, 200);
  const files: Record<string, string> = {};
  for (let index = 0; index < 25; index++) files[`data/part-${String(index).padStart(2, '0')}.txt`] = `row ${index}`;
  files['nested/deep/x.json'] = '{}';
  await commitFiles('admin/tree', files);

  const top = (await (await server.request('/api/models/admin/tree/tree/main')).json()) as { type: string; path: string }[];
  assert.deepEqual(top.map((entry) => `${entry.type}:${entry.path}`), ['file:.gitattributes', 'file:README.md', 'directory:data', 'directory:nested']);
  const nested = (await (await server.request('/api/models/admin/tree/tree/main/nested?recursive=true')).json()) as { path: string }[];
  assert.deepEqual(nested.map((entry) => entry.path), ['nested/deep', 'nested/deep/x.json']);

  const seen: string[] = [];
  let url: string | undefined = `${server.url}/api/models/admin/tree/tree/main/data?limit=10`;
  while (url) {
    const response: Response = await fetch(url);
    seen.push(...((await response.json()) as { path: string }[]).map((entry) => entry.path));
    url = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen).size, 25);

  const missing = await server.request('/api/models/admin/tree/tree/main/nope');
  assert.equal(missing.headers.get('x-error-code'), 'EntryNotFound');

  const info = (await (await post('/api/models/admin/tree/paths-info/main', { paths: ['data/part-03.txt', 'nested', 'absent'] })).json()) as { path: string; type: string; size: number }[];
  assert.deepEqual(info.map((entry) => [entry.type, entry.path]), [['file', 'data/part-03.txt'], ['directory', 'nested']]);
  assert.equal(info[0]?.size, 'row 3'.length);
});

void test('resolve: HEAD headers, ETag and If-None-Match, ranges, CORS', async () => {
  assert.equal((await post('/api/repos/create', { name: 'resolve', organization: 'admin' })).status, 200);
  const content = 'hello, resolve\n';
  const commit = await commitFiles('admin/resolve', { 'hello.txt': content });
  const blobSha = createHash('sha1').update(`blob ${content.length}\0${content}`).digest('hex');

  const head = await server.request('/admin/resolve/resolve/main/hello.txt', { method: 'HEAD', headers: { 'accept-encoding': 'identity', origin: 'http://example.com' } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-repo-commit'), commit);
  assert.equal(head.headers.get('etag'), `"${blobSha}"`, 'the ETag of a regular file is its git blob sha1');
  assert.equal(head.headers.get('content-length'), String(content.length));
  assert.equal(head.headers.get('access-control-allow-origin'), 'http://example.com');
  assert.match(head.headers.get('access-control-expose-headers') ?? '', /x-repo-commit/);

  const cached = await server.request('/admin/resolve/resolve/main/hello.txt', { headers: { 'if-none-match': `"${blobSha}"` } });
  assert.equal(cached.status, 304);

  const partial = await server.request('/admin/resolve/resolve/main/hello.txt', { headers: { range: 'bytes=7-' } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get('content-range'), `bytes 7-${content.length - 1}/${content.length}`);
  assert.equal(await partial.text(), content.slice(7));
  const suffix = await server.request('/admin/resolve/resolve/main/hello.txt', { headers: { range: 'bytes=-3' } });
  assert.equal(await suffix.text(), content.slice(-3));
  const probe = await server.request('/admin/resolve/resolve/main/hello.txt', { headers: { range: 'bytes=0-0', accept: 'application/vnd.xet-fileinfo+json, */*' } });
  assert.equal(probe.status, 206);
  assert.equal(probe.headers.get('content-range'), `bytes 0-0/${content.length}`);
  assert.doesNotMatch(probe.headers.get('content-type') ?? '', /xet/);
  const outside = await server.request('/admin/resolve/resolve/main/hello.txt', { headers: { range: `bytes=${content.length}-` } });
  assert.equal(outside.status, 416);
  assert.equal(outside.headers.get('content-range'), `bytes */${content.length}`);

  const missing = await server.request('/admin/resolve/resolve/main/absent.txt');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-error-code'), 'EntryNotFound');
  assert.equal(missing.headers.get('x-repo-commit'), commit, 'a 404 EntryNotFound names the commit so clients can cache the absence');
});

void test('search: text, author, filter, task, library, language, sort, pagination, private repos', async () => {
  const alice = await createUserWithToken(server, 'searcher');
  const cards: [string, string, boolean][] = [
    ['ocr-small', '---\npipeline_tag: image-to-text\nlibrary_name: onnx\nlanguage: [zh]\ntags: [ocr]\n---\n', false],
    ['ocr-large', '---\npipeline_tag: image-to-text\nlibrary_name: onnx\nlanguage: [zh, en]\ntags: [ocr]\n---\n', false],
    ['sentiment', '---\npipeline_tag: text-classification\nlibrary_name: transformers\nlanguage: [en]\n---\n', false],
    ['hidden-ocr', '---\npipeline_tag: image-to-text\ntags: [ocr]\n---\n', true],
  ];
  for (const [name, card, isPrivate] of cards) {
    assert.equal((await post('/api/repos/create', { name, private: isPrivate }, alice)).status, 200);
    await commitFiles(`searcher/${name}`, { 'README.md': card }, { token: alice });
  }
  // Likes and downloads drive sorting.
  assert.equal((await server.request('/api/models/searcher/ocr-large/like', { method: 'POST', token: alice })).status, 200);
  for (let index = 0; index < 3; index++) await (await server.request('/searcher/ocr-small/resolve/main/README.md', { token: null })).text();

  const names = async (query: string, token: string | null = null) =>
    ((await (await server.request(`/api/models?${query}`, { token })).json()) as { id: string }[]).map((repo) => repo.id);
  assert.deepEqual(await names('author=searcher&sort=id&direction=1'), ['searcher/ocr-large', 'searcher/ocr-small', 'searcher/sentiment']);
  assert.deepEqual(await names('author=searcher&sort=id&direction=1', alice), ['searcher/hidden-ocr', 'searcher/ocr-large', 'searcher/ocr-small', 'searcher/sentiment']);
  assert.deepEqual(await names('search=OCR&sort=id&direction=1'), ['searcher/ocr-large', 'searcher/ocr-small']);
  assert.deepEqual(await names('filter=ocr&language=en'), ['searcher/ocr-large']);
  assert.deepEqual(await names('pipeline_tag=text-classification'), ['searcher/sentiment']);
  assert.deepEqual(await names('library=onnx&sort=downloads'), ['searcher/ocr-small', 'searcher/ocr-large']);
  assert.deepEqual(await names('library=onnx&sort=likes&direction=-1'), ['searcher/ocr-large', 'searcher/ocr-small']);
  const info = (await (await server.request('/api/models/searcher/ocr-small')).json()) as { downloads: number; likes: number };
  assert.equal(info.downloads, 3);

  const page = await server.request('/api/models?author=searcher&limit=2&sort=id&direction=1', { token: null });
  assert.equal(((await page.json()) as unknown[]).length, 2);
  const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
  assert.ok(next);
  assert.deepEqual(((await (await fetch(next)).json()) as { id: string }[]).map((repo) => repo.id), ['searcher/sentiment']);

  const badSort = await server.request('/api/models?sort=bogus');
  assert.equal(badSort.status, 400);
  const unlike = await server.request('/api/models/searcher/ocr-large/like', { method: 'DELETE', token: alice });
  assert.deepEqual(await unlike.json(), { likes: 0 });
});

void test('datasets live under their own routes', async () => {
  assert.equal((await post('/api/repos/create', { name: 'corpus', organization: 'admin', type: 'dataset' })).status, 200);
  await commitFiles('admin/corpus', { 'train.csv': 'text,label\nhi,1\n' }, { type: 'datasets' });
  const info = (await (await server.request('/api/datasets/admin/corpus')).json()) as { id: string; siblings: { rfilename: string }[] };
  assert.equal(info.id, 'admin/corpus');
  assert.ok(info.siblings.some((file) => file.rfilename === 'train.csv'));
  assert.equal(await (await server.request('/datasets/admin/corpus/resolve/main/train.csv')).text(), 'text,label\nhi,1\n');
  assert.equal((await server.request('/api/models/admin/corpus')).status, 404, 'a dataset is not a model');
  const listed = (await (await server.request('/api/datasets?author=admin')).json()) as { id: string }[];
  assert.deepEqual(listed.map((repo) => repo.id), ['admin/corpus']);
});

void test('organizations: members with write may push, readers may read private repos, outsiders see nothing', async () => {
  const owner = await createUserWithToken(server, 'org-owner');
  const writer = await createUserWithToken(server, 'org-writer');
  const reader = await createUserWithToken(server, 'org-reader');
  const outsider = await createUserWithToken(server, 'outsider');
  assert.equal((await post('/api/organizations', { name: 'tongyi' }, owner)).status, 201);
  for (const [user, role] of [['org-writer', 'write'], ['org-reader', 'read']]) {
    const response = await server.request(`/api/organizations/tongyi/members/${user}`, { method: 'PUT', token: owner, headers: json, body: JSON.stringify({ role }) });
    assert.equal(response.status, 200);
  }
  const byOutsider = await server.request('/api/organizations/tongyi/members/outsider', { method: 'PUT', token: outsider, headers: json, body: JSON.stringify({ role: 'admin' }) });
  assert.equal(byOutsider.status, 403, 'only org admins manage members');

  assert.equal((await post('/api/repos/create', { name: 'qwen-tiny', organization: 'tongyi', private: true }, writer)).status, 200);
  await commitFiles('tongyi/qwen-tiny', { 'w.txt': 'x' }, { token: writer });
  assert.equal((await server.request('/api/models/tongyi/qwen-tiny', { token: reader })).status, 200);
  const readerWrite = await server.request('/api/models/tongyi/qwen-tiny/commit/main', { method: 'POST', token: reader, headers: { 'content-type': 'application/x-ndjson' }, body: '{"key":"header","value":{"summary":"x"}}\n{"key":"deletedFile","value":{"path":"w.txt"}}' });
  assert.equal(readerWrite.status, 403);
  assert.equal((await server.request('/api/models/tongyi/qwen-tiny', { token: outsider })).status, 404);
  const whoami = (await (await server.request('/api/whoami-v2', { token: writer })).json()) as { name: string; orgs: { name: string; roleInOrg: string }[] };
  assert.deepEqual(whoami.orgs.map((org) => [org.name, org.roleInOrg]), [['tongyi', 'write']]);
  assert.equal((await post('/api/repos/create', { name: 'x', organization: 'tongyi' }, outsider)).status, 403);
  const lastAdmin = await server.request('/api/organizations/tongyi/members/org-owner', { method: 'DELETE', token: owner });
  assert.equal(lastAdmin.status, 400, 'an organization keeps at least one admin');
  const demote = await server.request('/api/organizations/tongyi/members/org-owner', { method: 'PUT', token: owner, headers: json, body: JSON.stringify({ role: 'read' }) });
  assert.equal(demote.status, 400);
});

void test('tokens: created with a role, listed without secrets, revoked for good', async () => {
  const created = await post('/api/tokens', { name: 'ci', role: 'write' });
  assert.equal(created.status, 201);
  const token = (await created.json()) as { id: string; token: string; role: string };
  assert.match(token.token, /^hf_/);
  const listed = (await (await server.request('/api/tokens')).json()) as Record<string, unknown>[];
  assert.ok(listed.some((entry) => entry.id === token.id));
  assert.ok(listed.every((entry) => !('token' in entry) && !('hash' in entry)), 'secrets are never listed');
  assert.equal((await server.request('/api/whoami-v2', { token: token.token })).status, 200);
  const used = (await (await server.request('/api/tokens')).json()) as { id: string; lastUsedAt: string | null }[];
  assert.ok(used.find((entry) => entry.id === token.id)?.lastUsedAt, 'using a token records when');
  const readOnly = (await (await post('/api/tokens', { name: 'ro', role: 'read' })).json()) as { token: string };
  assert.equal((await post('/api/tokens', { name: 'escalate', role: 'admin' }, readOnly.token)).status, 403, 'a read token cannot mint stronger tokens');
  assert.equal((await server.request(`/api/tokens/${token.id}`, { method: 'DELETE' })).status, 200);
  const revoked = await server.request('/api/whoami-v2', { token: token.token });
  assert.equal(revoked.status, 401);
  assert.equal(((await revoked.json()) as { code: string }).code, 'AUTH_INVALID_TOKEN');
  assert.equal((await post('/api/tokens', { name: 'x', role: 'superuser' })).status, 400);
  assert.equal((await post('/api/users', { name: 'bad name!' })).status, 400);
});

void test('inline files that match LFS patterns are stored as LFS objects, like git-lfs would', async () => {
  assert.equal((await post('/api/repos/create', { name: 'inline-lfs', organization: 'admin' })).status, 200);
  const weights = 'pretend these are weights';
  await commitFiles('admin/inline-lfs', { 'weights.bin': weights, 'notes.txt': 'plain' });
  const tree = (await (await server.request('/api/models/admin/inline-lfs/tree/main')).json()) as { path: string; size: number; lfs?: { oid: string; size: number } }[];
  const bin = tree.find((entry) => entry.path === 'weights.bin');
  assert.equal(bin?.lfs?.oid, createHash('sha256').update(weights).digest('hex'));
  assert.equal(bin?.size, weights.length);
  assert.equal(tree.find((entry) => entry.path === 'notes.txt')?.lfs, undefined);
  const download = await server.request('/admin/inline-lfs/resolve/main/weights.bin');
  assert.equal(download.headers.get('etag'), `"${bin?.lfs?.oid}"`);
  assert.equal(await download.text(), weights);
  const preupload = (await (await post('/api/models/admin/inline-lfs/preupload/main', { files: [{ path: 'a.onnx', size: 10, sample: '' }, { path: 'b.txt', size: 10, sample: Buffer.from('text').toString('base64') }, { path: 'c.dat', size: 10, sample: Buffer.from([0, 1, 2]).toString('base64') }] })).json()) as { files: { path: string; uploadMode: string }[] };
  assert.deepEqual(preupload.files.map((file) => [file.path, file.uploadMode]), [['a.onnx', 'lfs'], ['b.txt', 'regular'], ['c.dat', 'lfs']]);
});

void test('LFS downloads from the blob store: whole, ranges across buffer boundaries, the LFS object route, a client that leaves mid-way', async () => {
  assert.equal((await post('/api/repos/create', { name: 'big-lfs', organization: 'admin' })).status, 200);
  // 3.5 MiB: more than the sender's two 1 MiB buffers, with a short last chunk.
  const content = Buffer.alloc(3.5 * 1024 * 1024);
  for (let index = 0; index < content.length; index += 4) content.writeUInt32LE(index, index);
  const oid = createHash('sha256').update(content).digest('hex');
  const batch = (await (await server.request('/admin/big-lfs.git/info/lfs/objects/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid, size: content.length }] }),
  })).json()) as { objects: { actions?: { upload?: { href: string; header?: Record<string, string> } } }[] };
  const upload = batch.objects[0]?.actions?.upload;
  assert.ok(upload);
  assert.equal((await fetch(upload.href, { method: 'PUT', headers: upload.header ?? {}, body: content })).status, 200);
  const commit = await server.request('/api/models/admin/big-lfs/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [{ key: 'header', value: { summary: 'weights' } }, { key: 'lfsFile', value: { path: 'model.bin', algo: 'sha256', oid, size: content.length } }].map((line) => JSON.stringify(line)).join('\n'),
  });
  assert.equal(commit.status, 200, await commit.text());

  const whole = await server.request('/admin/big-lfs/resolve/main/model.bin', { headers: { origin: 'http://example.com' } });
  assert.equal(whole.headers.get('content-length'), String(content.length));
  assert.equal(whole.headers.get('etag'), `"${oid}"`);
  assert.equal(whole.headers.get('access-control-allow-origin'), 'http://example.com', 'headers set by hooks are sent too');
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(content));
  for (const [start, end] of [[0, 0], [1024 * 1024 - 1, 1024 * 1024], [5, 2 * 1024 * 1024 + 17], [content.length - 3, content.length - 1]] as const) {
    const part = await server.request('/admin/big-lfs/resolve/main/model.bin', { headers: { range: `bytes=${start}-${end}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${content.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(content.subarray(start, end + 1)), `bytes ${start}-${end}`);
  }
  const modelscope = await server.request(`/api/v1/models/admin/big-lfs/repo?Revision=main&FilePath=model.bin`, { headers: { range: 'bytes=3000000-' } });
  assert.equal(modelscope.status, 206);
  assert.ok(Buffer.from(await modelscope.arrayBuffer()).equals(content.subarray(3_000_000)));
  const object = await server.request(`/admin/big-lfs.git/info/lfs/objects/${oid}`);
  assert.ok(Buffer.from(await object.arrayBuffer()).equals(content));

  // A client that reads one chunk and goes away: the server closes its side and keeps serving.
  const controller = new AbortController();
  const abandoned = await server.request('/admin/big-lfs/resolve/main/model.bin', { signal: controller.signal });
  const reader = abandoned.body?.getReader();
  assert.ok((await reader?.read())?.value);
  controller.abort();
  await reader?.cancel().catch(() => undefined);
  const again = await server.request('/admin/big-lfs/resolve/main/model.bin', { headers: { range: 'bytes=0-99' } });
  assert.ok(Buffer.from(await again.arrayBuffer()).equals(content.subarray(0, 100)));
});
