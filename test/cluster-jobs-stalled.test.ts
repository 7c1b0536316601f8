// A worker that stalls past its lease and then comes back (issue 16): a GC pause, a frozen VM or a
// SIGSTOP looks like a dead worker, so another worker takes the job over and runs it again. When the
// stalled one wakes up, its attempt is fenced: every write names the attempt it holds (runner and
// attempt number), so its progress, log lines, outcome and commit are refused and leave no trace;
// it does not revoke the new attempt's token either. Simulated with SIGSTOP/SIGCONT of the worker
// and its job process, with the job committing through the hub in the job process, as tune jobs do.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { leasedWorkerCluster } from './helpers/cluster-worker.js';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';

const LEASE = '3s';
const { startWorker, api } = leasedWorkerCluster(LEASE);

/** The process and its descendants (the worker's job processes), from Linux's /proc. */
function processTree(pid: number): number[] {
  let children: number[];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').map(Number).filter((child) => child > 0));
  } catch {
    // Exited while it was read (a git process of the job).
    return [];
  }
  return [pid, ...children.flatMap(processTree)];
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
  }
}

async function headCommits(repo: string): Promise<{ id: string; title: string }[]> {
  const answer = await api(`/api/models/${repo}/commits/main`);
  assert.equal(answer.status, 200, await answer.clone().text());
  return (await answer.json()) as { id: string; title: string }[];
}

void test('a worker stalled past its lease wakes up after the take-over: its attempt writes nothing, the new one completes once', async () => {
  const created = await api('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'stalled', organization: 'admin' }) });
  assert.equal(created.status, 200, await created.text());
  const stalling = await startWorker('host-a');
  const job = await createJob(api, 'test-steps', { steps: 12, stepMs: 400, repo: 'admin/stalled', direct: true });
  // Half-way: once awake, the stalled attempt is ahead of the new one and reaches its commit first.
  await waitForJob(api, job.id, (row) => row.state === 'running' && (row.progress.fraction ?? 0) >= 0.5);
  const frozen = processTree(stalling.process.pid!);
  assert.ok(frozen.length >= 2, 'the worker runs the job in a child process');
  for (const pid of frozen) process.kill(pid, 'SIGSTOP');
  try {
    await startWorker('host-b');
    // Its BullMQ lock expired: host-b takes the job over and runs attempt 2.
    await waitForJob(api, job.id, (row) => row.state === 'running' && row.attempts === 2, 90_000);
  } finally {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
  }
  // Awake, attempt 1 finishes its steps and tries to commit; its job process then exits.
  await until('the stalled job process ending', () => processTree(stalling.process.pid!).length === 1, 60_000);
  const done = await waitForJob(api, job.id, finished, 60_000);
  assert.deepEqual([done.state, done.attempts, done.error], ['succeeded', 2, null], JSON.stringify(done));
  const commits = await headCommits('admin/stalled');
  const jobCommits = commits.filter((commit) => /^12 steps/.test(commit.title));
  assert.deepEqual(jobCommits.map((commit) => commit.title), ['12 steps (attempt 2)'], 'only the current attempt committed');
  assert.equal(done.result?.commit, commits[0]?.id);
  const log = await jobLog(api, job.id);
  assert.equal(log.filter((line) => /^attempt \d+ of/.test(line)).length, 2, log.join('\n'));
  assert.equal(log.filter((line) => line === 'succeeded').length, 1, log.join('\n'));
  // Attempt 1 stopped half-way; the steps it ran after waking up were never logged.
  assert.equal(log.filter((line) => line === 'step 12').length, 1, log.join('\n'));
  assert.ok(!log.some((line) => /JOB_LEASE_LOST|failed/.test(line)), log.join('\n'));
  // Only the stalled worker's own log says what it dropped.
  await until('the stalled worker reporting its dropped outcome', () => /job \S+: attempt 1 was taken over .* is dropped/.test(stalling.output()), 30_000);
});
