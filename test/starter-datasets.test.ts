// The starter datasets shipped in catalog/: the catalog import makes each a public dataset repo
// (never a model repo) with its data files as LFS objects and a card that states provenance,
// license, splits and sizes; what a client downloads over HTTP is what the card promises.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import sharp from 'sharp';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-starter-datasets-'));
  const results = await importCatalog(server.hub, { only: ['spam-assassin', 'ocr-rendered-zh-en'] });
  assert.deepEqual(results.map((result) => [result.repo, result.status]), [['moda/ocr-rendered-zh-en', 'imported'], ['moda/spam-assassin', 'imported']]);
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

interface TreeEntry {
  path: string;
  size: number;
  lfs?: { oid: string };
}

async function tree(repo: string): Promise<Map<string, TreeEntry>> {
  const response = await server.request(`/api/datasets/${repo}/tree/main?recursive=true`, { token: null });
  assert.equal(response.status, 200, await response.clone().text());
  return new Map(((await response.json()) as TreeEntry[]).map((entry) => [entry.path, entry]));
}

async function download(repo: string, path: string): Promise<Buffer> {
  const response = await server.request(`/datasets/${repo}/resolve/main/${path}`, { token: null });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The YAML front matter's `num_examples` per split, read with a regex (the card's shape is ours). */
function cardSplits(card: string): Record<string, number> {
  const splits: Record<string, number> = {};
  for (const match of card.matchAll(/- name: (\w+)\n\s+(?:num_bytes: \d+\n\s+)?num_examples: (\d+)/g)) splits[match[1]!] = Number(match[2]);
  return splits;
}

void test('both starter datasets are public dataset repos, not model repos, with cards stating provenance, license, splits and sizes', async () => {
  for (const repo of ['moda/spam-assassin', 'moda/ocr-rendered-zh-en']) {
    const info = await server.request(`/api/datasets/${repo}`, { token: null });
    assert.equal(info.status, 200, `${repo} is a public dataset`);
    const body = (await info.json()) as { id: string; cardData?: { license?: string } };
    assert.equal(body.id, repo);
    assert.equal(body.cardData?.license, 'cc0-1.0');
    assert.equal((await server.request(`/api/models/${repo}`, { token: null })).status, 404, `${repo} is not a model`);
    const card = (await download(repo, 'README.md')).toString('utf8');
    for (const heading of ['## Provenance', '## License', '## Splits and sizes']) assert.match(card, new RegExp(heading), `${repo} card has ${heading}`);
    assert.ok(!(await tree(repo)).has('catalog.json'), 'the manifest stays out of the repo');
  }
  const listed = (await (await server.request('/api/datasets?author=moda', { token: null })).json()) as { id: string }[];
  assert.deepEqual(listed.map((entry) => entry.id).sort(), ['moda/ocr-rendered-zh-en', 'moda/spam-assassin']);
});

void test('moda/spam-assassin: train and test Parquet files (LFS) hold the rows, groups and labels the card states', async () => {
  const files = await tree('moda/spam-assassin');
  const parquet = [...files.keys()].filter((path) => path.endsWith('.parquet')).sort();
  assert.deepEqual(parquet, ['data/test-00000-of-00001.parquet', 'data/train-00000-of-00001.parquet']);
  for (const path of parquet) assert.ok(files.get(path)?.lfs, `${path} is an LFS object`);
  const card = (await download('moda/spam-assassin', 'README.md')).toString('utf8');
  assert.deepEqual(cardSplits(card), { train: 4837, test: 1209 });

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const split of ['train', 'test'] as const) {
      const file = join(work, `${split}.parquet`);
      await writeFile(file, await download('moda/spam-assassin', `data/${split}-00000-of-00001.parquet`));
      const reader = await connection.runAndReadAll(`SELECT "group", label, count(*)::INTEGER AS n, count(*) FILTER (WHERE subject <> '' OR body <> '')::INTEGER AS with_text FROM read_parquet('${file}') GROUP BY ALL ORDER BY 1`);
      const rows = reader.getRowObjectsJson() as { group: string; label: string; n: number; with_text: number }[];
      assert.deepEqual(rows.map((row) => [row.group, row.label]), [['easy_ham', 'ham'], ['hard_ham', 'ham'], ['spam', 'spam']]);
      assert.equal(rows.reduce((sum, row) => sum + row.n, 0), cardSplits(card)[split]);
      for (const row of rows) assert.ok(row.with_text >= row.n * 0.99, `${split}/${row.group}: nearly every message has a subject or body`);
      // The split is 80/20 within each group.
      const share = split === 'test' ? 0.2 : 0.8;
      const totals = { easy_ham: 3900, hard_ham: 250, spam: 1896 } as Record<string, number>;
      for (const row of rows) assert.ok(Math.abs(row.n - totals[row.group]! * share) <= 1, `${split}/${row.group}: ${row.n}`);
    }
    const overlap = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(work, 'train.parquet')}') a JOIN read_parquet('${join(work, 'test.parquet')}') b USING (id)`);
    assert.equal((overlap.getRowObjectsJson()[0] as { n: number }).n, 0, 'no message is in both splits');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

void test('moda/ocr-rendered-zh-en: an imagefolder test split whose metadata.jsonl names every image with its text', async () => {
  const files = await tree('moda/ocr-rendered-zh-en');
  const metadata = (await download('moda/ocr-rendered-zh-en', 'test/metadata.jsonl')).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { file_name: string; text: string; language: string; distortion: string; width: number; height: number });
  const card = (await download('moda/ocr-rendered-zh-en', 'README.md')).toString('utf8');
  assert.deepEqual(cardSplits(card), { test: metadata.length });
  assert.equal(metadata.length, 300);
  const images = [...files.keys()].filter((path) => /\.(png|jpg)$/.test(path));
  assert.deepEqual(images.sort(), metadata.map((row) => `test/${row.file_name}`).sort(), 'one image per metadata line, no strays');
  for (const path of images) assert.ok(files.get(path)?.lfs, `${path} is an LFS object`);
  assert.deepEqual([...new Set(metadata.map((row) => row.language))].sort(), ['en', 'mixed', 'zh']);
  assert.deepEqual([...new Set(metadata.map((row) => row.distortion))].sort(), ['noised', 'none', 'rotated', 'rotated+noised', 'upside_down']);
  assert.ok(metadata.every((row) => row.text.trim().length > 0));
  assert.ok(metadata.some((row) => /[\u4e00-\u9fff]/.test(row.text)) && metadata.some((row) => /^[\x20-\x7e]+$/.test(row.text)));
  // A sample of images decodes at the size the metadata states.
  for (const row of metadata.slice(0, 5)) {
    const meta = await sharp(await download('moda/ocr-rendered-zh-en', `test/${row.file_name}`)).metadata();
    assert.deepEqual([meta.width, meta.height], [row.width, row.height], row.file_name);
  }
});
