// MODA_BLOB_STORE=s3://… against a real S3-compatible server (OpenStack Swift with s3api, started by
// scripts/swift-s3.sh): LFS objects uploaded through the batch API, git-lfs and @huggingface/hub
// land under `prefix/lfs/ab/cd/<oid>`, downloads redirect to presigned URLs (or stream with ranges
// under MODA_BLOB_PROXY=1), and model snapshots are materialised from the store. Failures (bad
// uploads, interrupted uploads, the store down) are in s3-blob-store-failures.test.ts.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createRepo, downloadFile, uploadFiles } from '@huggingface/hub';
import { toRecord } from '../src/hub/repos/repo-record.js';
import { materializeSnapshot } from '../src/serve/materialize-snapshot.js';
import { batch, createModel, lfsUploadAndCommit } from './helpers/lfs-upload.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { startSwiftS3, type SwiftS3 } from './helpers/swift-s3.js';

const MiB = 1024 * 1024;
const execFileAsync = promisify(execFile);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const lfsKey = (oid: string) => `moda/lfs/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;

let swift: SwiftS3;
let moda: TestServer;
let proxied: TestServer;

before(async () => {
  swift = await startSwiftS3();
  moda = await startTestServer(await swift.bucket('moda-redirect'));
  proxied = await startTestServer({ ...(await swift.bucket('moda-proxied')), blobProxy: true });
});
after(async () => {
  await moda?.stop();
  await proxied?.stop();
  await swift?.stop();
});

void test('git-lfs batch API: a multipart upload lands under lfs/ab/cd/<oid>, the download href redirects to a presigned GET', async () => {
  await createModel(moda, 'batch-model');
  const content = randomBytes(10 * MiB + 7);
  const oid = sha256(content);
  await lfsUploadAndCommit(moda, 'admin/batch-model', 'weights.bin', content);
  assert.ok((await swift.keys('moda-redirect')).includes(lfsKey(oid)), 'the object is stored under its sha256 key');
  assert.equal(await swift.openUploads('moda-redirect'), 0, 'the multipart upload was completed');

  const [answer] = await batch(moda, 'admin/batch-model', 'download', [{ oid, size: content.length }]);
  const href = answer?.actions?.download?.href;
  assert.ok(href);
  const redirect = await fetch(href, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const location = redirect.headers.get('location') ?? '';
  assert.ok(location.startsWith(`${swift.endpoint}/moda-redirect/${lfsKey(oid)}?`), location);
  assert.match(location, /X-Amz-Signature=/);
  const followed = await fetch(href);
  assert.equal(followed.status, 200);
  assert.equal(sha256(new Uint8Array(await followed.arrayBuffer())), oid);
});

void test('git push with git-lfs stores the object in S3; a clone with LFS smudging follows the redirect to Swift', async () => {
  const work = await mkdtemp(join(tmpdir(), 'moda-s3-git-'));
  try {
    await mkdir(join(work, 'home'));
    await writeFile(join(work, 'home', '.gitconfig'), '[user]\n\tname = Git Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n[lfs]\n\tlocksverify = false\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
    const git = (args: string[], cwd = work) => execFileAsync('git', args, { cwd, env, maxBuffer: 16 * MiB });
    await git(['lfs', 'install', '--skip-repo']);
    await createModel(moda, 'pushed');
    const remoteUrl = new URL('/admin/pushed.git', moda.url);
    remoteUrl.username = 'git';
    remoteUrl.password = ADMIN_TOKEN;
    const remote = remoteUrl.href;
    await git(['clone', '-q', remote, 'push']);
    const big = randomBytes(2 * MiB + 1);
    await writeFile(join(work, 'push', 'big.bin'), big);
    await git(['add', '-A'], join(work, 'push'));
    await git(['commit', '-q', '-m', 'add big.bin'], join(work, 'push'));
    await git(['push', '-q', 'origin', 'main'], join(work, 'push'));
    assert.ok((await swift.keys('moda-redirect')).includes(lfsKey(sha256(big))), 'git-lfs uploaded into S3');
    await git(['clone', '-q', `http://${new URL(moda.url).host}/admin/pushed.git`, 'cloned']);
    assert.equal(sha256(await readFile(join(work, 'cloned', 'big.bin'))), sha256(big), 'git-lfs downloaded the object through the presigned redirect');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('@huggingface/hub uploadFiles and downloadFile round-trip through the S3 store', async () => {
  const credentials = { accessToken: ADMIN_TOKEN, hubUrl: moda.url };
  const repo = { type: 'model' as const, name: 'admin/hub-client' };
  await createRepo({ ...credentials, repo });
  const big = randomBytes(MiB + 123);
  await uploadFiles({ ...credentials, repo, files: [{ path: 'model.bin', content: new Blob([big]) }, { path: 'config.json', content: new Blob(['{}']) }] });
  assert.ok((await swift.keys('moda-redirect')).includes(lfsKey(sha256(big))));
  const downloaded = await downloadFile({ ...credentials, repo, path: 'model.bin' });
  assert.ok(downloaded);
  assert.equal(sha256(new Uint8Array(await downloaded.arrayBuffer())), sha256(big));
  assert.equal(await (await downloadFile({ ...credentials, repo, path: 'config.json' }))?.text(), '{}');
});

