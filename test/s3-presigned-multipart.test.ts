// Presigned multipart uploads (issue 16) against OpenStack Swift's s3api: @huggingface/hub asks for
// the `multipart` transfer, gets one presigned part URL per 8 MiB and PUTs the parts straight to the
// store — none of the bytes pass through Moda — then completes through a signed href. The server
// hashes what the store holds in a staging key and copies it under its final key only when sha256
// and size match: tampered parts leave no object (422 LFS_OBJECT_MISMATCH) and no staging object,
// and parts of an upload never completed are aborted by the store's cleanup.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createRepo, downloadFile, uploadFiles } from '@huggingface/hub';
import { S3BlobStore } from '../src/storage/s3-blob-store.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { startSwiftS3, type SwiftS3 } from './helpers/swift-s3.js';

const MiB = 1024 * 1024;
const BUCKET = 'moda-parts';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const lfsKey = (oid: string) => `moda/lfs/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;

let swift: SwiftS3;
let moda: TestServer;

before(async () => {
  swift = await startSwiftS3();
  moda = await startTestServer(await swift.bucket(BUCKET));
  await createRepo({ accessToken: ADMIN_TOKEN, hubUrl: moda.url, repo: { type: 'model', name: 'admin/parts' } });
});
after(async () => {
  await moda?.stop();
  await swift?.stop();
});

interface MultipartAnswer {
  transfer: string;
  objects: { oid: string; actions?: { upload?: { href: string; header?: Record<string, string> } }; error?: unknown }[];
}

async function multipartBatch(objects: { oid: string; size: number }[]): Promise<MultipartAnswer> {
  const response = await moda.request('/admin/parts.git/info/lfs/objects/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], objects, hash_algo: 'sha256' }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as MultipartAnswer;
}

void test('@huggingface/hub uploads a 20 MiB file in presigned parts straight to the store; the object appears once verified', async () => {
  const big = randomBytes(20 * MiB + 7);
  const seen: { method: string; url: string }[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    seen.push({ method: init?.method ?? 'GET', url });
    return fetch(input, init);
  };
  await uploadFiles({ accessToken: ADMIN_TOKEN, hubUrl: moda.url, repo: { type: 'model', name: 'admin/parts' }, files: [{ path: 'weights.bin', content: new Blob([big]) }], fetch: recording });
  const partPuts = seen.filter((request) => request.method === 'PUT' && request.url.startsWith(swift.endpoint));
  assert.equal(partPuts.length, 3, `three 8 MiB parts went to the store: ${JSON.stringify(seen.map((request) => `${request.method} ${request.url.slice(0, 80)}`))}`);
  assert.ok(!seen.some((request) => request.method === 'PUT' && request.url.startsWith(moda.url)), 'no byte was PUT through Moda');
  assert.ok(seen.some((request) => request.method === 'POST' && request.url.includes('/complete?')), 'the upload was completed through the signed href');
  const keys = await swift.keys(BUCKET);
  assert.ok(keys.includes(lfsKey(sha256(big))), keys.join(' '));
  assert.ok(!keys.some((key) => key.includes('/staging/')), `no staging object is left: ${keys.join(' ')}`);
  assert.equal(await swift.openUploads(BUCKET), 0);
  const downloaded = await downloadFile({ accessToken: ADMIN_TOKEN, hubUrl: moda.url, repo: { type: 'model', name: 'admin/parts' }, path: 'weights.bin' });
  assert.equal(sha256(new Uint8Array(await downloaded!.arrayBuffer())), sha256(big));
});

void test('tampered parts are refused at completion: no object, no staging object, no open upload', async () => {
  const real = randomBytes(9 * MiB);
  const oid = sha256(real);
  const answer = await multipartBatch([{ oid, size: real.length }]);
  assert.equal(answer.transfer, 'multipart');
  const upload = answer.objects[0]?.actions?.upload;
  assert.ok(upload?.header?.chunk_size, JSON.stringify(answer));
  const chunk = Number(upload.header.chunk_size);
  const parts = Object.keys(upload.header).filter((key) => /^\d+$/.test(key)).sort();
  assert.equal(parts.length, 2);
  const forged = Buffer.alloc(real.length, 1);
  const etags: { partNumber: number; etag: string }[] = [];
  for (const part of parts) {
    const index = Number(part) - 1;
    const put = await fetch(upload.header[part]!, { method: 'PUT', body: forged.subarray(index * chunk, (index + 1) * chunk) });
    assert.equal(put.status, 200, await put.text());
    etags.push({ partNumber: index + 1, etag: put.headers.get('etag') ?? '' });
  }
  const completed = await fetch(upload.href, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid, parts: etags }) });
  assert.equal(completed.status, 422, await completed.clone().text());
  assert.equal(completed.headers.get('x-error-code'), 'LFS_OBJECT_MISMATCH');
  const keys = await swift.keys(BUCKET);
  assert.ok(!keys.includes(lfsKey(oid)), 'the forged object never appears under its key');
  assert.ok(!keys.some((key) => key.includes(oid)), `nothing of it is left: ${keys.join(' ')}`);
  assert.equal(await swift.openUploads(BUCKET), 0);
  const verify = await moda.request('/admin/parts.git/info/lfs/verify', { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid, size: real.length }) });
  assert.equal(verify.status, 422);
});

void test('a completion with bad parts or a bad signature is refused; an abandoned upload is aborted by cleanup', async () => {
  const content = randomBytes(8 * MiB + 1);
  const oid = sha256(content);
  const upload = (await multipartBatch([{ oid, size: content.length }])).objects[0]?.actions?.upload;
  assert.ok(upload?.header);
  const post = (href: string, body: unknown) => fetch(href, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify(body) });
  assert.equal((await post(upload.href, { oid, parts: 'no' })).status, 400);
  assert.equal((await post(upload.href.replace(/sig=[^&]+/, 'sig=1.forged'), { oid, parts: [{ partNumber: 1, etag: 'x' }] })).status, 401);
  // One part sent, never completed: the multipart upload stays open until cleanup aborts it.
  const first = await fetch(upload.header['00001']!, { method: 'PUT', body: content.subarray(0, Number(upload.header.chunk_size)) });
  assert.equal(first.status, 200);
  assert.ok((await swift.openUploads(BUCKET)) >= 1);
  const store = new S3BlobStore({ bucket: BUCKET, prefix: 'moda', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, publicEndpoint: '', accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey, staleUploadMs: 1 });
  // Swift stamps uploads to the second: past that second, the upload is older than the 1 ms allowed.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await store.cleanup();
  assert.equal(await swift.openUploads(BUCKET), 0);
});

/** PUTs every part of a `multipart` upload action; the parts' ETags, in order. */
async function sendParts(upload: { header?: Record<string, string> }, content: Uint8Array): Promise<{ partNumber: number; etag: string }[]> {
  const header = upload.header ?? {};
  const chunk = Number(header.chunk_size);
  const parts = Object.keys(header).filter((key) => /^\d+$/.test(key)).sort();
  return Promise.all(
    parts.map(async (part) => {
      const index = Number(part) - 1;
      const put = await fetch(header[part]!, { method: 'PUT', body: content.subarray(index * chunk, (index + 1) * chunk) });
      assert.equal(put.status, 200, await put.text());
      return { partNumber: index + 1, etag: put.headers.get('etag') ?? '' };
    }),
  );
}

void test('two clients uploading one object at once: each upload stages under its own key, both complete, nothing is left', async () => {
  const content = randomBytes(16 * MiB + 3);
  const oid = sha256(content);
  // Both ask before either completes: neither is told the object exists.
  const [first, second] = await Promise.all([multipartBatch([{ oid, size: content.length }]), multipartBatch([{ oid, size: content.length }])]);
  const uploads = [first.objects[0]?.actions?.upload, second.objects[0]?.actions?.upload];
  assert.ok(uploads.every((upload) => upload?.header?.['00001']), JSON.stringify([first, second]));
  const stagingPath = (upload: (typeof uploads)[number]) => new URL(upload!.header!['00001']!).pathname;
  assert.notEqual(stagingPath(uploads[0]), stagingPath(uploads[1]), 'the two uploads stage under different keys');
  const etags = await Promise.all(uploads.map((upload) => sendParts(upload!, content)));
  // Completed at once: each hashes and removes only its own staging object.
  const completed = await Promise.all(
    uploads.map((upload, index) => fetch(upload!.href, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid, parts: etags[index] }) })),
  );
  for (const answer of completed) assert.equal(answer.status, 200, await answer.text());
  const keys = await swift.keys(BUCKET);
  assert.ok(keys.includes(lfsKey(oid)), keys.join(' '));
  assert.ok(!keys.some((key) => key.includes('/staging/')), `no staging object is left: ${keys.join(' ')}`);
  assert.equal(await swift.openUploads(BUCKET), 0, 'no upload is left open');
  const stored = await moda.request('/admin/parts.git/info/lfs/objects/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ operation: 'download', objects: [{ oid, size: content.length }] }),
  });
  const href = ((await stored.json()) as { objects: { actions?: { download?: { href: string } } }[] }).objects[0]?.actions?.download?.href;
  assert.ok(href);
  const body = new Uint8Array(await (await fetch(href)).arrayBuffer());
  assert.equal(sha256(body), oid, 'the object is the uploaded content');
});

void test('a completion whose upload id is not one the batch answer gave is refused with 400', async () => {
  const content = randomBytes(8 * MiB + 5);
  const oid = sha256(content);
  const upload = (await multipartBatch([{ oid, size: content.length }])).objects[0]?.actions?.upload;
  assert.ok(upload);
  const forged = upload.href.replace(/upload=[^&]+/, 'upload=not-an-upload');
  const answer = await fetch(forged, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid, parts: [{ partNumber: 1, etag: 'x' }] }) });
  assert.equal(answer.status, 400, await answer.clone().text());
  assert.equal(answer.headers.get('x-error-code'), 'BAD_REQUEST');
});

void test('an upload begun by a release before per-upload staging keys (an id without a nonce) still completes after an upgrade', async () => {
  const content = randomBytes(8 * MiB + 3);
  const oid = sha256(content);
  // What the previous release did at the batch: one multipart upload at lfs/staging/<oid>.
  const legacyKey = `moda/lfs/staging/${oid}`;
  const created = await swift.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: legacyKey }));
  const part = await swift.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: legacyKey, UploadId: created.UploadId, PartNumber: 1, Body: content }));
  // A completion href of this release, carrying the old upload's id as the client would.
  const upload = (await multipartBatch([{ oid, size: content.length }])).objects[0]?.actions?.upload;
  assert.ok(upload && created.UploadId && part.ETag);
  const legacy = upload.href.replace(/upload=[^&]+/, `upload=${encodeURIComponent(created.UploadId)}`);
  const answer = await fetch(legacy, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ oid, parts: [{ partNumber: 1, etag: part.ETag }] }) });
  assert.equal(answer.status, 200, await answer.clone().text());
  const keys = await swift.keys(BUCKET);
  assert.ok(keys.includes(lfsKey(oid)), keys.join(' '));
  assert.ok(!keys.includes(legacyKey), 'the old staging object is removed');
  // The batch above began an upload of this release that no client completes: abort it.
  const open = await swift.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `moda/lfs/staging/${oid}/` }));
  for (const left of open.Uploads ?? []) await swift.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: left.Key, UploadId: left.UploadId }));
  const legacyLeft = await swift.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: legacyKey }));
  assert.equal(legacyLeft.Uploads?.length ?? 0, 0, 'the old upload was completed, not left open');
});
