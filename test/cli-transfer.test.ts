// `moda upload` / `moda download` and the client transfer API against a real server: a folder with a
// text file and a 12 MiB random binary (LFS), the Hugging Face cache layout, downloads that cost no
// transfer the second time, resumed downloads (parallel parts and single stream), digest checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { FetchFunction } from '../src/client/moda-client.js';
import { ModaClient } from '../src/client/moda-client.js';
import { download, downloadIter } from '../src/client/download.js';
import { uploadIter } from '../src/client/upload.js';
import type { ModaError } from '../src/errors/moda-error.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

const BIG_SIZE = 12 * 1024 * 1024;
const REPO = 'carol/transfer';

let server: TestServer;
let work: string;
let token: string;
let folder: string;
let big: Buffer;
const text = 'hello from moda\n';

/** A fetch that records every request's method, URL and Range, and the bytes of resolve answers. */
function countingFetch() {
  const requests: { method: string; url: string; range: string | null }[] = [];
  let resolveBytes = 0;
  const fetchFunction: FetchFunction = async (input, init) => {
    requests.push({ method: init?.method ?? 'GET', url: input, range: new Headers(init?.headers).get('range') });
    const response = await fetch(input, init);
    if (input.includes('/resolve/')) resolveBytes += Number(response.headers.get('content-length') ?? 0);
    return response;
  };
  return {
    fetch: fetchFunction,
    requests,
    resolveGets: () => requests.filter((request) => request.method === 'GET' && request.url.includes('/resolve/')),
    resolveBytes: () => resolveBytes,
  };
}

async function moda(args: string[], options: { home?: string; fetch?: FetchFunction } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: options.home ?? join(work, 'home'), MODA_ENDPOINT: server.url, MODA_TOKEN: token },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
    fetch: options.fetch,
  });
  return { code, stdout, stderr };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-cli-transfer-'));
  token = await createUserWithToken(server, 'carol');
  folder = join(work, 'upload');
  big = randomBytes(BIG_SIZE);
  await mkdir(join(folder, 'nested'), { recursive: true });
  await mkdir(join(folder, '.git'), { recursive: true });
  await writeFile(join(folder, 'hello.txt'), text);
  await writeFile(join(folder, 'nested', 'weights.bin'), big);
  await writeFile(join(folder, '.git', 'config'), '[core]\n');
  const created = await moda(['repo', 'create', REPO]);
  assert.equal(created.code, 0, created.stderr);
  const uploaded = await moda(['upload', REPO, folder, '--message', 'first upload']);
  assert.equal(uploaded.code, 0, uploaded.stderr);
  assert.match(uploaded.stdout, /\/carol\/transfer\/commit\/[0-9a-f]{40}\n$/);
  assert.match(uploaded.stderr, /1 via LFS/);
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('upload sends the text file inline, the binary through LFS, and skips .git', async () => {
  const client = new ModaClient({ endpoint: server.url, token });
  const info = await client.repoInfo(REPO, { blobs: true });
  const files = new Map(info.siblings?.map((sibling) => [sibling.rfilename, sibling]));
  assert.equal(files.get('hello.txt')?.size, text.length);
  assert.equal(files.get('hello.txt')?.lfs, undefined);
  assert.equal(files.get('nested/weights.bin')?.lfs?.sha256, sha256(big));
  assert.equal(files.get('nested/weights.bin')?.size, BIG_SIZE);
  assert.equal(files.has('.git/config'), false);
  const commits = (await (await server.request(`/api/models/${REPO}/commits/main`)).json()) as { title: string }[];
  assert.equal(commits[0]?.title, 'first upload');
});

