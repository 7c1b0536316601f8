// `moda pull` between two real Moda servers on 127.0.0.1, one acting as the Hugging Face-API
// upstream (MODA_HF_UPSTREAM): files, card and commit message survive, LFS content is verified,
// datasets and `moda:` sources work, and a second pull moves no content at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo, RepoType } from '../src/client/api-types.js';
import { ModaClient, type FetchFunction } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

const WEIGHTS_SIZE = 3 * 1024 * 1024 + 17;
const CARD = '---\nlicense: mit\npipeline_tag: text-classification\n---\n# Tiny model\n\nPulled as it is.\n';

let upstream: TestServer;
let local: TestServer;
let work: string;
let aliceToken: string;
let weights: Buffer;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function seed(server: TestServer, token: string, repo: string, type: RepoType, files: Record<string, string | Buffer>, message: string, description: string) {
  const client = new ModaClient({ endpoint: server.url, token });
  await client.createRepo(repo, { type });
  const folder = await mkdtemp(join(work, 'seed-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), content);
  }
  await upload(client, repo, folder, { type, message, description });
}

function countingFetch(origin: string) {
  const gets: { url: string; range: string | null }[] = [];
  const fetchFunction: FetchFunction = (input, init) => {
    if (input.startsWith(origin) && input.includes('/resolve/') && (init?.method ?? 'GET') === 'GET') gets.push({ url: input, range: new Headers(init?.headers).get('range') });
    return fetch(input, init);
  };
  return { fetch: fetchFunction, gets };
}

async function moda(args: string[], fetchFunction?: FetchFunction) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_HF_UPSTREAM: upstream.url },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
    fetch: fetchFunction,
  });
  return { code, stdout, stderr };
}

