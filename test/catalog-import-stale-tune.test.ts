// A starter tuned entry's tune job can still be waiting when the catalog is imported again. An
// import that finds the entry as it was reuses that job; one that finds the entry's params changed
// cancels the stale job (it would commit the old entry's model) and queues one with the new params.
// One job slot and blocking test jobs between the imports keep every tune job queued until the
// test lets it run, so each import meets the state it is meant to meet.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, getJob, jobLog, TEST_JOB_MODULE, waitForJob, type JobJson } from './helpers/jobs.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let dir: string;
let catalogDir: string;
let server: TestServer;

async function writeTunedCatalog(hyperparameters: Record<string, unknown>): Promise<void> {
  await mkdir(join(catalogDir, 'mail'), { recursive: true });
  await writeFile(join(catalogDir, 'mail', 'catalog.json'), JSON.stringify({ type: 'dataset', repo: 'moda/mail', version: 1, files: [] }));
  await writeFile(join(catalogDir, 'mail', 'train.csv'), toCsv(topicTexts(20, 7), ['text', 'label']));
  await mkdir(join(catalogDir, 'mail-filter'), { recursive: true });
  await writeFile(join(catalogDir, 'mail-filter', 'catalog.json'), JSON.stringify({ type: 'tuned', repo: 'moda/mail-filter', version: 1, files: [], tune: { method: 'fasttext', dataset: 'moda/mail', columns: { text: 'text' }, hyperparameters } }));
}

/** A job that holds the only job slot until it is cancelled. */
const blocker = () => createJob(server.request, 'test-steps', { steps: 1, stepMs: 60_000 });

async function cancel(id: string): Promise<void> {
  const response = await server.request(`/api/v1/jobs/${id}/cancel`, { method: 'POST' });
  assert.equal(response.ok, true, await response.text());
}

async function tuneJobs(): Promise<JobJson[]> {
  const { jobs } = (await (await server.request('/api/v1/jobs?type=tune')).json()) as { jobs: JobJson[] };
  return jobs.sort((a, b) => a.id.localeCompare(b.id));
}

interface ImportResult {
  queued: number;
  repos: { repo: string; status: string; reason?: string }[];
}

const tunedEntry = (job: JobJson) => (job.result as unknown as ImportResult).repos.find((entry) => entry.repo === 'moda/mail-filter');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-catalog-stale-tune-'));
  catalogDir = join(dir, 'catalog');
  await writeTunedCatalog({ epochs: 2 });
  server = await startTestServer({ catalogDir, jobModules: [TEST_JOB_MODULE], jobConcurrency: 1 });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

void test('an import reuses the queued tune job of an unchanged tuned entry and supersedes the one of a changed entry', async () => {
  // In the queue, in this order: three imports, each behind a blocker the test releases when it wants that import to run.
  const first = await blocker();
  await waitForJob(server.request, first.id, (job) => job.state === 'running');
  const importOne = await createJob(server.request, 'catalog-import', {});
  const second = await blocker();
  const importTwo = await createJob(server.request, 'catalog-import', {});
  const third = await blocker();
  const importThree = await createJob(server.request, 'catalog-import', {});

  // The first import builds the entry: its tune job waits behind everything queued before it.
  await cancel(first.id);
  const one = await waitForJob(server.request, importOne.id, finished);
  assert.equal(one.state, 'succeeded', JSON.stringify(one.error));
  await waitForJob(server.request, second.id, (job) => job.state === 'running');
  const [stale, ...others] = await tuneJobs();
  assert.equal(others.length, 0);
  assert.equal(stale?.state, 'queued');
  assert.deepEqual(stale?.params.hyperparameters, { epochs: 2 });
  assert.match(tunedEntry(one)?.reason ?? '', new RegExp(`tune job ${stale?.id}`));

  // The entry as it was: the waiting job is the one that builds it, nothing more is queued.
  await cancel(second.id);
  const two = await waitForJob(server.request, importTwo.id, finished);
  assert.equal(two.state, 'succeeded', JSON.stringify(two.error));
  await waitForJob(server.request, third.id, (job) => job.state === 'running');
  assert.equal(tunedEntry(two)?.status, 'queued');
  assert.match(tunedEntry(two)?.reason ?? '', new RegExp(`tune job ${stale?.id}`));
  assert.deepEqual((await tuneJobs()).map((job) => [job.id, job.state]), [[stale?.id, 'queued']]);

  // New params while that job still waits: it is cancelled and a job with the new params takes its place.
  await writeTunedCatalog({ epochs: 3 });
  await cancel(third.id);
  const three = await waitForJob(server.request, importThree.id, finished);
  assert.equal(three.state, 'succeeded', JSON.stringify(three.error));
  const jobs = await tuneJobs();
  assert.equal(jobs.length, 2);
  assert.equal((await getJob(server.request, stale?.id ?? '')).state, 'cancelled');
  const fresh = jobs.find((job) => job.id !== stale?.id);
  assert.ok(fresh);
  assert.deepEqual(fresh.params.hyperparameters, { epochs: 3 });
  assert.match(tunedEntry(three)?.reason ?? '', new RegExp(`tune job ${fresh.id}`));
  assert.ok((await jobLog(server.request, importThree.id)).some((line) => line.includes(`cancelled tune job ${stale?.id}`)));

  // Only the new job trains and commits: the model is the new params' model, in one tune commit.
  const built = await waitForJob(server.request, fresh.id, finished);
  assert.equal(built.state, 'succeeded', JSON.stringify(built.error));
  const params = (await (await server.request('/moda/mail-filter/resolve/main/training_params.json')).json()) as { hyperparameters: { epochs: number }; job: string };
  assert.equal(params.hyperparameters.epochs, 3);
  assert.equal(params.job, fresh.id);
  const commits = (await (await server.request('/api/models/moda/mail-filter/commits/main')).json()) as { title: string; message: string }[];
  const tuned = commits.filter((commit) => /^Tune fasttext/.test(commit.title));
  assert.equal(tuned.length, 1, JSON.stringify(commits));
  assert.match(tuned[0]?.message ?? '', new RegExp(`job ${fresh.id}`));
});