void test('resolve redirects to a presigned GET that serves ranges; a tampered signature gets 403', async () => {
  await createModel(moda, 'resolve-model');
  const content = randomBytes(3 * MiB + 5);
  const commit = await lfsUploadAndCommit(moda, 'admin/resolve-model', 'dir/w.bin', content);
  const response = await moda.request('/admin/resolve-model/resolve/main/dir/w.bin', { redirect: 'manual' });
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('x-repo-commit'), commit);
  assert.equal(response.headers.get('x-linked-size'), String(content.length), 'HF clients read the size from the redirect');
  assert.equal(response.headers.get('x-linked-etag'), `"${sha256(content)}"`);
  const location = response.headers.get('location') ?? '';
  assert.ok(location.startsWith(swift.endpoint), location);

  const whole = await fetch(location);
  assert.equal(whole.status, 200);
  assert.match(whole.headers.get('content-disposition') ?? '', /filename="w\.bin"/);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(content));
  const part = await fetch(location, { headers: { range: 'bytes=1000-1999' } });
  assert.equal(part.status, 206);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1000, 2000)));

  const url = new URL(location);
  const signature = url.searchParams.get('X-Amz-Signature') ?? '';
  url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
  const tampered = await fetch(url);
  assert.equal(tampered.status, 403);
  await tampered.body?.cancel();
  const otherKey = new URL(location);
  otherKey.pathname = otherKey.pathname.replace(/[0-9a-f]{64}$/, 'f'.repeat(64));
  const moved = await fetch(otherKey);
  assert.equal(moved.status, 403, 'the signature covers the key');
  await moved.body?.cancel();

  // A model snapshot for serving is materialised from the same store.
  const row = await moda.hub.db.selectFrom('repos').selectAll().where('key', '=', 'admin/resolve-model').where('type', '=', 'model').executeTakeFirstOrThrow();
  const dir = await materializeSnapshot(moda.hub, toRecord(moda.hub, row), commit);
  assert.ok((await readFile(join(dir, 'dir', 'w.bin'))).equals(content));
});

void test('MODA_BLOB_PROXY=1: resolve and ModelScope downloads stream from S3 with ranges', async () => {
  await createModel(proxied, 'proxied-model');
  const content = randomBytes(2 * MiB + 11);
  await lfsUploadAndCommit(proxied, 'admin/proxied-model', 'w.bin', content);
  const whole = await proxied.request('/admin/proxied-model/resolve/main/w.bin', { redirect: 'manual' });
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(content));
  const part = await proxied.request('/admin/proxied-model/resolve/main/w.bin', { headers: { range: 'bytes=100-' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-${content.length - 1}/${content.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(content.subarray(100)));
  const modelscope = await proxied.request('/api/v1/models/admin/proxied-model/repo?Revision=master&FilePath=w.bin', { headers: { range: 'bytes=5-9' } });
  assert.equal(modelscope.status, 206);
  assert.ok(Buffer.from(await modelscope.arrayBuffer()).equals(content.subarray(5, 10)));
  const lfs = await batch(proxied, 'admin/proxied-model', 'download', [{ oid: sha256(content), size: content.length }]);
  const streamed = await fetch(lfs[0]?.actions?.download?.href ?? '', { redirect: 'manual' });
  assert.equal(streamed.status, 200);
  assert.ok(Buffer.from(await streamed.arrayBuffer()).equals(content));
});