async function info(server: TestServer, path: string): Promise<RepoInfo> {
  const response = await server.request(`${path}?blobs=true`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as RepoInfo;
}

async function headCommit(server: TestServer, apiPath: string) {
  return ((await (await server.request(`${apiPath}/commits/main`)).json()) as { id: string; title: string; message: string }[])[0];
}

/** Siblings as comparable text: path, size and content id (LFS sha256 or git blob sha1). */
function fileIds(repoInfo: RepoInfo): string[] {
  return (repoInfo.siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-hf-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  aliceToken = await createUserWithToken(upstream, 'alice');
  weights = randomBytes(WEIGHTS_SIZE);
  await seed(
    upstream,
    aliceToken,
    'alice/tiny',
    'model',
    { 'README.md': CARD, 'config.json': '{"model_type":"bert"}\n', 'onnx/weights.bin': weights },
    'Add tiny weights',
    'Trained on nothing at all.\nSecond line of the body.',
  );
  await seed(upstream, aliceToken, 'alice/rows', 'dataset', { 'data/train.csv': 'a,b\n1,2\n', 'README.md': '# Rows\n' }, 'Add rows', '');
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('hf: pull copies every file, the card and the head commit message, verified by digest', async () => {
  const result = await moda(['pull', 'hf:alice/tiny']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /created organization alice/);
  assert.match(result.stdout, /\/alice\/tiny\/commit\/[0-9a-f]{40}\n$/);

  const source = await info(upstream, '/api/models/alice/tiny');
  const copy = await info(local, '/api/models/alice/tiny');
  assert.deepEqual(fileIds(copy), fileIds(source));
  assert.equal(copy.siblings?.find((sibling) => sibling.rfilename === 'onnx/weights.bin')?.lfs?.sha256, sha256(weights));
  assert.equal(copy.private, false);
  assert.equal(copy.pipeline_tag, 'text-classification');

  const content = Buffer.from(await (await local.request('/alice/tiny/resolve/main/onnx/weights.bin', { token: null })).arrayBuffer());
  assert.equal(sha256(content), sha256(weights));
  assert.equal(await (await local.request('/alice/tiny/resolve/main/README.md')).text(), CARD);

  const upstreamHead = await headCommit(upstream, '/api/models/alice/tiny');
  const localHead = await headCommit(local, '/api/models/alice/tiny');
  assert.equal(localHead?.title, 'Add tiny weights');
  assert.equal(localHead?.title, upstreamHead?.title);
  assert.equal(localHead?.message, upstreamHead?.message);
  assert.equal(localHead?.id, copy.sha);

  // The pull cache keeps nothing once the content is in the local blob store.
  assert.deepEqual(await readdir(join(work, 'cli-home', 'pull-cache', 'blobs')), []);
});

void test('a second pull of an unchanged upstream is up to date and downloads nothing', async () => {
  const before = await info(local, '/api/models/alice/tiny');
  const counter = countingFetch(upstream.url);
  const result = await moda(['pull', 'hf:alice/tiny'], counter.fetch);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /already up to date/);
  assert.deepEqual(counter.gets, []);
  assert.equal((await info(local, '/api/models/alice/tiny')).sha, before.sha);
});

void test('an LFS object already in the blob store is not downloaded again, new repo or not', async () => {
  const counter = countingFetch(upstream.url);
  const result = await moda(['pull', 'hf:alice/tiny', '--to', 'admin/tiny-again'], counter.fetch);
  assert.equal(result.code, 0, result.stderr);
  // alice/tiny brought weights.bin into the store, so the new repo does not fetch it.
  assert.ok(counter.gets.length > 0 && counter.gets.every((get) => !get.url.endsWith('/weights.bin')), JSON.stringify(counter.gets));
  // An existing repo that lost the file gets it back from the store too.
  const again = countingFetch(upstream.url);
  await local.request('/api/models/admin/tiny-again/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${JSON.stringify({ key: 'header', value: { summary: 'drop weights' } })}\n${JSON.stringify({ key: 'deletedFile', value: { path: 'onnx/weights.bin' } })}\n`,
  });
  const repull = await moda(['pull', 'hf:alice/tiny', '--to', 'admin/tiny-again'], again.fetch);
  assert.equal(repull.code, 0, repull.stderr);
  assert.deepEqual(again.gets, [], 'weights.bin came from the local blob store, not the upstream');
  const copy = await info(local, '/api/models/admin/tiny-again');
  assert.deepEqual(fileIds(copy), fileIds(await info(upstream, '/api/models/alice/tiny')));
});

void test('datasets pull with hf:datasets/… and from a moda:<url> source into another id', async () => {
  const viaHf = await moda(['pull', 'hf:datasets/alice/rows']);
  assert.equal(viaHf.code, 0, viaHf.stderr);
  const viaModa = await moda(['pull', `moda:${upstream.url}/datasets/alice/rows`, '--to', 'admin/rows-copy', '--private']);
  assert.equal(viaModa.code, 0, viaModa.stderr);
  const source = await info(upstream, '/api/datasets/alice/rows');
  for (const path of ['/api/datasets/alice/rows', '/api/datasets/admin/rows-copy']) {
    assert.deepEqual(fileIds(await info(local, path)), fileIds(source));
    assert.equal((await headCommit(local, path))?.title, 'Add rows');
  }
  assert.equal((await info(local, '/api/datasets/admin/rows-copy')).private, true);
  assert.equal((await local.request('/api/datasets/admin/rows-copy', { token: null })).status, 404);
  assert.equal(await (await local.request('/datasets/alice/rows/resolve/main/data/train.csv')).text(), 'a,b\n1,2\n');
});

void test('bad sources are refused before any request', async () => {
  for (const spec of ['alice/tiny', 'hf:tiny', 'gh:alice/tiny', 'moda:ftp://x/alice/tiny', 'hf:alice/../etc']) {
    const result = await moda(['pull', spec]);
    assert.equal(result.code, 1, spec);
    assert.match(result.stderr, /PULL_SOURCE_INVALID/, spec);
  }
  const conflict = await moda(['pull', 'hf:datasets/alice/rows', '--type', 'model']);
  assert.match(conflict.stderr, /PULL_SOURCE_INVALID/);
});

void test('progress: a terminal gets a download bar that ends at 100 %, a log plain lines', async () => {
  const big = randomBytes(2 * 1024 * 1024 + 1);
  await seed(upstream, aliceToken, 'alice/progress', 'model', { 'big.bin': big, 'small.txt': 'small\n' }, 'Progress', '');
  let terminal = '';
  const code = await runCli(['pull', 'hf:alice/progress', '--to', 'admin/progress'], {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_HF_UPSTREAM: upstream.url },
    stdout: { write: () => true },
    stderr: { write: (chunk: string) => (terminal += chunk), isTTY: true },
    stdin: Readable.from([]),
  });
  assert.equal(code, 0, terminal);
  const draws = terminal.split('\r\x1b[K').filter((part) => part.startsWith('downloading ['));
  assert.ok(draws.length >= 1, terminal);
  assert.match(draws.at(-1) ?? '', /100% 2\.0 MiB\/2\.0 MiB/);
  assert.match(terminal, /fetched big\.bin \(2\.0 MiB\)/);

  const log = await moda(['pull', 'hf:alice/progress', '--to', 'admin/progress-log', '--private']);
  assert.equal(log.code, 0, log.stderr);
  assert.doesNotMatch(log.stderr, /\x1b\[/, 'no escape codes in a log');
  assert.match(log.stderr, /4 file\(s\), 2\.0 MiB; 3 to download .*1 already here\n/);
});
