// `moda migrate-storage`: a single-machine MODA_HOME's LFS objects copied into S3 (Swift with s3api),
// each sha256 checked; a damaged local blob is reported and the run exits 1 without stopping the
// others; a second run copies nothing and only reports what is present; a server switched to
// MODA_BLOB_STORE=s3://… then serves the old repos with the local blobs gone.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createModel, lfsUploadAndCommit } from './helpers/lfs-upload.js';
import { startTestServer } from './helpers/moda-server.js';
import { startSwiftS3, type SwiftS3 } from './helpers/swift-s3.js';
import { runModa } from './security/cli-helper.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let swift: SwiftS3;
let home: string;

before(async () => {
  swift = await startSwiftS3();
  home = await mkdtemp(join(tmpdir(), 'moda-migrate-'));
});
after(async () => {
  await swift?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

void test('migrate-storage copies and verifies every blob, reports a damaged one, resumes, and the cluster serves the old repos', async () => {
  const files = { 'small.bin': randomBytes(MiB + 3), 'large.bin': randomBytes(18 * MiB + 1) };
  const single = await startTestServer({}, home);
  try {
    await createModel(single, 'old-model');
    for (const [path, content] of Object.entries(files)) await lfsUploadAndCommit(single, 'admin/old-model', path, content);
  } finally {
    await single.stop();
  }
  // A blob whose bytes no longer match its name (disk damage): reported, never copied.
  const damaged = randomBytes(1000);
  const damagedOid = sha256(randomBytes(1000));
  await mkdir(join(home, 'blobs', 'sha256', damagedOid.slice(0, 2)), { recursive: true });
  await writeFile(join(home, 'blobs', 'sha256', damagedOid.slice(0, 2), damagedOid.slice(2)), damaged);

  const s3 = await swift.bucket('moda-migrated', 'hub');
  const env = {
    MODA_HOME: home,
    MODA_BLOB_STORE: 's3://moda-migrated/hub',
    MODA_S3_ENDPOINT: swift.endpoint,
    MODA_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: swift.accessKeyId,
    AWS_SECRET_ACCESS_KEY: swift.secretAccessKey,
  };
  const first = await runModa(['migrate-storage'], env);
  assert.equal(first.code, 1, 'a failed blob fails the run');
  assert.match(first.stdout, /copied 2 .*already present 0, failed 1/);
  assert.match(first.stderr, new RegExp(`FAILED ${damagedOid}: .*sha256`));
  const keys = await swift.keys('moda-migrated');
  for (const content of Object.values(files)) {
    const oid = sha256(content);
    assert.ok(keys.includes(`hub/lfs/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`), `${oid} is in S3 under its sha256 key`);
  }
  assert.ok(!keys.some((key) => key.endsWith(damagedOid)), 'the damaged blob is not in S3');
  assert.equal(await swift.openUploads('moda-migrated'), 0);

  await rm(join(home, 'blobs', 'sha256', damagedOid.slice(0, 2), damagedOid.slice(2)));
  const again = await runModa(['migrate-storage', '--verify-existing'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /copied 0 .*already present 2, failed 0/);

  // The cluster serves the migrated repo from S3 alone.
  await rm(join(home, 'blobs'), { recursive: true, force: true });
  const cluster = await startTestServer({ ...s3, blobProxy: true }, home);
  try {
    for (const [path, content] of Object.entries(files)) {
      const response = await cluster.request(`/admin/old-model/resolve/main/${path}`);
      assert.equal(response.status, 200);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(content), `${path} comes back from S3`);
    }
  } finally {
    await cluster.stop();
  }
});

void test('migrate-storage refuses bad input with clear errors', async () => {
  const noTarget = await runModa(['migrate-storage'], { MODA_HOME: home });
  assert.equal(noTarget.code, 1);
  assert.match(noTarget.stderr, /MODA_BLOB_STORE must name the target.*\[CONFIG_INVALID\]/);
  const env = { MODA_HOME: home, MODA_BLOB_STORE: 's3://moda-migrated/hub', MODA_S3_ENDPOINT: swift.endpoint, MODA_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: swift.accessKeyId, AWS_SECRET_ACCESS_KEY: swift.secretAccessKey };
  const missing = await runModa(['migrate-storage', '--from', join(home, 'nowhere')], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /holds no blob store.*\[PATH_INVALID\]/);
  const badConcurrency = await runModa(['migrate-storage', '--concurrency', '0'], env);
  assert.equal(badConcurrency.code, 1);
  assert.match(badConcurrency.stderr, /\[VALIDATION_FAILED\]/);
  const source = await mkdtemp(join(tmpdir(), 'moda-migrate-src-'));
  try {
    const blob = randomBytes(100);
    const oid = sha256(blob);
    await mkdir(join(source, 'sha256', oid.slice(0, 2)), { recursive: true });
    await writeFile(join(source, 'sha256', oid.slice(0, 2), oid.slice(2)), blob);
    const wrongSecret = await runModa(['migrate-storage', '--from', source], { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    assert.equal(wrongSecret.code, 1);
    assert.match(wrongSecret.stderr, new RegExp(`FAILED ${oid}: object store: .*HTTP 403`), 'S3 refusing the signature is named');
  } finally {
    await rm(source, { recursive: true, force: true });
  }
});
