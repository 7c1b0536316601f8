// The Dataset viewer tab in real headless Chromium against a real Moda server with the starter
// datasets imported: splits, paged rows, folded text, search, column statistics with histograms and
// class frequencies, the SQL console (a result and a refused query), image thumbnails that load,
// audio players, a private dataset's media fetched with the token, and the load snippets.
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
  const imported = await importCatalog(server.hub, { only: ['spam-assassin', 'ocr-rendered-zh-en'] });
  assert.deepEqual(imported.map((result) => result.status), ['imported', 'imported']);

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

const rowIndexes = (page: Page) => page.getByTestId('rows-table').locator('tbody td.row-index').allTextContents();

void test('spam-assassin: split picker, paged rows, folded text, another split', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/spam-assassin');
  const picker = page.getByLabel('数据子集 / 划分');
  assert.deepEqual(await picker.locator('option').allTextContents(), ['train', 'test']);
  assert.match((await page.getByTestId('rows-count').textContent()) ?? '', /第 1–25 行，共 4,837 行/);
  const headers = await page.getByTestId('rows-table').locator('thead .column-name').allTextContents();
  assert.deepEqual(headers, ['id', 'subject', 'body', 'label', 'group', 'source_group']);
  assert.deepEqual((await rowIndexes(page)).slice(0, 3), ['0', '1', '2']);

  // Long bodies are folded; "展开" shows the whole text and "收起" folds it again.
  const bodies = page.getByTestId('rows-table').locator('td[data-column="body"]');
  const index = await bodies.evaluateAll((cells) => cells.findIndex((cell) => cell.querySelector('button.cell-fold') !== null));
  assert.ok(index >= 0, 'a long body on the first page is folded');
  const cell = bodies.nth(index);
  const toggle = cell.getByRole('button', { name: '展开' });
  const foldedLength = ((await cell.textContent()) ?? '').length;
  await toggle.click();
  await cell.getByRole('button', { name: '收起' }).waitFor();
  assert.ok(((await cell.textContent()) ?? '').length > foldedLength);
  await screenshot(page, 'dataset-viewer-rows');

  await page.getByRole('navigation', { name: '分页' }).getByRole('button', { name: '第 2 页' }).click();
  await waitForCondition(page, `document.querySelector('[data-testid="rows-table"] tbody td.row-index')?.textContent === '25'`);
  assert.match((await page.getByTestId('rows-count').textContent()) ?? '', /第 26–50 行/);

  await picker.selectOption({ label: 'test' });
  await waitForCondition(page, `/共 1,209 行/.test(document.querySelector('[data-testid="rows-count"]')?.textContent ?? '')`);
  assert.equal((await rowIndexes(page))[0], '0', 'a new split starts on its first page');
  await page.context().close();
});

void test('search finds rows by their text, and clearing it brings back all rows', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/spam-assassin');
  await page.getByRole('searchbox', { name: '在文本列中搜索' }).fill('mortgage');
  await page.getByRole('button', { name: '搜索', exact: true }).click();
  await waitForCondition(page, `/“mortgage”/.test(document.querySelector('[data-testid="rows-count"]')?.textContent ?? '')`);
  const count = Number(/(\d[\d,]*) 行匹配/.exec((await page.getByTestId('rows-count').textContent()) ?? '')?.[1]?.replace(/,/g, ''));
  assert.ok(count > 0 && count < 4837, `matches: ${count}`);
  // The page shows the rows the search route answers (matches may sit in the folded part of a body).
  const shown = (await rowIndexes(page)).map(Number);
  const api = await server.request('/datasets-server/search?dataset=moda/spam-assassin&config=default&split=train&query=mortgage&offset=0&length=25', { token: null });
  const expected = ((await api.json()) as { rows: { row_idx: number; row: { subject: string; body: string } }[] }).rows;
  assert.deepEqual(shown, expected.map((row) => row.row_idx));
  for (const row of expected) assert.match(`${row.row.subject}\n${row.row.body}`, /mortgage/i);
  await screenshot(page, 'dataset-viewer-search');
  await page.getByRole('button', { name: '清除' }).click();
  await waitForCondition(page, `/共 4,837 行/.test(document.querySelector('[data-testid="rows-count"]')?.textContent ?? '')`);
  await page.context().close();
});

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

