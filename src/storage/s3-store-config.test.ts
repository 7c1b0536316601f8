// MODA_BLOB_STORE and the S3 settings: what is accepted, what is refused with CONFIG_INVALID, and how
// the SDK's failures map to the catalog's codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/config.js';
import { isModaError } from '../errors/moda-error.js';
import { FsBlobStore } from './fs-blob-store.js';
import { openBlobStore } from './open-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';
import { storeError } from './s3-store-error.js';

const invalidConfig = (error: unknown) => isModaError(error) && error.code === 'CONFIG_INVALID';

void test('MODA_BLOB_STORE: empty keeps files under MODA_HOME, s3://bucket/prefix names a bucket and a key prefix', async () => {
  assert.equal(loadConfig({}).blobStore, null);
  assert.deepEqual(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs' }).blobStore, { bucket: 'moda-lfs', prefix: '' });
  assert.deepEqual(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs/prod/hub/' }).blobStore, { bucket: 'moda-lfs', prefix: 'prod/hub' });
  assert.ok((await openBlobStore(loadConfig({ MODA_HOME: '/tmp/moda-x' }))) instanceof FsBlobStore);
  const s3 = await openBlobStore(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs/p', MODA_S3_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }));
  assert.ok(s3 instanceof S3BlobStore);
  assert.equal(s3.key('ab'.repeat(32)), `p/lfs/ab/ab/${'ab'.repeat(32)}`);
});

void test('bad S3 settings are CONFIG_INVALID errors that name the variable', async () => {
  for (const env of [
    { MODA_BLOB_STORE: 'minio://bucket' },
    { MODA_BLOB_STORE: 's3://' },
    { MODA_BLOB_STORE: 's3://Upper_Case' },
    { MODA_BLOB_STORE: 's3://ab' },
    { MODA_BLOB_STORE: 's3://bucket/../escape' },
    { MODA_BLOB_STORE: 's3://bucket/a//b' },
    { MODA_S3_ENDPOINT: 'minio:9000' },
    { MODA_S3_PUBLIC_ENDPOINT: 'ftp://x' },
    { MODA_S3_FORCE_PATH_STYLE: 'maybe' },
    { MODA_BLOB_PROXY: '2' },
  ]) {
    assert.throws(() => loadConfig(env), (error: unknown) => invalidConfig(error) && (error as Error).message.includes(Object.keys(env)[0] ?? ''), JSON.stringify(env));
  }
  await assert.rejects(openBlobStore(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs', AWS_ACCESS_KEY_ID: 'only-the-key' })), invalidConfig);
});

void test('a bad oid never becomes an object key', async () => {
  const store = (await openBlobStore(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs' }))) as S3BlobStore;
  for (const oid of ['../../etc', 'AB'.repeat(32), 'ab'.repeat(31)]) assert.throws(() => store.key(oid), (error: unknown) => isModaError(error) && error.code === 'BAD_REQUEST');
});

void test('SDK failures: unreachable or 5xx → BLOB_STORE_UNAVAILABLE (503, retryable); refusals → BLOB_STORE_REFUSED', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const unavailable = storeError(refused, 'HEAD k');
  assert.equal(unavailable.code, 'BLOB_STORE_UNAVAILABLE');
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.retryable, true);
  assert.equal(storeError(Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }), 'GET k').code, 'BLOB_STORE_UNAVAILABLE');
  const denied = storeError(Object.assign(new Error('x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), 'GET k');
  assert.equal(denied.code, 'BLOB_STORE_REFUSED');
  assert.match(denied.message, /AccessDenied \(HTTP 403\)/);
});

void test('presigned download URLs name MODA_S3_PUBLIC_ENDPOINT (SigV4 signs the host), the key and an expiry', async () => {
  const oid = 'cd'.repeat(32);
  const env = { MODA_BLOB_STORE: 's3://moda-lfs/hub', MODA_S3_ENDPOINT: 'http://127.0.0.1:9', MODA_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' };
  const internal = new URL(await ((await openBlobStore(loadConfig(env))) as S3BlobStore).downloadUrl(oid, { fileName: 'w.bin' }));
  assert.equal(internal.origin, 'http://127.0.0.1:9');
  const published = new URL(await ((await openBlobStore(loadConfig({ ...env, MODA_S3_PUBLIC_ENDPOINT: 'http://127.0.0.1:8' }))) as S3BlobStore).downloadUrl(oid, { fileName: 'w.bin' }));
  assert.equal(published.origin, 'http://127.0.0.1:8');
  assert.equal(published.pathname, `/moda-lfs/hub/lfs/cd/cd/${oid}`);
  assert.equal(published.searchParams.get('X-Amz-Expires'), '3600');
  assert.equal(published.searchParams.get('X-Amz-SignedHeaders'), 'host');
  assert.match(published.searchParams.get('response-content-disposition') ?? '', /filename="w\.bin"/);
  assert.notEqual(published.searchParams.get('X-Amz-Signature'), internal.searchParams.get('X-Amz-Signature'), 'the host is part of what is signed');
});