void test('download fills the HF cache, and a second download makes no resolve GET', async () => {
  const home = join(work, 'home-download');
  const first = countingFetch();
  const result = await moda(['download', REPO], { home, fetch: first.fetch });
  assert.equal(result.code, 0, result.stderr);
  const snapshot = result.stdout.trim();
  const repoFolder = join(home, 'cache', 'hub', 'models--carol--transfer');
  const commit = (await readFile(join(repoFolder, 'refs', 'main'), 'utf8')).trim();
  assert.equal(snapshot, join(repoFolder, 'snapshots', commit));
  assert.ok((await readFile(join(snapshot, 'nested', 'weights.bin'))).equals(big));
  assert.equal(await readFile(join(snapshot, 'hello.txt'), 'utf8'), text);
  const link = join(snapshot, 'nested', 'weights.bin');
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal(await readlink(link), join('..', '..', '..', 'blobs', sha256(big)));
  assert.equal(sha256(await readFile(join(repoFolder, 'blobs', sha256(big)))), sha256(big));
  assert.equal(first.resolveGets().length, 4, 'one GET per file: .gitattributes, README.md, hello.txt, weights.bin');

  const second = countingFetch();
  const again = await moda(['download', REPO], { home, fetch: second.fetch });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), snapshot);
  assert.deepEqual(second.resolveGets(), []);
  assert.equal(second.resolveBytes(), 0);

  // With the server unreachable, the cached snapshot of the revision is still answered.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const offline = await moda(['--endpoint', `http://127.0.0.1:${port}`, 'download', REPO], { home });
  assert.equal(offline.code, 0, offline.stderr);
  assert.equal(offline.stdout.trim(), snapshot);
  assert.match(offline.stderr, /unreachable; using the cached snapshot/);

  // --local-dir copies plain files out of the cache, still with no transfer.
  const localDir = join(work, 'plain');
  const third = countingFetch();
  const copied = await moda(['download', REPO, 'nested', 'hello.txt', '--local-dir', localDir], { home, fetch: third.fetch });
  assert.equal(copied.code, 0, copied.stderr);
  assert.equal(copied.stdout.trim(), localDir);
  assert.deepEqual(third.resolveGets(), []);
  assert.ok((await lstat(join(localDir, 'nested', 'weights.bin'))).isFile());
  assert.ok((await readFile(join(localDir, 'nested', 'weights.bin'))).equals(big));
  assert.deepEqual((await readdir(localDir)).sort(), ['hello.txt', 'nested']);
});

void test('download of a path that does not exist fails with HUB_ENTRY_NOT_FOUND', async () => {
  const result = await moda(['download', REPO, 'missing.txt'], { home: join(work, 'home-missing') });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: .*missing\.txt.* \[HUB_ENTRY_NOT_FOUND\]\n$/);
});

void test('a download aborted partway through parallel parts resumes with only the missing parts', async () => {
  const cacheDir = join(work, 'cache-parts');
  const client = new ModaClient({ endpoint: server.url, token });
  const partOptions = { cacheDir, parallelThresholdBytes: 1024 * 1024, partSizeBytes: 1024 * 1024, concurrency: 3 };
  const controller = new AbortController();
  await assert.rejects(
    async () => {
      for await (const event of downloadIter(client, REPO, ['nested/weights.bin'], { ...partOptions, signal: controller.signal })) {
        if (event.event === 'fileProgress' && event.bytes > 5 * 1024 * 1024) controller.abort();
      }
    },
    (error: Error) => error.name === 'AbortError',
  );
  const oid = sha256(big);
  const blobs = join(cacheDir, 'models--carol--transfer', 'blobs');
  const parts = JSON.parse(await readFile(join(blobs, `${oid}.incomplete.parts`), 'utf8')) as { done: number[] };
  assert.ok(parts.done.length >= 3 && parts.done.length < 12, `parts done: ${parts.done.join(',')}`);
  await assert.rejects(stat(join(blobs, oid)), 'no blob before it is complete and verified');

  const counter = countingFetch();
  const result = await download(new ModaClient({ endpoint: server.url, token, fetch: counter.fetch }), REPO, ['nested/weights.bin'], partOptions);
  assert.equal(counter.resolveGets().length, 12 - parts.done.length, 'one ranged GET per missing part');
  assert.ok(counter.resolveGets().every((request) => /^bytes=\d+-\d+$/.test(request.range ?? '')));
  assert.equal(counter.resolveBytes(), (12 - parts.done.length) * 1024 * 1024);
  const bytes = await readFile(result.files[0]?.snapshotPath ?? '');
  assert.equal(sha256(bytes), oid);
  assert.ok(bytes.equals(big));
  await assert.rejects(stat(join(blobs, `${oid}.incomplete.parts`)), 'the sidecar is gone once the blob is in place');
});

void test('a single-stream download resumes with Range: bytes=N-', async () => {
  const cacheDir = join(work, 'cache-stream');
  const client = new ModaClient({ endpoint: server.url, token });
  const controller = new AbortController();
  await assert.rejects(async () => {
    for await (const event of downloadIter(client, REPO, ['nested/weights.bin'], { cacheDir, signal: controller.signal })) {
      if (event.event === 'fileProgress' && event.bytes > 3 * 1024 * 1024) controller.abort();
    }
  });
  const incomplete = join(cacheDir, 'models--carol--transfer', 'blobs', `${sha256(big)}.incomplete`);
  const have = (await stat(incomplete)).size;
  assert.ok(have > 0 && have < BIG_SIZE);

  const counter = countingFetch();
  const result = await download(new ModaClient({ endpoint: server.url, token, fetch: counter.fetch }), REPO, ['nested/weights.bin'], { cacheDir });
  assert.deepEqual(counter.resolveGets().map((request) => request.range), [`bytes=${have}-`]);
  assert.equal(counter.resolveBytes(), BIG_SIZE - have);
  assert.ok((await readFile(result.files[0]?.snapshotPath ?? '')).equals(big));
});

