// Failover of the cluster (test/helpers/cluster.ts: nginx with deploy/nginx/moda.conf in front of two
// `moda serve` replicas on one PostgreSQL, Redis and shared git root) under background load through
// nginx: SIGKILL one replica (every GET succeeds, POSTs in flight may fail but succeed when retried,
// no acknowledged commit is lost, `git fsck` clean) and SIGTERM one (zero errors).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type ModaCluster } from './helpers/cluster.js';

let cluster: ModaCluster;

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

async function createRepo(name: string): Promise<void> {
  const created = await cluster.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200, await created.text());
}

function commit(repo: string, path: string, content: string): Promise<Response> {
  return cluster.request(`/api/models/${repo}/commit/main`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [JSON.stringify({ key: 'header', value: { summary: `add ${path}` } }), JSON.stringify({ key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } })].join('\n'),
  });
}

interface LoadReport {
  gets: number;
  getErrors: string[];
  posts: number;
  /** POSTs that failed at least once before they succeeded. */
  retriedPosts: number;
  postFailures: string[];
  acknowledged: string[];
}

/** GET and POST traffic through nginx until `stop` resolves. POSTs are retried until they land. */
async function underLoad(repo: string, prefix: string, during: () => Promise<void>): Promise<LoadReport> {
  const report: LoadReport = { gets: 0, getErrors: [], posts: 0, retriedPosts: 0, postFailures: [], acknowledged: [] };
  let running = true;
  const getter = async () => {
    while (running) {
      for (const path of [`/api/models/${repo}`, `/${repo}/resolve/main/seed.txt`]) {
        const answer = await cluster.request(path).catch((error: unknown) => String(error));
        report.gets++;
        if (typeof answer === 'string') report.getErrors.push(`${path}: ${answer}`);
        else {
          if (answer.status !== 200) report.getErrors.push(`${path}: ${answer.status} ${await answer.text()}`);
          else await answer.arrayBuffer();
        }
      }
    }
  };
  let serial = 0;
  const poster = async () => {
    while (running) {
      const path = `${prefix}-${serial++}.txt`;
      report.posts++;
      let failures = 0;
      for (;;) {
        const answer = await commit(repo, path, `${path}\n`).catch((error: unknown) => String(error));
        if (typeof answer !== 'string' && answer.status === 200) break;
        failures++;
        report.postFailures.push(typeof answer === 'string' ? answer : `${answer.status} ${await answer.text()}`);
        assert.ok(failures < 60, `a POST kept failing: ${report.postFailures.slice(-3).join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      if (failures > 0) report.retriedPosts++;
      report.acknowledged.push(path);
    }
  };
  const workers = [getter(), getter(), getter(), poster(), poster()];
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await during();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    running = false;
    await Promise.all(workers);
  }
  return report;
}

async function assertAllLanded(repo: string, acknowledged: string[]): Promise<void> {
  const tree = (await (await cluster.request(`/api/models/${repo}/tree/main`)).json()) as { path: string }[];
  const paths = new Set(tree.map((entry) => entry.path));
  const lost = acknowledged.filter((path) => !paths.has(path));
  assert.deepEqual(lost, [], 'no acknowledged commit is lost');
  const fsck = await run('git', ['-C', join(cluster.gitRoot, `models/${repo}.git`), 'fsck', '--strict', '--no-progress']);
  assert.equal(fsck.code, 0, fsck.stderr);
}

void test('SIGKILL of one replica under load: every GET succeeds, POSTs succeed on retry, nothing lost, fsck clean', async () => {
  await createRepo('killed');
  assert.equal((await commit('admin/killed', 'seed.txt', 'seed\n')).status, 200);
  const [victim] = cluster.replicas;
  assert.ok(victim);
  const report = await underLoad('admin/killed', 'kill', async () => {
    await victim.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await victim.restart();
  });
  assert.deepEqual(report.getErrors, [], `every GET succeeded (${report.gets} GETs)`);
  assert.ok(report.posts > 0 && report.acknowledged.length === report.posts, 'every POST succeeded, some after retries');
  await assertAllLanded('admin/killed', report.acknowledged);
  process.stdout.write(`# SIGKILL: ${report.gets} GETs, 0 errors; ${report.posts} POSTs, ${report.retriedPosts} needed a retry (${report.postFailures.length} failed attempts)\n`);
});

void test('SIGTERM drain of one replica under load: zero errors', async () => {
  await createRepo('drained');
  assert.equal((await commit('admin/drained', 'seed.txt', 'seed\n')).status, 200);
  const victim = cluster.replicas[1];
  assert.ok(victim);
  const report = await underLoad('admin/drained', 'drain', async () => {
    assert.equal(await victim.stop('SIGTERM'), 0, 'the drained replica exits 0');
    await victim.restart();
  });
  assert.deepEqual(report.getErrors, [], `every GET succeeded (${report.gets} GETs)`);
  assert.deepEqual(report.postFailures, [], `every POST succeeded at once (${report.posts} POSTs)`);
  await assertAllLanded('admin/drained', report.acknowledged);
  process.stdout.write(`# SIGTERM: ${report.gets} GETs, ${report.posts} POSTs, 0 errors\n`);
});
