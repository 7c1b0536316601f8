// A starter tuned entry's tune job is pinned to the starter dataset's commit when it is queued. When
// the catalog is imported again with a new version of that dataset while the job still waits, the
// job would train on the old data: the import cancels it and queues one pinned to the new commit,
// which is the one that trains and commits. One job slot and blocking test jobs keep the tune job
// queued until the test lets it run.
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

async function writeCatalog(datasetVersion: number, perClass: number): Promise<void> {
  await mkdir(join(catalogDir, 'mail'), { recursive: true });
  await writeFile(join(catalogDir, 'mail', 'catalog.json'), JSON.stringify({ type: 'dataset', repo: 'moda/mail', version: datasetVersion, files: [] }));
  await writeFile(join(catalogDir, 'mail', 'train.csv'), toCsv(topicTexts(perClass, datasetVersion), ['text', 'label']));
  await mkdir(join(catalogDir, 'mail-filter'), { recursive: true });
  await writeFile(join(catalogDir, 'mail-filter', 'catalog.json'), JSON.stringify({ type: 'tuned', repo: 'moda/mail-filter', version: 1, files: [], tune: { method: 'fasttext', dataset: 'moda/mail', columns: { text: 'text' }, hyperparameters: { epochs: 2 } } }));
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
  repos: { repo: string; status: string; commit?: string; reason?: string }[];
}

const entry = (job: JobJson, repo: string) => (job.result as unknown as ImportResult).repos.find((found) => found.repo === repo);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-catalog-stale-dataset-'));
  catalogDir = join(dir, 'catalog');
  await writeCatalog(1, 20);
  server = await startTestServer({ catalogDir, jobModules: [TEST_JOB_MODULE], jobConcurrency: 1 });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

void test('a waiting starter tune job pinned to a starter dataset commit that was re-imported is replaced by one pinned to the new commit', async () => {
  const first = await blocker();
  await waitForJob(server.request, first.id, (job) => job.state === 'running');
  const importOne = await createJob(server.request, 'catalog-import', {});
  const second = await blocker();
  const importTwo = await createJob(server.request, 'catalog-import', {});

  await cancel(first.id);
  const one = await waitForJob(server.request, importOne.id, finished);
  assert.equal(one.state, 'succeeded', JSON.stringify(one.error));
  const oldCommit = entry(one, 'moda/mail')?.commit;
  assert.match(oldCommit ?? '', /^[0-9a-f]{40}$/);
  await waitForJob(server.request, second.id, (job) => job.state === 'running');
  const [stale, ...others] = await tuneJobs();
  assert.equal(others.length, 0);
  assert.equal(stale?.state, 'queued');
  assert.equal(stale?.params.dataset_revision, oldCommit, 'the job is pinned to the dataset commit of its import');

  // The starter dataset changes (a new catalog version) while the tune job still waits.
  await writeCatalog(2, 30);
  await cancel(second.id);
  const two = await waitForJob(server.request, importTwo.id, finished);
  assert.equal(two.state, 'succeeded', JSON.stringify(two.error));
  assert.equal(entry(two, 'moda/mail')?.status, 'updated');
  const newCommit = entry(two, 'moda/mail')?.commit;
  assert.ok(newCommit && newCommit !== oldCommit);
  assert.equal((await getJob(server.request, stale?.id ?? '')).state, 'cancelled');
  const jobs = await tuneJobs();
  assert.equal(jobs.length, 2);
  const fresh = jobs.find((job) => job.id !== stale?.id);
  assert.ok(fresh);
  assert.equal(fresh.params.dataset_revision, newCommit);
  assert.deepEqual({ ...fresh.params, dataset_revision: oldCommit }, stale?.params, 'nothing else differs');
  assert.match(entry(two, 'moda/mail-filter')?.reason ?? '', new RegExp(`tune job ${fresh.id}`));
  assert.ok((await jobLog(server.request, importTwo.id)).some((line) => line.includes(`cancelled tune job ${stale?.id}`)));

  // The new job trains on the new rows and its model names the new commit.
  const built = await waitForJob(server.request, fresh.id, finished);
  assert.equal(built.state, 'succeeded', JSON.stringify(built.error));
  const params = (await (await server.request('/moda/mail-filter/resolve/main/training_params.json')).json()) as { dataset: { commit: string }; examples: { train: number; validation: number }; job: string };
  assert.equal(params.dataset.commit, newCommit);
  assert.equal(params.examples.train + params.examples.validation, 60, 'the new version has 30 rows per class');
  assert.equal(params.job, fresh.id);
});
