// `moda pull ms:…` against a real Moda serving the ModelScope v1 API (MODA_MS_UPSTREAM): the file
// list with Sha256/IsLFS, the `master` default revision, raw downloads and the commits list; for
// datasets (`ms:datasets/…`) the info → tree by Id, page by page → `Source=SDK` download sequence.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient, type FetchFunction } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { isModaError } from '../src/errors/moda-error.js';
import { msUpstream } from '../src/mirror/ms-upstream.js';
import { pull } from '../src/mirror/pull-repo.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let local: TestServer;
let work: string;
let weights: Buffer;
let rows: Buffer;
let erinToken: string;
/** The dataset's files: enough of them that a page of 2 takes several pages. */
const DATASET_FILES: Record<string, string> = {
  'README.md': '---\nlicense: mit\n---\n# Rows\n',
  'data/train.csv': 'text,label\nhello,1\n',
  'data/test.csv': 'text,label\nbye,0\n',
  'data/dev/dev.csv': 'text,label\nhm,1\n',
  'notes.txt': 'collected by hand\n',
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function moda(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_MS_UPSTREAM: upstream.url },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

async function files(server: TestServer, api: string): Promise<string[]> {
  const response = await server.request(`${api}?blobs=true`);
  assert.equal(response.status, 200, await response.clone().text());
  return (((await response.json()) as RepoInfo).siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-ms-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  const token = await createUserWithToken(upstream, 'erin');
  erinToken = token;
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('erin/scope');
  const folder = await mkdtemp(join(work, 'seed-'));
  weights = randomBytes(1024 * 1024 + 11);
  await writeFile(join(folder, 'pytorch_model.bin'), weights);
  await writeFile(join(folder, 'configuration.json'), '{"framework":"pytorch","task":"text-classification"}\n');
  await upload(client, 'erin/scope', folder, { message: 'Scope weights', description: 'From the ModelScope side.' });

  await client.createRepo('erin/rows', { type: 'dataset' });
  const dataset = await mkdtemp(join(work, 'dataset-'));
  for (const [path, content] of Object.entries(DATASET_FILES)) {
    await mkdir(dirname(join(dataset, path)), { recursive: true });
    await writeFile(join(dataset, path), content);
  }
  rows = randomBytes(1024 * 1024 + 3);
  await writeFile(join(dataset, 'data', 'rows.bin'), rows);
  await upload(client, 'erin/rows', dataset, { type: 'dataset', message: 'Add rows', description: 'Five small files and one large.' });
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('ms: pull copies files (LFS kept as LFS), verified by Sha256, with the head commit message', async () => {
  const result = await moda(['pull', 'ms:erin/scope', '--to', 'admin/scope']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await files(local, '/api/models/admin/scope'), await files(upstream, '/api/models/erin/scope'));
  const content = Buffer.from(await (await local.request('/admin/scope/resolve/main/pytorch_model.bin')).arrayBuffer());
  assert.equal(sha256(content), sha256(weights));
  const [head] = (await (await local.request('/api/models/admin/scope/commits/main')).json()) as { title: string; message: string }[];
  assert.equal(head?.title, 'Scope weights');
  assert.equal(head?.message, 'From the ModelScope side.');

  const again = await moda(['pull', 'ms:erin/scope', '--to', 'admin/scope']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already up to date/);
});

/** A fetch that logs every upstream URL it is asked for (decoded), optionally rewriting some. */
function loggingFetch(rewrite: (url: string) => string = (url) => url) {
  const urls: string[] = [];
  const fetchFunction: FetchFunction = (input, init) => {
    if (input.startsWith(upstream.url)) urls.push(decodeURIComponent(input));
    return fetch(rewrite(input), init);
  };
  return { fetch: fetchFunction, urls };
}

void test('ms:datasets/… pulls a dataset: info, tree by Id, file downloads with Source=SDK, head commit kept', async () => {
  const result = await moda(['pull', 'ms:datasets/erin/rows', '--to', 'admin/rows']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /pulled ms:datasets\/erin\/rows into datasets\/admin\/rows/);
  assert.deepEqual(await files(local, '/api/datasets/admin/rows'), await files(upstream, '/api/datasets/erin/rows'));
  for (const [path, content] of Object.entries(DATASET_FILES)) {
    assert.equal(await (await local.request(`/datasets/admin/rows/resolve/main/${path}`)).text(), content, path);
  }
  const copied = Buffer.from(await (await local.request('/datasets/admin/rows/resolve/main/data/rows.bin')).arrayBuffer());
  assert.equal(sha256(copied), sha256(rows));
  const [head] = (await (await local.request('/api/datasets/admin/rows/commits/main')).json()) as { title: string; message: string }[];
  assert.equal(head?.title, 'Add rows');
  assert.equal(head?.message, 'Five small files and one large.');
  assert.equal((await local.request('/api/models/admin/rows')).status, 404, 'a dataset, not a model');
});

void test('the dataset tree is read page by page until TotalCount, and every file is copied', async () => {
  const log = loggingFetch();
  const upstreamReader = msUpstream({ label: 'ms:datasets/erin/rows', endpoint: upstream.url, repo: 'erin/rows', type: 'dataset', fetch: log.fetch, pageSize: 2 });
  const result = await pull({ upstream: upstreamReader, local: new ModaClient({ endpoint: local.url, token: ADMIN_TOKEN }), type: 'dataset', to: 'admin/rows-paged', cacheDir: join(work, 'paged-cache') });
  assert.equal(result.created, true);
  assert.equal(result.files, Object.keys(DATASET_FILES).length + 2, 'the five files, rows.bin and .gitattributes');
  const pages = log.urls.filter((url) => url.includes('/repo/tree?')).map((url) => new URL(url).searchParams);
  // 7 files and 2 folders (data, data/dev) at 2 a page: 5 pages, asked in order, 2 at a time.
  assert.deepEqual(pages.map((query) => query.get('PageNumber')), ['1', '2', '3', '4', '5']);
  assert.ok(pages.every((query) => query.get('PageSize') === '2' && query.get('Recursive') === 'True' && query.get('Revision') === 'master'));
  assert.ok(log.urls.some((url) => url.includes('/api/v1/datasets/erin/rows/repo?Source=SDK&Revision=master&FilePath=data/dev/dev.csv')));
  assert.deepEqual(await files(local, '/api/datasets/admin/rows-paged'), await files(upstream, '/api/datasets/erin/rows'));
});

void test('a dataset tree that ignores PageNumber is refused, and nothing is created', async () => {
  const log = loggingFetch((url) => url.replace(/PageNumber=\d+/, 'PageNumber=1'));
  const upstreamReader = msUpstream({ label: 'ms:datasets/erin/rows', endpoint: upstream.url, repo: 'erin/rows', type: 'dataset', fetch: log.fetch, pageSize: 2 });
  await assert.rejects(
    pull({ upstream: upstreamReader, local: new ModaClient({ endpoint: local.url, token: ADMIN_TOKEN }), type: 'dataset', to: 'admin/rows-loop', cacheDir: join(work, 'loop-cache') }),
    (error) => isModaError(error) && error.code === 'UPSTREAM_INVALID_RESPONSE' && /repeats earlier pages/.test(error.message),
  );
  assert.equal((await local.request('/api/datasets/admin/rows-loop')).status, 404);
  const missing = await moda(['pull', 'ms:datasets/erin/no-such-rows']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /HUB_REPO_NOT_FOUND/);
});

void test('a private upstream repo needs --upstream-token (sent as the session cookie), and its copy stays private', async () => {
  const client = new ModaClient({ endpoint: upstream.url, token: erinToken });
  await client.createRepo('erin/hidden', { private: true });
  const folder = await mkdtemp(join(work, 'hidden-'));
  await writeFile(join(folder, 'configuration.json'), '{"framework":"onnx"}\n');
  await upload(client, 'erin/hidden', folder, { message: 'Hidden weights' });

  const anonymous = await moda(['pull', 'ms:erin/hidden', '--to', 'admin/hidden']);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /HUB_REPO_NOT_FOUND/);
  assert.equal((await local.request('/api/models/admin/hidden')).status, 404);

  const signedIn = await moda(['pull', 'ms:erin/hidden', '--to', 'admin/hidden', '--upstream-token', erinToken]);
  assert.equal(signedIn.code, 0, signedIn.stderr);
  assert.match(signedIn.stderr, /into admin\/hidden \(private\)/);
  assert.deepEqual(await files(local, '/api/models/admin/hidden'), await files(upstream, '/api/models/erin/hidden'));
  assert.equal((await local.request('/api/models/admin/hidden', { token: null })).status, 404, 'not readable anonymously here either');
});
