// MODA_BLOB_STORE=s3://… when things go wrong, against Swift with s3api (scripts/swift-s3.sh): an
// upload whose sha256 or size is wrong leaves no object, an interrupted multipart upload leaves no
// parts (ListMultipartUploads is empty), and an object store that goes down gives 503
// BLOB_STORE_UNAVAILABLE for uploads and downloads until it is back, without a restart.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../src/storage/s3-blob-store.js';
import { batch, createModel, lfsUploadAndCommit } from './helpers/lfs-upload.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { startSwiftS3, type SwiftS3 } from './helpers/swift-s3.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const lfsKey = (oid: string) => `moda/lfs/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;

let swift: SwiftS3;
let moda: TestServer;
let proxied: TestServer;

before(async () => {
  swift = await startSwiftS3();
  moda = await startTestServer(await swift.bucket('moda-failures'));
  proxied = await startTestServer({ ...(await swift.bucket('moda-failures-proxied')), blobProxy: true });
});
after(async () => {
  await moda?.stop();
  await proxied?.stop();
  await swift?.stop();
});

/** A PUT that sends `sendBytes` of `content` in 1 MiB writes, waits for `ready`, then drops the connection. */
async function interruptedPut(href: string, content: Buffer, sendBytes: number, ready: () => Promise<boolean>): Promise<void> {
  const request = httpRequest(href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(content.length) } });
  request.on('error', () => undefined);
  for (let offset = 0; offset < sendBytes; offset += MiB) {
    if (!request.write(content.subarray(offset, offset + MiB))) await new Promise((resolve) => request.once('drain', resolve));
  }
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('the upload never reached the object store');
    await sleep(50);
  }
  request.destroy();
}

async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

void test('an upload whose sha256 or size is wrong leaves no object, single PUT or multipart', async () => {
  await createModel(moda, 'bad-upload');
  for (const size of [MiB, 10 * MiB]) {
    const declared = randomBytes(size);
    const oid = sha256(declared);
    const [answer] = await batch(moda, 'admin/bad-upload', 'upload', [{ oid, size }]);
    const other = randomBytes(size);
    const put = await fetch(answer?.actions?.upload?.href ?? '', { method: 'PUT', body: other });
    assert.equal(put.status, 422);
    assert.equal(put.headers.get('x-error-code'), 'LFS_OBJECT_MISMATCH');
    assert.ok(!(await swift.keys('moda-failures')).includes(lfsKey(oid)), `no object for the bad ${size}-byte upload`);
    assert.equal(await swift.openUploads('moda-failures'), 0, 'its parts were aborted');
    const short = await fetch(answer?.actions?.upload?.href ?? '', { method: 'PUT', body: declared.subarray(0, size - 1) });
    assert.equal(short.status, 422, 'a body shorter than the declared size is refused');
    assert.ok(!(await swift.keys('moda-failures')).includes(lfsKey(oid)));
  }
});

void test('an interrupted multipart upload leaves no object and no parts (ListMultipartUploads is empty)', async () => {
  await createModel(moda, 'interrupted');
  const content = randomBytes(24 * MiB);
  const oid = sha256(content);
  const [answer] = await batch(moda, 'admin/interrupted', 'upload', [{ oid, size: content.length }]);
  await interruptedPut(answer?.actions?.upload?.href ?? '', content, 16 * MiB, async () => (await swift.openUploads('moda-failures')) > 0);
  await eventually('the multipart upload is aborted', async () => (await swift.openUploads('moda-failures')) === 0);
  assert.ok(!(await swift.keys('moda-failures')).includes(lfsKey(oid)));
  // The same object uploads cleanly afterwards.
  const put = await fetch(answer?.actions?.upload?.href ?? '', { method: 'PUT', body: content });
  assert.equal(put.status, 200);
  assert.ok((await swift.keys('moda-failures')).includes(lfsKey(oid)));
});

void test('the object store down: 503 BLOB_STORE_UNAVAILABLE for downloads and uploads, then recovery without a restart', async () => {
  await createModel(moda, 'outage');
  const content = randomBytes(MiB);
  await lfsUploadAndCommit(moda, 'admin/outage', 'w.bin', content);
  await createModel(proxied, 'proxied-outage');
  await lfsUploadAndCommit(proxied, 'admin/proxied-outage', 'w.bin', content);
  const next = randomBytes(MiB);
  const [answer] = await batch(moda, 'admin/outage', 'upload', [{ oid: sha256(next), size: next.length }]);
  await swift.stopProxy();
  try {
    const download = await moda.request('/admin/outage/resolve/main/w.bin', { redirect: 'manual' });
    assert.equal(download.status, 503);
    assert.equal(download.headers.get('x-error-code'), 'BLOB_STORE_UNAVAILABLE');
    const body = (await download.json()) as { error?: string };
    assert.match(JSON.stringify(body), /object store/);
    const upload = await fetch(answer?.actions?.upload?.href ?? '', { method: 'PUT', body: next });
    assert.equal(upload.status, 503);
    assert.equal(upload.headers.get('x-error-code'), 'BLOB_STORE_UNAVAILABLE');
    await upload.body?.cancel();
    const proxiedDownload = await proxied.request('/admin/proxied-outage/resolve/main/w.bin');
    assert.equal(proxiedDownload.status, 503);
    await proxiedDownload.body?.cancel();
  } finally {
    await swift.startProxy();
  }
  const download = await moda.request('/admin/outage/resolve/main/w.bin');
  assert.equal(download.status, 200);
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(content));
  const upload = await fetch(answer?.actions?.upload?.href ?? '', { method: 'PUT', body: next });
  assert.equal(upload.status, 200);
  const proxiedDownload = await proxied.request('/admin/proxied-outage/resolve/main/w.bin', { headers: { range: 'bytes=10-19' } });
  assert.equal(proxiedDownload.status, 206);
  assert.ok(Buffer.from(await proxiedDownload.arrayBuffer()).equals(content.subarray(10, 20)));
});

void test('multipart uploads left by a killed replica are aborted by the next start-up cleanup once stale, fresh ones are left alone', async () => {
  await swift.client.send(new CreateMultipartUploadCommand({ Bucket: 'moda-failures', Key: lfsKey('ab'.repeat(32)) }));
  const options = { bucket: 'moda-failures', prefix: 'moda', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, publicEndpoint: '', accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey };
  await new S3BlobStore(options).cleanup();
  assert.equal(await swift.openUploads('moda-failures'), 1, 'an upload started just now may belong to a live replica');
  // Swift keeps whole seconds: a cutoff in the future makes the one just started count as stale.
  await new S3BlobStore({ ...options, staleUploadMs: -60_000 }).cleanup();
  assert.equal(await swift.openUploads('moda-failures'), 0);
});
