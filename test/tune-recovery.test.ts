// A `moda serve` process SIGKILLed while a tune job trains: nothing of the model is committed (no
// output repo at all), the busy job process does not train on behind the next start's back, and the
// next start re-queues the job (2 attempts allowed), which then commits the whole model once.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';
import { alive, recordedJobPid, restartFixture, until, type RestartFixture } from './helpers/job-processes.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let fixture: RestartFixture | undefined;

after(() => fixture?.cleanup());

void test('a server killed mid-training leaves no half-written model; the next start re-runs the job to one whole commit', async () => {
  fixture = await restartFixture('tune-recovery', 'hf_moda_tune_recovery_admin', { MODA_JOB_CONCURRENCY: '1' });
  const first = await fixture.start();
  const created = await first.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mail', type: 'dataset' }) });
  assert.equal(created.status, 200);
  const csv = toCsv(topicTexts(1500, 11, 3), ['text', 'label']);
  const commit = await first.request('/api/datasets/admin/mail/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [JSON.stringify({ key: 'header', value: { summary: 'data' } }), JSON.stringify({ key: 'file', value: { path: 'train.csv', content: Buffer.from(csv).toString('base64'), encoding: 'base64' } })].join('\n'),
  });
  assert.equal(commit.status, 200, await commit.text());

  // Long enough to be killed mid-training on any machine; the re-run is the same job.
  const job = await createJob(first.request, 'tune', { method: 'fasttext', dataset: 'admin/mail', output_repo: 'admin/mail-classifier', hyperparameters: { epochs: 60, dim: 20 } });
  await waitForJob(first.request, job.id, (current) => /^epoch /.test(current.progress.message ?? '') || finished(current), 240_000);
  const pid = recordedJobPid(fixture.home, job.id);
  assert.ok(pid, 'the running job records its process');
  fixture.watch(pid);

  await first.kill({ onlyServer: true });
  assert.equal((await first.request('/api/models/admin/mail-classifier').catch(() => undefined))?.status ?? 0, 0, 'the server is gone');

  const second = await fixture.start();
  // The start stops the orphaned, CPU-busy job process before running the job again.
  await until('the next start stopping the orphaned job process', () => !alive(pid), 15_000);
  const rerun = await waitForJob(second.request, job.id, finished, 240_000);
  assert.equal(rerun.state, 'succeeded', JSON.stringify(rerun));
  assert.equal(rerun.attempts, 2);
  const lines = await jobLog(second.request, job.id);
  assert.ok(lines.some((line) => /server stopped while attempt 1 was running; re-queued/.test(line)), lines.join(' | '));
  // The repo was created by the second attempt with the model in its one commit after creation.
  const commits = (await (await second.request('/api/models/admin/mail-classifier/commits/main')).json()) as { id: string }[];
  assert.equal(commits.length, 2);
  assert.equal(commits[0]?.id, (rerun.result as { commit: string }).commit);
});