void test('statistics: class frequencies for labels, text lengths and number histograms', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/spam-assassin');
  await page.getByRole('button', { name: '列统计' }).click();
  const stats = page.getByTestId('column-stats');
  await stats.waitFor({ timeout: 60_000 });
  const labelText = (await stats.locator('[data-column="label"] .frequencies').textContent()) ?? '';
  assert.match(labelText, /ham\s*3,320/);
  assert.match(labelText, /spam\s*1,517/);
  const group = (await stats.locator('[data-column="group"] .frequencies').textContent()) ?? '';
  assert.match(group, /easy_ham\s*3,120/);
  assert.match(group, /hard_ham\s*200/);
  // Text columns get a histogram of their lengths.
  assert.equal(await stats.locator('[data-column="body"] svg.histogram rect').count() > 1, true);
  await screenshot(page, 'dataset-viewer-statistics');

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

void test('the SQL console shows a result table, and a refused query shows the error with its code', async () => {
  const page = await newPage(browser);
  await openViewer(page, 'moda/spam-assassin');
  await page.getByRole('button', { name: 'SQL 查询' }).click();
  const editor = page.getByLabel('SQL（只读，每个划分是一张同名的表）');
  assert.match(await editor.inputValue(), /FROM "train"/);
  await editor.fill('SELECT "group", count(*) AS n FROM train GROUP BY 1 ORDER BY 1');
  await page.getByRole('button', { name: '运行', exact: true }).click();
  const table = page.getByTestId('sql-table');
  await table.waitFor({ timeout: 60_000 });
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['group', 'n']);
  assert.deepEqual(await table.locator('tbody tr').allTextContents(), ['easy_ham3120', 'hard_ham200', 'spam1517']);
  assert.match((await page.getByTestId('sql-count').textContent()) ?? '', /3 行结果/);
  await screenshot(page, 'dataset-viewer-sql');

  await editor.fill(`COPY train TO '/tmp/moda-viewer-leak.csv'`);
  await page.getByRole('button', { name: '运行', exact: true }).click();
  const error = page.getByTestId('error-text');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /\[[A-Z_]+\]/, 'the error names its stable code');
  assert.equal(await page.getByTestId('sql-table').count(), 0, 'the old result is gone');
  assert.ok(!existsSync('/tmp/moda-viewer-leak.csv'));
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

void test('the load snippets name this server and the split on screen', async () => {
  const page = await newPage(browser, { width: 390 });
  await openViewer(page, 'moda/spam-assassin');
  await page.getByLabel('数据子集 / 划分').selectOption({ label: 'test' });
  const snippet = page.locator('[data-snippet="datasets"] code');
  await waitForCondition(page, `/split='test'/.test(document.querySelector('[data-snippet="datasets"] code')?.textContent ?? '')`);
  const code = (await snippet.textContent()) ?? '';
  assert.ok(code.includes(`os.environ['HF_ENDPOINT'] = '${server.url}'`), code);
  assert.ok(code.includes(`load_dataset('moda/spam-assassin', split='test')`), code);
  assert.match((await page.locator('[data-snippet="msdatasets"] code').textContent()) ?? '', /MsDataset\.load\('moda\/spam-assassin', split='test'\)/);
  // On a phone the table scrolls inside its frame instead of widening the page.
  const widths = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(widths[0]! <= widths[1]! + 1, `page ${widths[0]} px wide in a ${widths[1]} px window`);
  await screenshot(page, 'dataset-viewer-phone');
  await page.context().close();
});
