// `moda jobs …` against a real server: create and follow a job (log lines on stdout, a progress bar
// on a terminal's stderr), list, show, logs, cancel and retry, and clear errors for bad input.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliSession, type CliSession } from './helpers/cli-session.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { finished, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';

let server: TestServer;
let cli: CliSession;
let alice: string;

before(async () => {
  server = await startTestServer({ jobModules: [TEST_JOB_MODULE] });
  alice = await createUserWithToken(server, 'alice');
  cli = await cliSession(server.url, alice);
});

after(async () => {
  await server?.stop();
  await cli?.close();
});

void test('moda jobs create -f follows the job: log lines on stdout, a progress bar on a terminal', async () => {
  const run = await cli.run(['jobs', 'create', 'test-steps', '--params', '{"steps":4,"stepMs":150}', '-f'], { tty: true });
  assert.equal(run.code, 0, run.stderr);
  for (let step = 1; step <= 4; step++) assert.match(run.stdout, new RegExp(`^step ${step}$`, 'm'));
  assert.match(run.stderr, /test-steps \[#+-*\] \d+% step \d of 4/);
  assert.match(run.stderr, /job [0-9a-z]+ succeeded/);
});

void test('moda jobs list, show and logs', async () => {
  const listed = await cli.run(['jobs', 'list', '--state', 'succeeded', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const jobs = JSON.parse(listed.stdout) as JobJson[];
  assert.ok(jobs.length >= 1 && jobs.every((job) => job.state === 'succeeded'));
  const id = jobs[0]?.id ?? '';
  const table = await cli.run(['jobs']);
  assert.match(table.stdout, /^ID\s+TYPE\s+STATE\s+PROGRESS\s+OWNER/m);
  assert.match(table.stdout, new RegExp(`^${id}\\s+test-steps\\s+succeeded`, 'm'));
  const shown = await cli.run(['jobs', 'show', id]);
  assert.match(shown.stdout, /owner alice, attempt 1 of 2/);
  assert.match(shown.stdout, /result \{"steps":4\}/);
  const logs = await cli.run(['jobs', 'logs', id]);
  assert.match(logs.stdout, /^step 4\nsucceeded\n$/m);
});

void test('moda jobs cancel and retry; cancel of a finished job and bad input fail with clear errors', async () => {
  const created = await cli.run(['jobs', 'create', 'test-steps', '--params', '{"steps":300,"stepMs":50}']);
  const id = created.stdout.trim();
  await waitForJob(server.request, id, (job) => job.state === 'running', 180_000, alice);
  const cancelled = await cli.run(['jobs', 'cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  await waitForJob(server.request, id, finished, 10_000, alice);
  const again = await cli.run(['jobs', 'cancel', id]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /JOB_ALREADY_FINISHED|already/);
  const retried = await cli.run(['jobs', 'retry', id]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stderr, /queued again/);
  await cli.run(['jobs', 'cancel', id]);
  // Following a job that ends cancelled exits non-zero.
  const followed = await cli.run(['jobs', 'logs', id, '-f']);
  assert.notEqual(followed.code, 0);
  assert.match(followed.stderr, /cancelled/);

  const unknown = await cli.run(['jobs', 'create', 'no-such-type']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /no job type "no-such-type"/);
  const badJson = await cli.run(['jobs', 'create', 'test-steps', '--params', '{steps']);
  assert.notEqual(badJson.code, 0);
  assert.match(badJson.stderr, /--params must be a JSON object/);
  const badState = await cli.run(['jobs', 'list', '--state', 'sleeping']);
  assert.notEqual(badState.code, 0);
  const missing = await cli.run(['jobs', 'show', 'nosuchjob']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no job nosuchjob|JOB_NOT_FOUND/);
});
