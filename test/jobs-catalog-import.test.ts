// The starter catalog import is a `catalog-import` job: on a first start /healthz and /readyz tell
// that the hub is still being filled (with the job's id and progress) until the job is done, and a
// site admin can follow and re-run it like any job.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readCatalog } from '../src/catalog/read-catalog.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';

interface Health {
  status: string;
  starter_catalog: { state: string; job_id: string | null; progress: { fraction: number | null; message: string | null } | null };
}

let server: TestServer;

before(async () => {
  // The import queues the tuned starters' tune jobs; more slots let a re-run start beside them.
  server = await startTestServer({ catalog: true, jobConcurrency: 3 });
});

after(() => server?.stop());

void test('the first start imports the catalog as a job whose progress /healthz shows; /readyz waits for it', async () => {
  const first = (await (await server.request('/healthz', { token: null })).json()) as Health;
  assert.equal(first.status, 'ok');
  assert.equal(first.starter_catalog.state, 'importing');
  assert.deepEqual(((await (await server.request('/readyz')).json()) as { waiting?: string[] }).waiting, ['starter-catalog']);
  let health = first;
  const fractions: number[] = [];
  for (let waited = 0; health.starter_catalog.state === 'importing'; waited += 100) {
    assert.ok(waited < 300_000, 'the starter catalog was not imported within 5 minutes');
    await new Promise((resolve) => setTimeout(resolve, 100));
    health = (await (await server.request('/healthz', { token: null })).json()) as Health;
    if (health.starter_catalog.progress?.fraction != null) fractions.push(health.starter_catalog.progress.fraction);
  }
  assert.equal(health.starter_catalog.state, 'done');
  assert.ok(fractions.some((fraction) => fraction > 0 && fraction < 1), `progress was visible while importing: ${fractions.join(', ')}`);
  assert.equal((await server.request('/readyz')).status, 200);

  const id = health.starter_catalog.job_id ?? '';
  const job = await waitForJob(server.request, id, finished);
  assert.equal(job.type, 'catalog-import');
  assert.equal(job.owner, 'admin');
  assert.equal(job.state, 'succeeded');
  const entries = await readCatalog();
  const result = job.result as { imported: number; skipped: number; repos: { repo: string }[] };
  assert.equal(result.repos.length, entries.length);
  const lines = await jobLog(server.request, id);
  for (const entry of entries) assert.ok(lines.some((line) => line.startsWith(`${entry.repo}: `)), `the log names ${entry.repo}`);
  // Starter models and starter datasets alike are public repos under moda/.
  const models = (await (await server.request('/api/models?author=moda&limit=100', { token: null })).json()) as { id: string }[];
  const datasets = (await (await server.request('/api/datasets?author=moda&limit=100', { token: null })).json()) as { id: string }[];
  // Tuned starters are built by tune jobs the import queues; one may already have landed.
  const tuned = new Set(entries.filter((entry) => entry.type === 'tuned').map((entry) => entry.repo));
  assert.equal(models.filter((model) => !tuned.has(model.id)).length + datasets.length, result.imported);
  assert.equal(datasets.length, entries.filter((entry) => entry.type === 'dataset').length);
});

void test('a site admin re-runs the import for one entry: nothing changes', async () => {
  const [entry] = await readCatalog();
  assert.ok(entry);
  const created = await createJob(server.request, 'catalog-import', { only: [entry.name] });
  const job = await waitForJob(server.request, created.id, finished);
  assert.equal(job.state, 'succeeded');
  assert.deepEqual((job.result as { unchanged: number; repos: unknown[] }).repos.length, 1);
  const unknown = await createJob(server.request, 'catalog-import', { only: ['no-such-entry'] });
  const failed = await waitForJob(server.request, unknown.id, finished);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error?.code, 'NOT_FOUND');
  assert.equal(failed.attempts, 1, 'a failure retrying cannot fix is not retried');
});
