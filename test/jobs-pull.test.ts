// The `pull` job: `moda pull` run on the server against a second Moda server on 127.0.0.1 (as the
// local server's Hugging Face upstream, behind a proxy that slows the large file down). Cancelled
// mid-download it leaves no repo; retried, it resumes from the pull cache and commits once, as its
// owner. A moda: URL source is for site admins only, a bad source fails at creation.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { createJob, finished, jobLog, waitForJob } from './helpers/jobs.js';

const WEIGHTS_SIZE = 12 * 1024 * 1024;
const CHUNK = 128 * 1024;
const CHUNK_DELAY_MS = 40;

let upstream: TestServer;
let local: TestServer;
let proxy: Server;
let proxyUrl: string;
let work: string;
let weights: Buffer;
let alice: string;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Forwards to the upstream (keeping Host, so its URLs name the proxy) and trickles large bodies. */
function startSlowProxy(target: string): Promise<Server> {
  const server = createServer((request, response) => {
    void (async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string' && name !== 'connection') headers.set(name, value);
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await fetch(`${target}${request.url ?? '/'}`, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
      const outHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'connection') outHeaders[name] = value;
      });
      response.writeHead(answer.status, outHeaders);
      const body = Buffer.from(await answer.arrayBuffer());
      const slow = body.length > 1024 * 1024;
      for (let offset = 0; offset < body.length; offset += CHUNK) {
        if (response.destroyed) return;
        response.write(body.subarray(offset, offset + CHUNK));
        if (slow) await new Promise((resolve) => setTimeout(resolve, CHUNK_DELAY_MS));
      }
      response.end();
    })().catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => server);
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-jobs-pull-'));
  upstream = await startTestServer();
  proxy = await startSlowProxy(upstream.url);
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  local = await startTestServer({ hfUpstream: proxyUrl });
  const bob = await createUserWithToken(upstream, 'bob');
  const client = new ModaClient({ endpoint: upstream.url, token: bob });
  await client.createRepo('bob/big');
  weights = randomBytes(WEIGHTS_SIZE);
  await writeFile(join(work, 'weights.bin'), weights);
  await writeFile(join(work, 'config.json'), '{"hidden_size":8}\n');
  await upload(client, 'bob/big', work, { message: 'Big weights' });
  alice = await createUserWithToken(local, 'alice');
});

after(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  await Promise.all([upstream?.stop(), local?.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('a pull job cancelled mid-download leaves no repo; retried, it resumes from the pull cache and commits once', async () => {
  const created = await createJob(local.request, 'pull', { source: 'hf:bob/big', to: 'alice/big' }, alice);
  await waitForJob(local.request, created.id, (job) => (job.progress.fraction ?? 0) > 0.15 && /^downloading/.test(job.progress.message ?? ''), 120_000, alice);
  await local.request(`/api/v1/jobs/${created.id}/cancel`, { method: 'POST', token: alice });
  const cancelled = await waitForJob(local.request, created.id, finished, 10_000, alice);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal((await local.request('/api/models/alice/big', { token: alice })).status, 404, 'nothing is visible before the one commit');
  const partial = (await readdir(join(local.home, 'pull-cache', 'blobs'))).filter((name) => name.endsWith('.incomplete'));
  assert.equal(partial.length, 1, 'the partial download is kept for the retry');

  const retried = await local.request(`/api/v1/jobs/${created.id}/retry`, { method: 'POST', token: alice });
  assert.equal(retried.status, 200);
  const job = await waitForJob(local.request, created.id, finished, 180_000, alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  const result = job.result as { repo: string; commitOid: string; commitUrl: string; downloadedBytes: number; created: boolean };
  assert.equal(result.repo, 'alice/big');
  assert.ok(result.downloadedBytes > 0 && result.downloadedBytes < WEIGHTS_SIZE, `the retry fetched ${result.downloadedBytes} bytes, only the rest`);
  assert.match(result.commitUrl, new RegExp(`/alice/big/commit/${result.commitOid}$`));
  const content = Buffer.from(await (await local.request('/alice/big/resolve/main/weights.bin', { token: alice })).arrayBuffer());
  assert.equal(sha256(content), sha256(weights));
  const commits = (await (await local.request('/api/models/alice/big/commits/main', { token: alice })).json()) as { id: string; title: string }[];
  assert.equal(commits[0]?.id, result.commitOid);
  assert.equal(commits[0]?.title, 'Big weights');
  const lines = await jobLog(local.request, created.id, alice);
  assert.ok(lines.some((line) => line.startsWith('fetched weights.bin')), lines.join(' | '));
  assert.equal(existsSync(join(local.home, 'jobs', 'tmp', created.id)), false);
});

void test("a pull job acts as its owner: alice cannot pull into another user's namespace", async () => {
  await createUserWithToken(local, 'carol');
  const created = await createJob(local.request, 'pull', { source: 'hf:bob/big', to: 'carol/big' }, alice);
  const job = await waitForJob(local.request, created.id, finished, 120_000, alice);
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'AUTH_FORBIDDEN');
  assert.equal((await local.request('/api/models/carol/big')).status, 404);
});

void test('pull job bad input: a bad source, a moda: URL from a non-admin, the upstream token never shown', async () => {
  const post = (params: unknown, token?: string) => local.request('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'pull', params }), token });
  const bad = await post({ source: 'ftp:bob/big' }, alice);
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('x-error-code'), 'PULL_SOURCE_INVALID');
  const url = await post({ source: `moda:${upstream.url}/bob/big` }, alice);
  assert.equal(url.status, 403);
  assert.equal(url.headers.get('x-error-code'), 'AUTH_FORBIDDEN');
  const missing = await post({}, alice);
  assert.equal(missing.headers.get('x-error-code'), 'JOB_PARAMS_INVALID');
  // A site admin may name a Moda URL; the token given for the upstream is stored for retries but never shown.
  const admin = await post({ source: `moda:${upstream.url}/bob/nothing-here`, upstreamToken: 'hf_secret_value' });
  assert.equal(admin.status, 201);
  const job = (await admin.json()) as { id: string; params: { upstreamToken: string } };
  assert.equal(job.params.upstreamToken, '(hidden)');
  const failed = await waitForJob(local.request, job.id, finished, 120_000);
  assert.equal(failed.state, 'failed');
  // The upstream refused the made-up token: it was sent there, from the stored params.
  assert.equal(failed.error?.code, 'AUTH_INVALID_TOKEN');
  assert.ok(!JSON.stringify(failed).includes('hf_secret_value'));
});
