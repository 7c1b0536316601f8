// Interrupted pulls: an abort part-way through the large file leaves finished files and the partial
// one in the pull cache, and the next run fetches only the rest with `Range`; an upstream that stops
// mid-pull gives UPSTREAM_UNAVAILABLE and leaves no local repo behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModaClient, type FetchFunction } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { isModaError } from '../src/errors/moda-error.js';
import { openUpstream, parsePullSource } from '../src/mirror/parse-pull-source.js';
import { pull, pullIter, type PullEvent } from '../src/mirror/pull-repo.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

const WEIGHTS_SIZE = 4 * 1024 * 1024;
const CUT_AFTER = 1024 * 1024;

let upstream: TestServer;
let local: TestServer;
let work: string;
let weights: Buffer;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Request {
  path: string;
  range: string | null;
}

/** A fetch that records resolve GETs to the upstream and the bytes their bodies carried. */
function recordingFetch(options: { cutWeightsAfter?: number; onCut?: () => void; beforeWeights?: () => Promise<void> } = {}) {
  const gets: Request[] = [];
  let bytes = 0;
  const fetchFunction: FetchFunction = async (input, init) => {
    const isUpstreamResolve = input.startsWith(upstream.url) && input.includes('/resolve/');
    const path = decodeURIComponent(input.split('/resolve/')[1]?.split('/').slice(1).join('/') ?? '');
    if (isUpstreamResolve && path === 'weights.bin') await options.beforeWeights?.();
    const response = await fetch(input, init);
    if (!isUpstreamResolve || !response.body) return response;
    gets.push({ path, range: new Headers(init?.headers).get('range') });
    const reader = response.body.getReader();
    let passed = 0;
    const cut = path === 'weights.bin' ? options.cutWeightsAfter : undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (cut !== undefined && passed >= cut) {
          options.onCut?.();
          await reader.cancel();
          controller.error(new DOMException('interrupted by the test', 'AbortError'));
          return;
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        passed += value.length;
        bytes += value.length;
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { fetch: fetchFunction, gets, bytes: () => bytes };
}

function pullOptions(spec: string, cacheDir: string, fetchFunction: FetchFunction, extra: { to?: string; signal?: AbortSignal } = {}) {
  const source = parsePullSource(spec, { hfUpstream: upstream.url, msUpstream: 'http://127.0.0.1:9' });
  return {
    upstream: openUpstream(source, { fetch: fetchFunction }),
    local: new ModaClient({ endpoint: local.url, token: ADMIN_TOKEN }),
    type: source.type,
    cacheDir,
    ...extra,
  };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-resume-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  const token = await createUserWithToken(upstream, 'bob');
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('bob/big');
  const folder = await mkdtemp(join(work, 'seed-'));
  weights = randomBytes(WEIGHTS_SIZE);
  await writeFile(join(folder, 'weights.bin'), weights);
  await writeFile(join(folder, 'config.json'), '{"hidden_size":8}\n');
  await upload(client, 'bob/big', folder, { message: 'Big weights' });
  // Other weights for the upstream-gone case: bob/big's are in the local blob store by then and
  // would not be asked for at all.
  await client.createRepo('bob/gone');
  await writeFile(join(folder, 'weights.bin'), randomBytes(WEIGHTS_SIZE));
  await upload(client, 'bob/gone', folder, { message: 'Weights that never arrive' });
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('an interrupted pull resumes: finished files are not fetched again, the large one continues with Range', async () => {
  const cacheDir = join(work, 'cache-resume');
  const controller = new AbortController();
  const first = recordingFetch({ cutWeightsAfter: CUT_AFTER, onCut: () => controller.abort(new DOMException('stopped', 'AbortError')) });
  const seen: PullEvent[] = [];
  await assert.rejects(
    async () => {
      for await (const event of pullIter(pullOptions('hf:bob/big', cacheDir, first.fetch, { signal: controller.signal }))) seen.push(event);
    },
    (error: Error) => error.name === 'AbortError',
  );
  assert.deepEqual(first.gets.map((get) => get.path).sort(), ['.gitattributes', 'README.md', 'config.json', 'weights.bin']);
  assert.ok(seen.some((event) => event.event === 'fileDone' && event.path === 'config.json'));
  assert.equal((await local.request('/api/models/bob/big')).status, 404, 'nothing is visible before every file is verified');
  const partial = (await stat(join(cacheDir, 'blobs', `${sha256(weights)}.incomplete`))).size;
  assert.ok(partial > 0 && partial <= CUT_AFTER, `partial file has ${partial} bytes`);

  const second = recordingFetch();
  const result = await pull(pullOptions('hf:bob/big', cacheDir, second.fetch));
  assert.deepEqual(second.gets, [{ path: 'weights.bin', range: `bytes=${partial}-` }], 'only the rest of weights.bin is fetched');
  assert.equal(second.bytes(), WEIGHTS_SIZE - partial);
  assert.equal(result.downloadedBytes, WEIGHTS_SIZE - partial);
  assert.equal(result.created, true);

  const content = Buffer.from(await (await local.request('/bob/big/resolve/main/weights.bin')).arrayBuffer());
  assert.equal(sha256(content), sha256(weights));
  const commits = (await (await local.request('/api/models/bob/big/commits/main')).json()) as { id: string; title: string }[];
  assert.equal(commits[0]?.id, result.commitOid);
  assert.equal(commits[0]?.title, 'Big weights');
  assert.deepEqual(await readdir(join(cacheDir, 'blobs')), []);
});

void test('an upstream that stops mid-pull gives UPSTREAM_UNAVAILABLE and no partial local repo', async () => {
  const cacheDir = join(work, 'cache-gone');
  const dying = recordingFetch({ beforeWeights: () => upstream.stop() });
  await assert.rejects(
    () => pull(pullOptions('hf:bob/gone', cacheDir, dying.fetch, { to: 'admin/gone' })),
    (error: unknown) => isModaError(error) && error.code === 'UPSTREAM_UNAVAILABLE' && /hf:bob\/gone/.test(error.message),
  );
  assert.ok(dying.gets.some((get) => get.path === 'config.json'), 'the pull was under way when the upstream went');
  assert.equal((await local.request('/api/models/admin/gone')).status, 404);
  const listed = (await (await local.request('/api/models?search=gone')).json()) as unknown[];
  assert.deepEqual(listed, []);
});
