// `moda jobs …` against a real server: create and follow a job (log lines on stdout, a progress bar
// on a terminal's stderr), list, show, logs, cancel and retry, and clear errors for bad input.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCli } from '../src/cli/run-cli.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { finished, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let work: string;
let alice: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-cli-jobs-'));
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE] });
  alice = await createUserWithToken(server, 'alice');
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

async function moda(args: string[], options: { tty?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli'), MODA_ENDPOINT: server.url, MODA_TOKEN: alice },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.tty === true },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

void test('moda jobs create -f follows the job: log lines on stdout, a progress bar on a terminal', async () => {
  const run = await moda(['jobs', 'create', 'test-steps', '--params', '{"steps":4,"stepMs":150}', '-f'], { tty: true });
  assert.equal(run.code, 0, run.stderr);
  for (let step = 1; step <= 4; step++) assert.match(run.stdout, new RegExp(`^step ${step}$`, 'm'));
  assert.match(run.stderr, /test-steps \[#+-*\] \d+% step \d of 4/);
  assert.match(run.stderr, /job [0-9a-z]+ succeeded/);
});

void test('moda jobs list, show and logs', async () => {
  const listed = await moda(['jobs', 'list', '--state', 'succeeded', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const jobs = JSON.parse(listed.stdout) as JobJson[];
  assert.ok(jobs.length >= 1 && jobs.every((job) => job.state === 'succeeded'));
  const id = jobs[0]?.id ?? '';
  const table = await moda(['jobs']);
  assert.match(table.stdout, /^ID\s+TYPE\s+STATE\s+PROGRESS\s+OWNER/m);
  assert.match(table.stdout, new RegExp(`^${id}\\s+test-steps\\s+succeeded`, 'm'));
  const shown = await moda(['jobs', 'show', id]);
  assert.match(shown.stdout, /owner alice, attempt 1 of 2/);
  assert.match(shown.stdout, /result \{"steps":4\}/);
  const logs = await moda(['jobs', 'logs', id]);
  assert.match(logs.stdout, /^step 4\nsucceeded\n$/m);
});

void test('moda jobs cancel and retry; cancel of a finished job and bad input fail with clear errors', async () => {
  const created = await moda(['jobs', 'create', 'test-steps', '--params', '{"steps":300,"stepMs":50}']);
  const id = created.stdout.trim();
  await waitForJob(server.request, id, (job) => job.state === 'running', 180_000, alice);
  const cancelled = await moda(['jobs', 'cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  await waitForJob(server.request, id, finished, 10_000, alice);
  const again = await moda(['jobs', 'cancel', id]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /JOB_ALREADY_FINISHED|already/);
  const retried = await moda(['jobs', 'retry', id]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stderr, /queued again/);
  await moda(['jobs', 'cancel', id]);
  // Following a job that ends cancelled exits non-zero.
  const followed = await moda(['jobs', 'logs', id, '-f']);
  assert.notEqual(followed.code, 0);
  assert.match(followed.stderr, /cancelled/);

  const unknown = await moda(['jobs', 'create', 'no-such-type']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /no job type "no-such-type"/);
  const badJson = await moda(['jobs', 'create', 'test-steps', '--params', '{steps']);
  assert.notEqual(badJson.code, 0);
  assert.match(badJson.stderr, /--params must be a JSON object/);
  const badState = await moda(['jobs', 'list', '--state', 'sleeping']);
  assert.notEqual(badState.code, 0);
  const missing = await moda(['jobs', 'show', 'nosuchjob']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no job nosuchjob|JOB_NOT_FOUND/);
});
