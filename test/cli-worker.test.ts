// `moda worker`'s bad configurations: it refuses to start, with CONFIG_INVALID and what to set,
// without Redis (only a cluster has a job queue to take jobs from) or without the API URL jobs act through.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCli } from '../src/cli/run-cli.js';

let home: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-cli-worker-'));
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

async function worker(env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['worker'], { env: { MODA_HOME: home, ...env }, stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => (stderr += chunk) }, stdin: Readable.from([]) });
  return { code, stdout, stderr };
}

void test('moda worker without MODA_REDIS_URL fails with CONFIG_INVALID', async () => {
  const result = await worker({ MODA_PUBLIC_URL: 'http://127.0.0.1:9' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /CONFIG_INVALID/);
  assert.match(result.stderr, /MODA_REDIS_URL/);
});

void test('moda worker without MODA_PUBLIC_URL fails with CONFIG_INVALID', async () => {
  const result = await worker({ MODA_REDIS_URL: 'redis://127.0.0.1:9' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /CONFIG_INVALID/);
  assert.match(result.stderr, /MODA_PUBLIC_URL/);
});

void test('moda worker with a MODA_JOB_WORKER that is not a flag fails with CONFIG_INVALID', async () => {
  const result = await worker({ MODA_REDIS_URL: 'redis://127.0.0.1:9', MODA_PUBLIC_URL: 'http://127.0.0.1:9', MODA_JOB_WORKER: 'maybe' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /CONFIG_INVALID/);
  assert.match(result.stderr, /MODA_JOB_WORKER/);
});
