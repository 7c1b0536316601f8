// `moda pull --revision`: a tag (or commit) of the upstream is copied as it was then, with that
// revision's head commit message, over both wire APIs; an unknown revision is refused before
// anything is created. Content the upstream serves that does not match the digest it listed is
// refused (DOWNLOAD_DIGEST_MISMATCH) and nothing becomes visible locally.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo } from '../src/client/api-types.js';
import { ModaClient, type FetchFunction } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { isModaError } from '../src/errors/moda-error.js';
import { openUpstream, parsePullSource } from '../src/mirror/parse-pull-source.js';
import { pull } from '../src/mirror/pull-repo.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let local: TestServer;
let work: string;
let oldWeights: Buffer;
let newWeights: Buffer;
let v1Commit: string;
/** Files of erin/tamper, a repo whose content the local hub never gets. */
const tamperFiles: Record<string, Buffer> = {};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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

async function info(server: TestServer, path: string): Promise<RepoInfo> {
  const response = await server.request(`${path}?blobs=true`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as RepoInfo;
}

function fileIds(repoInfo: RepoInfo): string[] {
  return (repoInfo.siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
}

async function localHead(repo: string) {
  return ((await (await local.request(`/api/models/${repo}/commits/main`)).json()) as { title: string; message: string }[])[0];
}

/** A fetch that flips the first byte of every upstream download of `path`, as a broken mirror might. */
function tamperingFetch(path: string): FetchFunction {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = decodeURIComponent(input);
    const download = input.startsWith(upstream.url) && (url.endsWith(`/${path}`) || url.endsWith(`FilePath=${path}`));
    if (!download || !response.ok) return response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > 0) bytes[0] = (bytes[0] as number) ^ 0xff;
    return new Response(bytes, { status: response.status, headers: response.headers });
  };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-revision-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer()]);
  const token = await createUserWithToken(upstream, 'erin');
  const client = new ModaClient({ endpoint: upstream.url, token });
  await client.createRepo('erin/versions');
  const folder = await mkdtemp(join(work, 'seed-'));
  oldWeights = randomBytes(512 * 1024 + 1);
  newWeights = randomBytes(512 * 1024 + 2);
  await writeFile(join(folder, 'weights.bin'), oldWeights);
  await writeFile(join(folder, 'config.json'), '{"version":1}\n');
  v1Commit = (await upload(client, 'erin/versions', folder, { message: 'Version one', description: 'The first weights.' })).commitOid;
  await client.createTag('erin/versions', 'v1');
  await writeFile(join(folder, 'weights.bin'), newWeights);
  await writeFile(join(folder, 'config.json'), '{"version":2}\n');
  await writeFile(join(folder, 'extra.txt'), 'only in version two\n');
  await upload(client, 'erin/versions', folder, { message: 'Version two' });

  await client.createRepo('erin/tamper');
  const tamper = await mkdtemp(join(work, 'tamper-'));
  tamperFiles['config.json'] = Buffer.from('{"tamper":true}\n');
  tamperFiles['weights.bin'] = randomBytes(256 * 1024 + 3);
  for (const [path, content] of Object.entries(tamperFiles)) await writeFile(join(tamper, path), content);
  await upload(client, 'erin/tamper', tamper, { message: 'Tamper target' });
});

after(async () => {
  await Promise.all([upstream.stop(), local.stop()]);
  await rm(work, { recursive: true, force: true });
});

void test('hf: --revision with a tag or a commit sha copies that version and its head commit message', async () => {
  const expected = fileIds(await info(upstream, '/api/models/erin/versions/revision/v1'));
  for (const [revision, repo] of [['v1', 'admin/hf-v1'], [v1Commit, 'admin/hf-sha']] as const) {
    const result = await moda(['pull', 'hf:erin/versions', '--revision', revision, '--to', repo]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`hf:erin/versions@${v1Commit.slice(0, 12)}: 4 file`));
    assert.deepEqual(fileIds(await info(local, `/api/models/${repo}`)), expected, revision);
    assert.equal(await (await local.request(`/${repo}/resolve/main/config.json`)).text(), '{"version":1}\n');
    const head = await localHead(repo);
    assert.equal(head?.title, 'Version one');
    assert.equal(head?.message, 'The first weights.');
  }
});

void test('ms: --revision with a tag copies that version; a later pull of the default branch moves it on', async () => {
  const result = await moda(['pull', 'ms:erin/versions', '--revision', 'v1', '--to', 'admin/ms-v1']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(fileIds(await info(local, '/api/models/admin/ms-v1')), fileIds(await info(upstream, '/api/models/erin/versions/revision/v1')));
  assert.equal(sha256(Buffer.from(await (await local.request('/admin/ms-v1/resolve/main/weights.bin')).arrayBuffer())), sha256(oldWeights));
  assert.equal((await localHead('admin/ms-v1'))?.title, 'Version one');

  const latest = await moda(['pull', 'ms:erin/versions', '--to', 'admin/ms-v1']);
  assert.equal(latest.code, 0, latest.stderr);
  assert.deepEqual(fileIds(await info(local, '/api/models/admin/ms-v1')), fileIds(await info(upstream, '/api/models/erin/versions')));
  assert.equal(sha256(Buffer.from(await (await local.request('/admin/ms-v1/resolve/main/weights.bin')).arrayBuffer())), sha256(newWeights));
  assert.equal((await localHead('admin/ms-v1'))?.title, 'Version two');
});

void test('an unknown revision is refused over both APIs and nothing is created', async () => {
  for (const source of ['hf:erin/versions', 'ms:erin/versions']) {
    const result = await moda(['pull', source, '--revision', 'v9', '--to', 'admin/never']);
    assert.equal(result.code, 1, source);
    assert.match(result.stderr, /HUB_REVISION_NOT_FOUND/, `${source}: ${result.stderr}`);
  }
  assert.equal((await local.request('/api/models/admin/never')).status, 404);
});

void test('content that does not match its listed digest is refused and nothing is imported', async () => {
  // config.json is a regular file (git blob sha1 on the HF API, Sha256 on ModelScope), weights.bin an LFS object.
  for (const [spec, path] of [['hf:erin/tamper', 'config.json'], ['hf:erin/tamper', 'weights.bin'], ['ms:erin/tamper', 'config.json'], ['ms:erin/tamper', 'weights.bin']] as const) {
    const source = parsePullSource(spec, { hfUpstream: upstream.url, msUpstream: upstream.url });
    const cacheDir = join(work, `cache-tampered-${source.protocol}-${path}`);
    await assert.rejects(
      pull({ upstream: openUpstream(source, { fetch: tamperingFetch(path) }), local: new ModaClient({ endpoint: local.url, token: ADMIN_TOKEN }), type: 'model', to: 'admin/tampered', cacheDir }),
      (error: unknown) => isModaError(error) && error.code === 'DOWNLOAD_DIGEST_MISMATCH' && error.message.includes(path),
      `${spec} ${path}`,
    );
    assert.equal((await local.request('/api/models/admin/tampered')).status, 404, `${spec} ${path}`);
    // The bad copy is deleted, never kept under the file's digest for a later run to take as finished.
    const content = tamperFiles[path] as Buffer;
    const names = await readdir(join(cacheDir, 'blobs'));
    for (const digest of [sha256(content), createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')]) {
      assert.ok(!names.some((name) => name.startsWith(digest)), `${spec} ${path}: ${names.join(', ')}`);
    }
  }
});
