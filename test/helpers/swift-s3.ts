// Starts a throwaway OpenStack Swift with s3api (scripts/swift-s3.sh) for a test file: the real
// S3-compatible server the S3 blob store is tested against, with SigV4, presigned URLs and multipart.
// Swift must be installed (CI's .ci/run installs it): a missing server fails the test, never skips it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../src/config/config.js';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/swift-s3.sh');

export interface SwiftS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** An SDK client with the test credentials, path-style. */
  client: S3Client;
  /** Creates a bucket and returns the config overrides of a Moda server that keeps its blobs there. */
  bucket(name: string, prefix?: string): Promise<Partial<Config>>;
  /** Every object key in a bucket. */
  keys(bucket: string): Promise<string[]>;
  /** Multipart uploads still open in a bucket (neither completed nor aborted). */
  openUploads(bucket: string): Promise<number>;
  /** Stops the S3 endpoint (the proxy); storage servers keep running. */
  stopProxy(): Promise<void>;
  /** Starts the proxy again on the same port. */
  startProxy(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSwiftS3(): Promise<SwiftS3> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-swift-'));
  const script = (command: string) => run('bash', [SCRIPT, command, dir], { timeout: 300_000 });
  const stopOnExit = () => spawnSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  // The servers run in their own sessions: a test file killed on timeout (SIGTERM) must stop them too.
  const stopOnSignal = () => {
    stopOnExit();
    process.exit(143);
  };
  process.on('exit', stopOnExit);
  process.once('SIGTERM', stopOnSignal);
  try {
    await script('start');
  } catch (error) {
    stopOnExit();
    process.off('exit', stopOnExit);
    process.off('SIGTERM', stopOnSignal);
    const logs = await readFile(join(dir, 'log', 'proxy.log'), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start Swift with s3api (scripts/swift-s3.sh; Debian: apt-get install swift swift-proxy swift-object swift-container swift-account memcached)${logs ? `:\n${logs}` : ''}`, { cause: error });
  }
  const env = Object.fromEntries(
    (await readFile(join(dir, 'env'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const endpoint = env.S3_ENDPOINT ?? '';
  const accessKeyId = env.S3_ACCESS_KEY ?? '';
  const secretAccessKey = env.S3_SECRET_KEY ?? '';
  const region = env.S3_REGION ?? 'us-east-1';
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    client,
    async bucket(name, prefix = 'moda') {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return {
        blobStore: { bucket: name, prefix },
        s3Endpoint: endpoint,
        s3Region: region,
        s3ForcePathStyle: true,
        s3AccessKeyId: accessKeyId,
        s3SecretAccessKey: secretAccessKey,
      };
    },
    async keys(bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async openUploads(bucket) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return page.Uploads?.length ?? 0;
    },
    async stopProxy() {
      await script('stop-proxy');
    },
    async startProxy() {
      await script('start-proxy');
    },
    async stop() {
      client.destroy();
      await script('stop').catch(() => undefined);
      process.off('exit', stopOnExit);
      process.off('SIGTERM', stopOnSignal);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
