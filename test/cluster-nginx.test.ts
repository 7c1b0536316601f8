// The cluster through nginx (deploy/nginx/moda.conf) in front of two `moda serve` replicas on one
// PostgreSQL, Redis and shared git root: the official clients' flows (@huggingface/hub upload and
// download, git clone and push with LFS, inference), each checked on both replicas. Failover under
// load is in cluster-failover.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadFile, uploadFiles } from '@huggingface/hub';
import { startCluster, type ModaCluster } from './helpers/cluster.js';
import { ADMIN_TOKEN } from './helpers/moda-server.js';
import { tinyTextClassifier } from './fixtures/tiny-models.js';

let cluster: ModaCluster;
let work: string;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-cluster-nginx-'));
  await mkdir(join(work, 'home'));
  await writeFile(join(work, 'home', '.gitconfig'), '[user]\n\tname = Git Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n[lfs]\n\tlocksverify = false\n');
  cluster = await startCluster();
  await run('git', ['lfs', 'install', '--skip-repo']);
});

after(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd = work, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function git(args: string[], cwd?: string, env?: Record<string, string>): Promise<string> {
  const result = await run('git', args, cwd, env);
  assert.equal(result.code, 0, `git ${args.join(' ')}:\n${result.stderr}`);
  return result.stdout.trim();
}

async function createRepo(name: string): Promise<void> {
  const created = await cluster.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200, await created.text());
}

void test('@huggingface/hub uploads through nginx; every replica serves the same bytes', async () => {
  await createRepo('hub-flow');
  const big = randomBytes(3 * 1024 * 1024 + 7);
  const result = await uploadFiles({ repo: 'admin/hub-flow', accessToken: ADMIN_TOKEN, hubUrl: cluster.url, files: [{ path: 'weights/model.bin', content: new Blob([big]) }, { path: 'config.json', content: new Blob(['{"model_type":"bert"}']) }] });
  for (const hubUrl of [cluster.url, ...cluster.replicas.map((replica) => replica.url)]) {
    const blob = await downloadFile({ repo: 'admin/hub-flow', path: 'weights/model.bin', accessToken: ADMIN_TOKEN, hubUrl });
    assert.equal(sha256(new Uint8Array(await (blob as Blob).arrayBuffer())), sha256(big), `LFS object from ${hubUrl}`);
    const info = (await (await cluster.request('/api/models/admin/hub-flow', { base: hubUrl })).json()) as { sha: string };
    assert.equal(info.sha, result?.commit.oid, `${hubUrl} knows the commit`);
  }
});

void test('git clone and push with LFS through nginx; a clone from each replica gets the object', async () => {
  await createRepo('git-flow');
  const remote = (base: string) => {
    const url = new URL('/admin/git-flow.git', base);
    url.username = 'git';
    url.password = ADMIN_TOKEN;
    return url.href;
  };
  const dir = join(work, 'push');
  await git(['clone', remote(cluster.url), dir], work, { GIT_LFS_SKIP_SMUDGE: '1' });
  const big = randomBytes(2 * 1024 * 1024);
  await writeFile(join(dir, 'big.bin'), big);
  await writeFile(join(dir, 'notes.txt'), 'pushed through nginx\n');
  await git(['add', '-A'], dir);
  await git(['commit', '-q', '-m', 'add big.bin'], dir);
  const head = await git(['rev-parse', 'HEAD'], dir);
  await git(['push', '-q', 'origin', 'main'], dir);
  for (const [index, replica] of cluster.replicas.entries()) {
    const clone = join(work, `clone-${index}`);
    await git(['clone', remote(replica.url), clone]);
    assert.equal(await git(['rev-parse', 'HEAD'], clone), head, `${replica.name} serves the pushed head`);
    assert.equal(sha256(await readFile(join(clone, 'big.bin'))), sha256(big), `${replica.name} serves the LFS object`);
  }
  await git(['-C', join(cluster.gitRoot, 'models/admin/git-flow.git'), 'fsck', '--strict', '--no-progress']);
});

void test('inference through nginx answers, and a model stays on one replica (hash $model consistent)', async () => {
  const sentiment = tinyTextClassifier();
  await createRepo('sentiment');
  await uploadFiles({ repo: 'admin/sentiment', accessToken: ADMIN_TOKEN, hubUrl: cluster.url, files: sentiment.files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  for (let index = 0; index < 6; index++) {
    const answer = await cluster.request('/api/v1/models/admin/sentiment/pipeline', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'good' }) });
    assert.equal(answer.status, 200, await answer.clone().text());
    const scores = ((await answer.json()) as { output: { label: string; score: number }[] }).output;
    const expected = sentiment.expected('good');
    assert.equal(scores[0]?.label, expected[0]?.label);
    assert.ok(Math.abs((scores[0]?.score ?? 0) - (expected[0]?.score ?? 0)) < 1e-4);
  }
  const served = await Promise.all(
    cluster.replicas.map(async (replica) => {
      const text = await (await cluster.request('/metrics', { base: replica.url })).text();
      return text.split('\n').filter((line) => line.startsWith('moda_inference_requests_total{') && line.includes('model="admin/sentiment"')).length > 0;
    }),
  );
  assert.deepEqual(served.filter(Boolean).length, 1, `one replica ran every request of the model: ${JSON.stringify(served)}`);
});
