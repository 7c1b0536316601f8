// Air-gap bundles: `moda export` of two repos (branches, an annotated tag, LFS history) and
// `moda import` into a fresh server give identical commit shas and file hashes; a bundle with a
// changed byte, a path escaping its root or a symlink is refused with nothing imported.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack, type Headers } from 'tar-stream';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo, RepoRefs } from '../src/client/api-types.js';
import { ModaClient } from '../src/client/moda-client.js';
import { upload } from '../src/client/upload.js';
import { isModaError } from '../src/errors/moda-error.js';
import { importBundle } from '../src/mirror/import-bundle.js';
import { updateSettings } from '../src/hub/repos/update-settings.js';
import { importActor } from '../src/mirror/ensure-namespace.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let source: TestServer;
let work: string;
let bundlePath: string;
let weightsV1: Buffer;
let weightsV2: Buffer;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function moda(home: string, args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: home },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

async function json<T>(server: TestServer, path: string): Promise<T> {
  const response = await server.request(path);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** Everything a copy must keep: refs, every commit id and message, each file's size and digest per ref. */
async function fingerprint(server: TestServer, api: string) {
  const refs = await json<RepoRefs>(server, `${api}/refs`);
  const view: Record<string, unknown> = { refs: [...refs.branches, ...refs.tags].map((ref) => `${ref.ref} ${ref.targetCommit}`).sort() };
  for (const ref of [...refs.branches, ...refs.tags]) {
    const info = await json<RepoInfo>(server, `${api}/revision/${encodeURIComponent(ref.name)}?blobs=true`);
    view[`files@${ref.name}`] = (info.siblings ?? []).map((sibling) => `${sibling.rfilename} ${sibling.size} ${sibling.lfs?.sha256 ?? sibling.blobId}`).sort();
    view[`log@${ref.name}`] = (await json<{ id: string; title: string }[]>(server, `${api}/commits/${encodeURIComponent(ref.name)}`)).map((commit) => `${commit.id} ${commit.title}`);
  }
  view.private = (await json<RepoInfo>(server, api)).private;
  return view;
}

/** Changes one entry of a bundle (undefined: keep it as it is). */
type EntryEdit = (header: Headers, content: Buffer) => { header: Headers; content: Buffer } | undefined;

/** Rewrites a bundle entry by entry through `edit`. */
async function rewriteBundle(from: string, to: string, edit: EntryEdit) {
  const extract = tarExtract();
  const pack = tarPack();
  const written = pipeline(pack, createWriteStream(to));
  createReadStream(from).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const kept = edit(entry.header, Buffer.concat(chunks)) ?? { header: entry.header, content: Buffer.concat(chunks) };
    await new Promise<void>((resolve, reject) => pack.entry(kept.header, kept.content, (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await written;
}

async function assertNothingImported(server: TestServer, oids: string[]) {
  for (const path of ['/api/models/dora/weights', '/api/datasets/dora/table']) assert.equal((await server.request(path)).status, 404, path);
  for (const oid of oids) assert.equal(await server.hub.blobs.stat(oid), undefined, `blob ${oid} must not be in the store`);
  const scratch = await readdir(join(server.home, 'repos', '.scratch')).catch(() => [] as string[]);
  assert.deepEqual(scratch, [], 'no staging left behind');
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-bundle-'));
  source = await startTestServer();
  const token = await createUserWithToken(source, 'dora');
  const client = new ModaClient({ endpoint: source.url, token });
  await client.createRepo('dora/weights');
  await client.createRepo('dora/table', { type: 'dataset', private: true });
  await client.createRepo('dora/team');
  await updateSettings(source.hub, importActor, 'model', 'dora/team', { visibility: 'internal' });
  const folder = await mkdtemp(join(work, 'seed-'));
  weightsV1 = randomBytes(1024 * 1024 + 5);
  weightsV2 = randomBytes(1024 * 1024 + 9);
  await writeFile(join(folder, 'model.onnx'), weightsV1);
  await upload(client, 'dora/weights', folder, { message: 'First weights' });
  await client.createTag('dora/weights', 'v1', { message: 'release one' });
  await client.createBranch('dora/weights', 'v1-fixes');
  await writeFile(join(folder, 'model.onnx'), weightsV2);
  await upload(client, 'dora/weights', folder, { message: 'Second weights' });
  const table = await mkdtemp(join(work, 'table-'));
  await writeFile(join(table, 'rows.csv'), 'x,y\n1,2\n');
  await upload(client, 'dora/table', table, { type: 'dataset', message: 'Rows' });

  bundlePath = join(work, 'dora.tar');
  const exported = await moda(source.home, ['export', 'dora/weights', 'datasets/dora/table', 'dora/team', '--out', bundlePath]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trim(), bundlePath);
});

after(async () => {
  await source.stop();
  await rm(work, { recursive: true, force: true });
});

void test('export → import into a fresh server keeps commit shas, refs, tags, privacy and file hashes', async () => {
  const target = await startTestServer();
  try {
    const imported = await moda(target.home, ['import', bundlePath]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(imported.stdout.trim().split('\n'), ['dora/weights', 'datasets/dora/table', 'dora/team']);
    for (const api of ['/api/models/dora/weights', '/api/datasets/dora/table']) {
      assert.deepEqual(await fingerprint(target, api), await fingerprint(source, api), api);
    }
    assert.equal((await target.request('/api/datasets/dora/table', { token: null })).status, 404, 'still private');
    // internal stays internal: hidden from anonymous callers, readable by any signed-in user.
    assert.equal((await target.request('/api/models/dora/team', { token: null })).status, 404);
    const someone = await createUserWithToken(target, 'someone', 'read');
    assert.equal((await target.request('/api/models/dora/team', { token: someone })).status, 200);
    // Old versions' LFS objects travel too: the tag serves the first weights.
    const old = Buffer.from(await (await target.request('/dora/weights/resolve/v1/model.onnx')).arrayBuffer());
    assert.equal(sha256(old), sha256(weightsV1));
    const current = Buffer.from(await (await target.request('/dora/weights/resolve/main/model.onnx')).arrayBuffer());
    assert.equal(sha256(current), sha256(weightsV2));

    // Importing the same repos again is refused before anything is written.
    const again = await moda(target.home, ['import', bundlePath]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HUB_REPO_EXISTS/);
  } finally {
    await target.stop();
  }
});

void test('a bundle with one changed byte in an LFS object is refused and nothing is imported', async () => {
  const tampered = join(work, 'tampered.tar');
  const bytes = await readFile(bundlePath);
  const at = bytes.indexOf(weightsV2.subarray(0, 64));
  assert.ok(at > 0);
  bytes[at + 1000] = (bytes[at + 1000] ?? 0) ^ 0xff;
  await writeFile(tampered, bytes);
  const target = await startTestServer();
  try {
    await assert.rejects(
      () => importBundle(target.hub, tampered),
      (error: unknown) => isModaError(error) && error.code === 'BUNDLE_CHECKSUM_MISMATCH' && error.message.includes(sha256(weightsV2)),
    );
    await assertNothingImported(target, [sha256(weightsV1), sha256(weightsV2)]);
  } finally {
    await target.stop();
  }
});

void test('zip-slip bundles (a ../ path, an absolute path, a symlink) are refused and nothing is written', async () => {
  const target = await startTestServer();
  try {
    const cases: [string, EntryEdit][] = [
      ['climb', (header, content) => (header.name.startsWith('lfs/') ? { header: { ...header, name: `lfs/../../../escaped-${header.name.slice(4, 12)}` }, content } : undefined)],
      ['absolute', (header, content) => (header.name.startsWith('git/') ? { header: { ...header, name: join(work, 'absolute-escape') }, content } : undefined)],
      ['symlink', (header) => (header.name.startsWith('lfs/') ? { header: { ...header, type: 'symlink', linkname: '/etc/passwd', size: 0 }, content: Buffer.alloc(0) } : undefined)],
    ];
    for (const [name, edit] of cases) {
      const unsafe = join(work, `${name}.tar`);
      await rewriteBundle(bundlePath, unsafe, edit);
      await assert.rejects(
        () => importBundle(target.hub, unsafe),
        (error: unknown) => isModaError(error) && error.code === 'BUNDLE_PATH_UNSAFE',
        name,
      );
      await assertNothingImported(target, [sha256(weightsV1), sha256(weightsV2)]);
    }
    await assert.rejects(access(join(work, 'absolute-escape')));
    for (const directory of [work, join(target.home, '..'), target.home]) {
      assert.deepEqual((await readdir(directory)).filter((entry) => entry.startsWith('escaped-')), [], directory);
    }
  } finally {
    await target.stop();
  }
});

void test('a manifest that does not match its schema, or a file that is not a bundle, is BUNDLE_INVALID', async () => {
  const target = await startTestServer();
  try {
    const badManifest = join(work, 'bad-manifest.tar');
    await rewriteBundle(bundlePath, badManifest, (header, content) => {
      if (header.name !== 'manifest.json') return undefined;
      const manifest = JSON.parse(content.toString('utf8')) as { repos: { id: string }[] };
      (manifest.repos[0] as { id: string }).id = '../../etc';
      const text = Buffer.from(JSON.stringify(manifest));
      return { header: { ...header, size: text.length }, content: text };
    });
    for (const path of [badManifest, join(work, 'not-a-bundle.tar')]) {
      if (path !== badManifest) await writeFile(path, 'not a tar at all'.repeat(100));
      await assert.rejects(
        () => importBundle(target.hub, path),
        (error: unknown) => isModaError(error) && error.code === 'BUNDLE_INVALID',
        path,
      );
    }
    await assertNothingImported(target, [sha256(weightsV1), sha256(weightsV2)]);
  } finally {
    await target.stop();
  }
});