void test('a blob whose digest does not match is deleted and reported', async () => {
  const cacheDir = join(work, 'cache-corrupt');
  const client = new ModaClient({ endpoint: server.url, token });
  const info = await client.repoInfo(REPO, { blobs: true });
  const blobId = info.siblings?.find((sibling) => sibling.rfilename === 'hello.txt')?.blobId ?? '';
  assert.equal(blobId, createHash('sha1').update(`blob ${text.length}\0${text}`).digest('hex'));
  const blobs = join(cacheDir, 'models--carol--transfer', 'blobs');
  await mkdir(blobs, { recursive: true });
  // A complete-looking partial file with the wrong bytes: nothing is fetched, the check catches it.
  await writeFile(join(blobs, `${blobId}.incomplete`), 'X'.repeat(text.length));
  await assert.rejects(download(client, REPO, ['hello.txt'], { cacheDir }), (error: ModaError) => {
    assert.equal(error.code, 'DOWNLOAD_DIGEST_MISMATCH');
    assert.match(error.message, /hello\.txt/);
    return true;
  });
  await assert.rejects(stat(join(blobs, `${blobId}.incomplete`)));
  await assert.rejects(stat(join(blobs, blobId)));
  const retried = await download(client, REPO, ['hello.txt'], { cacheDir });
  assert.equal(await readFile(retried.files[0]?.snapshotPath ?? '', 'utf8'), text);
});

void test('uploadIter reports hashing and upload progress; a file goes where --path-in-repo says', async () => {
  const client = new ModaClient({ endpoint: server.url, token });
  await client.createRepo('carol/data', { type: 'dataset' });
  const single = join(work, 'single.bin');
  await writeFile(single, big.subarray(0, 2 * 1024 * 1024));
  const states = new Set<string>();
  let committed = '';
  for await (const event of uploadIter(client, 'carol/data', single, { type: 'dataset', pathInRepo: 'raw/part-0.bin' })) {
    if (event.event === 'fileProgress' && event.bytes === event.size) states.add(event.state);
    if (event.event === 'committed') committed = event.commitOid;
  }
  assert.deepEqual([...states].sort(), ['hashing', 'uploading']);
  assert.match(committed, /^[0-9a-f]{40}$/);
  const result = await moda(['download', 'carol/data', 'raw/part-0.bin', '--type', 'dataset', '--revision', committed], { home: join(work, 'home-data') });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /datasets--carol--data\/snapshots\//);
  assert.ok((await readFile(join(result.stdout.trim(), 'raw', 'part-0.bin'))).equals(big.subarray(0, 2 * 1024 * 1024)));

  // Uploading the same content again sends no bytes: the server already has the object.
  const again: string[] = [];
  for await (const event of uploadIter(client, 'carol/data', single, { type: 'dataset', pathInRepo: 'raw/part-1.bin' })) {
    if (event.event === 'fileProgress' && event.state === 'uploading') again.push(event.alreadyStored ? 'stored' : 'sent');
  }
  assert.deepEqual(again, ['stored']);
});

void test('errors: an upload without a token is AUTH_REQUIRED, a missing local path PATH_INVALID', async () => {
  let stderr = '';
  const code = await runCli(['upload', REPO, folder], {
    env: { MODA_HOME: join(work, 'home-anon'), MODA_ENDPOINT: server.url },
    stdout: { write: () => true },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  assert.equal(code, 1);
  assert.match(stderr, /\[AUTH_REQUIRED\]\n$/);
  const missing = await moda(['upload', REPO, join(work, 'nope')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\[PATH_INVALID\]\n$/);
});

void test('progress is a redrawn bar on a terminal and plain lines otherwise', async () => {
  const file = join(work, 'tty.bin');
  await writeFile(file, big.subarray(0, 1024 * 1024));
  const run = async (isTTY: boolean, args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env: { MODA_HOME: join(work, 'home-tty'), MODA_ENDPOINT: server.url, MODA_TOKEN: token },
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk), isTTY },
    });
    assert.equal(code, 0, stderr);
    return { stdout, stderr };
  };
  const terminal = await run(true, ['upload', REPO, file, '--path-in-repo', 'extra/tty.bin']);
  assert.match(terminal.stderr, /\r\x1b\[Kuploading \[#+\] 100% 1\.0 MiB\/1\.0 MiB/);
  const plain = await run(false, ['upload', REPO, file, '--path-in-repo', 'extra/plain.bin']);
  assert.ok(!plain.stderr.includes('\r'));
  assert.match(plain.stderr, /already stored extra\/plain\.bin \(1\.0 MiB\)/);
  const fetched = await run(true, ['download', REPO, 'extra/tty.bin']);
  assert.match(fetched.stderr, /downloading \[#+\] 100%/);
  assert.ok((await readFile(join(fetched.stdout.trim(), 'extra', 'tty.bin'))).equals(big.subarray(0, 1024 * 1024)));
});
