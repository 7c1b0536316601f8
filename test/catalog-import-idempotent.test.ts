// Every `moda serve` start used to queue a new catalog-import job. Now a start whose catalog (entry
// versions, files, installed sources) has the digest of the last whole import that succeeded
// queues nothing and reports that import; a changed catalog is imported on the next start.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/moda-server.js';
import { finished, waitForJob, type JobJson } from './helpers/jobs.js';

interface Health {
  starter_catalog: { state: string; job_id: string | null };
}

let dir: string;
let home: string;
let catalogDir: string;

async function writeEntry(version: number, card: string): Promise<void> {
  const entry = join(catalogDir, 'tiny-data');
  await mkdir(entry, { recursive: true });
  await writeFile(join(entry, 'catalog.json'), JSON.stringify({ type: 'dataset', repo: 'moda/tiny-data', version, files: [] }));
  await writeFile(join(entry, 'README.md'), `---\nlicense: apache-2.0\n---\n${card}\n`);
  await writeFile(join(entry, 'train.csv'), 'text,label\nhello,1\nbye,0\n');
}

/** Starts a server on the shared home, waits for the starter catalog, and returns the job /healthz names. */
async function startAndSettle(): Promise<{ server: TestServer; job: JobJson; jobs: JobJson[] }> {
  const server = await startTestServer({ catalog: true, catalogDir }, home);
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
