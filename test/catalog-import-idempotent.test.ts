// Every `moda serve` start used to queue a new catalog-import job. Now a start whose catalog (entry
// versions, files, installed sources) has the digest of the last whole import that succeeded
// queues nothing and reports that import; a changed catalog is imported on the next start. A
// starter tuned model is retrained into its existing repo when its entry's tune params (or its
// dataset) change, and an import that leaves its entry as it was queues no tune job for it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { finished, waitForJob, type JobJson } from './helpers/jobs.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

interface Health {
  starter_catalog: { state: string; job_id: string | null };
}

let dir: string;
let home: string;
let catalogDir: string;

async function writeEntry(version: number, card: string, into = catalogDir): Promise<void> {
  const entry = join(into, 'tiny-data');
  await mkdir(entry, { recursive: true });
  await writeFile(join(entry, 'catalog.json'), JSON.stringify({ type: 'dataset', repo: 'moda/tiny-data', version, files: [] }));
  await writeFile(join(entry, 'README.md'), `---\nlicense: apache-2.0\n---\n${card}\n`);
  await writeFile(join(entry, 'train.csv'), 'text,label\nhello,1\nbye,0\n');
}

/** Starts a server on the shared home, waits for the starter catalog, and returns the job /healthz names. */
async function startAndSettle(where: { catalogDir: string; home: string } = { catalogDir, home }): Promise<{ server: TestServer; job: JobJson; jobs: JobJson[] }> {
  const server = await startTestServer({ catalog: true, catalogDir: where.catalogDir }, where.home);
  try {
    let health = (await (await server.request('/healthz', { token: null })).json()) as Health;
    for (let waited = 0; health.starter_catalog.state === 'importing'; waited += 100) {
      assert.ok(waited < 120_000, 'the catalog import did not finish');
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = (await (await server.request('/healthz', { token: null })).json()) as Health;
    }
    assert.equal(health.starter_catalog.state, 'done');
    const job = await waitForJob(server.request, health.starter_catalog.job_id ?? '', finished);
    const { jobs } = (await (await server.request('/api/v1/jobs?type=catalog-import')).json()) as { jobs: JobJson[] };
    return { server, job, jobs };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-catalog-idempotent-'));
  home = join(dir, 'home');
  catalogDir = join(dir, 'catalog');
  await writeEntry(1, 'A tiny dataset.');
});

after(() => rm(dir, { recursive: true, force: true }));

void test('a restart with the same catalog queues no import; a changed catalog is imported once on the next start', async () => {
  const first = await startAndSettle();
  await first.server.stop();
  assert.equal(first.job.state, 'succeeded');
  assert.equal((first.job.result as { imported: number }).imported, 1);
  assert.match(String((first.job.result as { digest?: unknown }).digest), /^[0-9a-f]{64}$/);

  // Same catalog: /healthz reports the import already done, and no job was added.
  const second = await startAndSettle();
  await second.server.stop();
  assert.equal(second.job.id, first.job.id);
  assert.deepEqual(second.jobs.map((job) => job.id), [first.job.id]);

  // A new version of the entry: this start imports it.
  await writeEntry(2, 'A tiny dataset, second version.');
  const third = await startAndSettle();
  try {
    assert.notEqual(third.job.id, first.job.id);
    assert.equal(third.job.state, 'succeeded');
    assert.equal((third.job.result as { updated: number }).updated, 1);
    assert.equal(third.jobs.length, 2);
    const card = await third.server.request('/datasets/moda/tiny-data/resolve/main/README.md');
    assert.match(await card.text(), /second version/);
  } finally {
    await third.server.stop();
  }

  // And once more unchanged: the second import is the one that counts.
  const fourth = await startAndSettle();
  await fourth.server.stop();
  assert.equal(fourth.job.id, third.job.id);
  assert.equal(fourth.jobs.length, 2);
});

async function writeTunedCatalog(into: string, hyperparameters: Record<string, unknown>, extraEntry = false): Promise<void> {
  await mkdir(join(into, 'mail'), { recursive: true });
  await writeFile(join(into, 'mail', 'catalog.json'), JSON.stringify({ type: 'dataset', repo: 'moda/mail', version: 1, files: [] }));
  await writeFile(join(into, 'mail', 'train.csv'), toCsv(topicTexts(20, 7), ['text', 'label']));
  await mkdir(join(into, 'mail-filter'), { recursive: true });
  await writeFile(join(into, 'mail-filter', 'catalog.json'), JSON.stringify({ type: 'tuned', repo: 'moda/mail-filter', version: 1, files: [], tune: { method: 'fasttext', dataset: 'moda/mail', columns: { text: 'text' }, hyperparameters } }));
  if (extraEntry) await writeEntry(1, 'An unrelated entry: the import runs, the tuned model stays.', into);
}

/** The catalog's tune jobs after a start, each waited for. */
async function tuneJobs(server: TestServer): Promise<JobJson[]> {
  const { jobs } = (await (await server.request('/api/v1/jobs?type=tune')).json()) as { jobs: JobJson[] };
  return Promise.all(jobs.map((job) => waitForJob(server.request, job.id, finished)));
}

void test('a changed tuned entry is retrained into its existing repo; an unchanged one queues nothing', async () => {
  const where = { catalogDir: join(dir, 'tuned-catalog'), home: join(dir, 'tuned-home') };
  await writeTunedCatalog(where.catalogDir, { epochs: 2 });
  const first = await startAndSettle(where);
  let firstCommit: string;
  try {
    const [built] = await tuneJobs(first.server);
    assert.equal(built?.state, 'succeeded', JSON.stringify(built));
    firstCommit = (built?.result as { commit: string }).commit;
  } finally {
    await first.server.stop();
  }

  // Another entry changes the catalog, so the import runs; the tuned entry is as it was.
  await writeTunedCatalog(where.catalogDir, { epochs: 2 }, true);
  const second = await startAndSettle(where);
  try {
    assert.notEqual(second.job.id, first.job.id);
    const result = second.job.result as { queued: number; repos: { repo: string; status: string }[] };
    assert.equal(result.queued, 0);
    assert.equal(result.repos.find((entry) => entry.repo === 'moda/mail-filter')?.status, 'unchanged');
    assert.equal((await tuneJobs(second.server)).length, 1);
  } finally {
    await second.server.stop();
  }

  // New params at the same version: the repo exists, and the next import retrains it.
  await writeTunedCatalog(where.catalogDir, { epochs: 3 }, true);
  const third = await startAndSettle(where);
  try {
    const result = third.job.result as { queued: number; repos: { repo: string; status: string; reason?: string }[] };
    assert.equal(result.queued, 1);
    assert.match(result.repos.find((entry) => entry.repo === 'moda/mail-filter')?.reason ?? '', /rebuilding: hyperparameters/);
    const jobs = await tuneJobs(third.server);
    assert.equal(jobs.length, 2);
    assert.ok(jobs.every((job) => job.state === 'succeeded'), JSON.stringify(jobs.map((job) => job.error)));
    const commits = (await (await third.server.request('/api/models/moda/mail-filter/commits/main')).json()) as { id: string }[];
    assert.equal(commits[1]?.id, firstCommit, 'the retrained model is a new commit on top of the first');
    const params = (await (await third.server.request('/moda/mail-filter/resolve/main/training_params.json')).json()) as { hyperparameters: { epochs: number } };
    assert.equal(params.hyperparameters.epochs, 3);
  } finally {
    await third.server.stop();
  }
});
