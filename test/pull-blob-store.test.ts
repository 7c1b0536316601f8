// `moda pull` consults the shared blob store even when the target repo does not exist yet: weights
// already imported under another repo, or pulled before under another name, are not downloaded
// again. Downloads are counted where they land, in the upstream server's own request log; the
// copies are read back and compared by sha256. Also the `/api/blobs/stored` route it asks, with its
// bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let local: TestServer;
let work: string;
let weights: Buffer;
let other: Buffer;
/** Every request the upstream server received: method and decoded URL. */
const upstreamLog: { method: string; url: string }[] = [];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function seedFolder(files: Record<string, string | Buffer>): Promise<string> {
  const folder = await mkdtemp(join(work, 'seed-'));
  for (const [path, content] of Object.entries(files)) await writeFile(join(folder, path), content);
  return folder;
}

async function moda(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_HF_UPSTREAM: upstream.url, MODA_MS_UPSTREAM: upstream.url },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

/** Content GETs of `file` the upstream served since `from` (HF resolve and ModelScope repo?FilePath). */
function contentGets(file: string, from: number): string[] {
  return upstreamLog
    .slice(from)
    .filter((entry) => entry.method === 'GET' && (entry.url.includes(`/resolve/`) || entry.url.includes('FilePath=')) && entry.url.includes(file))
    .map((entry) => entry.url);
}

async function info(server: TestServer, path: string): Promise<RepoInfo> {
  const response = await server.request(`${path}?blobs=true`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as RepoInfo;
}

function fileIds(repoInfo: RepoInfo): string[] {
  return (repoInfo.siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
}

async function contentSha256(server: TestServer, url: string): Promise<string> {
  const response = await server.request(url);
  assert.equal(response.status, 200, url);
  return sha256(Buffer.from(await response.arrayBuffer()));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-blob-store-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  upstream.app.server.on('request', (request: IncomingMessage) => upstreamLog.push({ method: request.method ?? '', url: decodeURIComponent(request.url ?? '') }));
  const token = await createUserWithToken(upstream, 'erin');
  const client = new ModaClient({ endpoint: upstream.url, token });
  weights = randomBytes(3 * 1024 * 1024 + 5);
  other = randomBytes(2 * 1024 * 1024 + 9);
  await client.createRepo('erin/weights');
  await upload(client, 'erin/weights', await seedFolder({ 'README.md': '# Weights\n', 'config.json': '{"model_type":"bert"}\n', 'model.bin': weights }), { message: 'Add weights' });
  await client.createRepo('erin/other');
  await upload(client, 'erin/other', await seedFolder({ 'README.md': '# Other\n', 'other.bin': other }), { message: 'Add other weights' });
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('hf: pull into a new repo takes weights another repo already brought into the blob store', async () => {
  // The same bytes, uploaded here by hand under an unrelated repo.
  const localClient = new ModaClient({ endpoint: local.url, token: ADMIN_TOKEN });
  await localClient.createRepo('admin/imported');
  await upload(localClient, 'admin/imported', await seedFolder({ 'renamed.bin': weights }), { message: 'Import by hand' });

  const from = upstreamLog.length;
  const result = await moda(['pull', 'hf:erin/weights', '--to', 'admin/from-hf']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /4 file\(s\).*; 3 to download .*, 0 already downloaded, 1 already here/);
  assert.deepEqual(contentGets('model.bin', from), [], 'model.bin came from the local blob store');
  assert.equal(contentGets('config.json', from).length, 1, 'small files are still fetched');

  const copy = await info(local, '/api/models/admin/from-hf');
  assert.deepEqual(fileIds(copy), fileIds(await info(upstream, '/api/models/erin/weights')));
  assert.equal(copy.siblings?.find((sibling) => sibling.rfilename === 'model.bin')?.lfs?.sha256, sha256(weights));
  assert.equal(await contentSha256(local, '/admin/from-hf/resolve/main/model.bin'), sha256(weights));
  assert.equal(copy.private, false, 'the new repo is opened once its commit has landed');
});

void test('ms: a second pull of the same upstream repo under a new name downloads no large file', async () => {
  let from = upstreamLog.length;
  const first = await moda(['pull', 'ms:erin/other', '--to', 'admin/other-one']);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(contentGets('other.bin', from).length >= 1, 'the first pull fetches other.bin');

  from = upstreamLog.length;
  const second = await moda(['pull', 'ms:erin/other', '--to', 'admin/other-two']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(contentGets('other.bin', from), [], 'the second pull takes other.bin from the blob store');
  assert.match(second.stderr, /created admin\/other-two/);

  const expected = fileIds(await info(upstream, '/api/models/erin/other'));
  for (const repo of ['admin/other-one', 'admin/other-two']) {
    assert.deepEqual(fileIds(await info(local, `/api/models/${repo}`)), expected, repo);
    assert.equal(await contentSha256(local, `/${repo}/resolve/main/other.bin`), sha256(other), repo);
  }
  const [head] = (await (await local.request('/api/models/admin/other-two/commits/main')).json()) as { title: string }[];
  assert.equal(head?.title, 'Add other weights');
});

void test('/api/blobs/stored answers per object and refuses bad input', async () => {
  const ask = (body: unknown, token: string | null = ADMIN_TOKEN) =>
    local.request('/api/blobs/stored', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const known = sha256(weights);
  const unknown = sha256(Buffer.from('never stored'));
  const answer = await ask({ objects: [{ oid: known, size: weights.length }, { oid: known, size: weights.length + 1 }, { oid: unknown, size: 12 }] });
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.deepEqual(((await answer.json()) as { objects: { stored: boolean }[] }).objects.map((object) => object.stored), [true, false, false]);

  const refused = async (response: Response, status: number, code: string, what: string) => {
    assert.equal(response.status, status, what);
    assert.equal(((await response.json()) as { code: string }).code, code, what);
  };
  await refused(await ask({ objects: [{ oid: known, size: 1 }] }, null), 401, 'AUTH_REQUIRED', 'anonymous');
  const readToken = await createUserWithToken(local, 'reader', 'read');
  await refused(await ask({ objects: [{ oid: known, size: 1 }] }, readToken), 403, 'AUTH_FORBIDDEN', 'read token');
  await refused(await ask({}), 400, 'VALIDATION_FAILED', 'no objects');
  await refused(await ask({ objects: 'x' }), 400, 'VALIDATION_FAILED', 'objects not a list');
  await refused(await ask({ objects: [{ oid: 'abc', size: 1 }] }), 400, 'VALIDATION_FAILED', 'short oid');
  await refused(await ask({ objects: [{ oid: known.toUpperCase(), size: 1 }] }), 400, 'VALIDATION_FAILED', 'upper-case oid');
  await refused(await ask({ objects: [{ oid: known, size: -1 }] }), 400, 'VALIDATION_FAILED', 'negative size');
  await refused(await ask({ objects: [{ oid: known, size: 1.5 }] }), 400, 'VALIDATION_FAILED', 'fractional size');
  await refused(await ask({ objects: Array.from({ length: 1001 }, () => ({ oid: known, size: 1 })) }), 400, 'VALIDATION_FAILED', 'too many objects');
});
