// The AWS SDK is loaded only when the S3 store is configured: a fresh node process (with a module
// resolve hook that reports every module it resolves) opens a local store and resolves no @aws-sdk
// module, then opens an S3 store and does (which shows the hook sees the SDK when it is loaded).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const HOOKS = `export async function initialize({ port }) { globalThis.port = port; }
export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); globalThis.port.postMessage(resolved.url); return resolved; }`;

const SCRIPT = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const sdk = () => seen.filter((url) => url.includes('@aws-sdk')).length;
const { openBlobStore } = await import(${JSON.stringify(new URL('./open-blob-store.ts', import.meta.url).href)});
const { loadConfig } = await import(${JSON.stringify(new URL('../config/config.ts', import.meta.url).href)});
await openBlobStore(loadConfig({ MODA_HOME: '/tmp/moda-open-blob-store' }));
await settle();
const local = sdk();
const modules = seen.length;
await openBlobStore(loadConfig({ MODA_BLOB_STORE: 's3://moda-lfs', MODA_S3_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }));
await settle();
process.stdout.write(JSON.stringify({ local, modules, s3: sdk() }));
`;

void test('a local blob store loads no AWS SDK module; an S3 one loads it on demand', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const report = JSON.parse(stdout) as { local: number; modules: number; s3: number };
  assert.ok(report.modules > 0, 'the hook saw the store modules load');
  assert.equal(report.local, 0);
  assert.ok(report.s3 > 0, 'the S3 store loads the SDK');
});
