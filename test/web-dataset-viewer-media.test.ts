// The Dataset viewer tab on media datasets in real headless Chromium against a real Moda server:
// the rendered OCR starter dataset (image thumbnails that load, pinned to the commit; a WHERE
// filter, sorting by a column both ways, a refused filter; a histogram of numbers), an audiofolder
// (audio players) and a private imagefolder whose thumbnails are fetched with the token.
// Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import type { Browser, Page } from 'playwright-core';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { CATALOG_DIR } from '../src/catalog/read-catalog.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { makeWav, sine } from './fixtures/audio.js';
import { launchChromium, newPage, screenshot, waitForCondition } from './helpers/browser.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let browser: Browser;

async function createDataset(name: string, options: { private?: boolean } = {}): Promise<void> {
  const response = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, type: 'dataset', private: options.private ?? false }) });
  assert.equal(response.status, 200, await response.text());
}

async function commitFiles(repo: string, files: { path: string; content: string | Uint8Array }[]): Promise<void> {
  const result = await hubCommit({
    repo: { type: 'dataset', name: repo },
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    title: 'Add data',
    operations: files.map((file) => ({ operation: 'addOrUpdate' as const, path: file.path, content: new Blob([file.content]) })),
  });
  assert.ok(result?.commit.oid);
}

before(async () => {
  const dist = process.env.MODA_WEB_DIST ?? DEFAULT_WEB_DIST;
  assert.ok(existsSync(join(dist, 'index.html')), `no UI build in ${dist}: npm run build:web`);
  [server, browser] = await Promise.all([startTestServer({ catalog: false }), launchChromium()]);
  const imported = await importCatalog(server.hub, { only: ['ocr-rendered-zh-en'] });
  assert.deepEqual(imported.map((result) => result.status), ['imported']);

  // An audiofolder: two tones with their names.
  await createDataset('tones');
  const wav = (frequency: number) => makeWav([sine(frequency, 0.3, 8000)], 8000, 'pcm16');
  await commitFiles('admin/tones', [
    { path: 'train/a440.wav', content: wav(440) },
    { path: 'train/a880.wav', content: wav(880) },
    { path: 'train/metadata.csv', content: 'file_name,note\na440.wav,A4\na880.wav,A5\n' },
  ]);
  // A private imagefolder: its thumbnails need the token, which <img> cannot send.
  await createDataset('secret-pictures', { private: true });
  const png = await server.request('/datasets/moda/ocr-rendered-zh-en/resolve/main/test/0001.png', { token: null });
  await commitFiles('admin/secret-pictures', [
    { path: 'train/one.png', content: new Uint8Array(await png.arrayBuffer()) },
    { path: 'train/metadata.jsonl', content: '{"file_name": "one.png", "caption": "a line of text"}\n' },
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens a dataset's viewer tab and waits for its first rows. */
async function openViewer(page: Page, repo: string): Promise<void> {
  await page.goto(`${server.url}/datasets/${repo}`);
  await page.getByRole('tab', { name: '数据预览' }).click();
  await page.getByTestId('rows-table').waitFor({ timeout: 60_000 });
}

void test('a WHERE filter keeps matching rows, column headers sort, and a bad filter shows its error', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/ocr-rendered-zh-en');
  const table = page.getByTestId('rows-table');
  const column = (name: string) => table.locator(`td[data-column="${name}"]`).allTextContents();

  await table.getByRole('button', { name: /^font_size/ }).click();
  await waitForCondition(page, `document.querySelector('th[aria-sort="ascending"]') !== null && !document.querySelector('[role="status"]')`);
  assert.deepEqual([...new Set(await column('font_size'))], ['20'], 'the smallest size first');
  await table.getByRole('button', { name: /^font_size/ }).click();
  await waitForCondition(page, `document.querySelector('th[aria-sort="descending"]') !== null && !document.querySelector('[role="status"]')`);
  assert.deepEqual([...new Set(await column('font_size'))], ['40']);
  assert.match((await page.getByTestId('rows-count').textContent()) ?? '', /共 300 行/);

  const metadata = readFileSync(join(CATALOG_DIR, 'ocr-rendered-zh-en', 'test', 'metadata.jsonl'), 'utf8').trim().split('\n');
  const upsideDown = metadata.filter((line) => (JSON.parse(line) as { distortion: string }).distortion === 'upside_down').length;
  await page.getByLabel('筛选条件（SQL WHERE）').fill(`"distortion" = 'upside_down'`);
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  await waitForCondition(page, `/筛选后 ${upsideDown} 行/.test(document.querySelector('[data-testid="rows-count"]')?.textContent ?? '')`);
  assert.deepEqual([...new Set(await column('distortion'))], ['upside_down']);
  assert.deepEqual([...new Set(await column('rotation'))], ['180']);
  await screenshot(page, 'dataset-viewer-filter');

  await page.getByLabel('筛选条件（SQL WHERE）').fill(`1=1) UNION SELECT * FROM read_csv('/etc/passwd') --`);
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  const error = page.getByTestId('error-text');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /\[[A-Z_]+\]/);
  await page.getByRole('button', { name: '清除' }).click();
  await waitForCondition(page, `/第 1–25 行，共 300 行/.test(document.querySelector('[data-testid="rows-count"]')?.textContent ?? '')`);
  await page.context().close();
});

void test('statistics of numbers: min, max and a histogram whose bins hold every row', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/ocr-rendered-zh-en');
  await page.getByRole('button', { name: '列统计' }).click();
  const ocr = page.getByTestId('column-stats');
  await ocr.waitFor({ timeout: 60_000 });
  const fontSize = ocr.locator('[data-column="font_size"]');
  assert.match((await fontSize.locator('.column-numbers').textContent()) ?? '', /最小\s*20[\s\S]*最大\s*40/);
  const bars = await fontSize.locator('svg.histogram rect title').allTextContents();
  assert.ok(bars.length > 1, 'a histogram of font sizes');
  const counted = bars.reduce((sum, title) => sum + Number(/: ([\d,]+)$/.exec(title)?.[1]?.replace(/,/g, '') ?? 0), 0);
  assert.equal(counted, 300, 'the bins hold every row');
  await page.context().close();
});

void test('images show as thumbnails that load, audio as players, and a private dataset loads its media with the token', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/ocr-rendered-zh-en');
  const first = JSON.parse(readFileSync(join(CATALOG_DIR, 'ocr-rendered-zh-en', 'test', 'metadata.jsonl'), 'utf8').split('\n')[0]!) as { file_name: string; text: string };
  const image = page.getByTestId('rows-table').locator('img.cell-image').first();
  await image.waitFor();
  await waitForCondition(page, `(() => { const img = document.querySelector('img.cell-image'); return img && img.complete && img.naturalWidth > 0; })()`);
  const src = (await image.getAttribute('src')) ?? '';
  assert.match(src, new RegExp(`/datasets/moda/ocr-rendered-zh-en/resolve/[0-9a-f]{40}/test/${first.file_name.replace('.', '\\.')}$`), 'pinned to the commit shown');
  // The ground truth sits beside its image.
  assert.equal(await page.getByTestId('rows-table').locator('tbody tr').first().locator('td[data-column="text"]').textContent(), first.text);
  await screenshot(page, 'dataset-viewer-images');

  await openViewer(page, 'admin/tones');
  const audio = page.getByTestId('rows-table').locator('audio.cell-audio');
  assert.equal(await audio.count(), 2);
  const audioSrc = (await audio.first().getAttribute('src')) ?? '';
  const fetched = await server.request(new URL(audioSrc, server.url).pathname, { token: null });
  assert.equal(fetched.status, 200);
  assert.equal(Buffer.from(await fetched.arrayBuffer()).subarray(0, 4).toString('latin1'), 'RIFF');
  assert.deepEqual(await page.getByTestId('rows-table').locator('td[data-column="note"]').allTextContents(), ['A4', 'A5']);
  await page.context().close();

  const anonymous = await newPage(browser);
  await anonymous.goto(`${server.url}/datasets/admin/secret-pictures`);
  await anonymous.getByRole('alert').waitFor();
  await anonymous.context().close();

  const signedIn = await newPage(browser, { token: ADMIN_TOKEN });
  await openViewer(signedIn, 'admin/secret-pictures');
  await waitForCondition(signedIn, `(() => { const img = document.querySelector('img.cell-image'); return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0; })()`);
  await signedIn.context().close();
});

