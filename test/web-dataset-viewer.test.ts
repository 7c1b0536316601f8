// The Dataset viewer tab in real headless Chromium against a real Moda server with the SpamAssassin
// starter dataset imported: splits, paged rows, folded text, search, column statistics (class
// frequencies, text-length histograms), the SQL console (a result and a refused query), and the
// load snippets at phone width. test/web-dataset-viewer-media.test.ts covers images, audio, filters
// and sorting. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importCatalog } from '../src/catalog/import-catalog.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { launchChromium, newPage, screenshot, waitForCondition } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let browser: Browser;

before(async () => {
  const dist = process.env.MODA_WEB_DIST ?? DEFAULT_WEB_DIST;
  assert.ok(existsSync(join(dist, 'index.html')), `no UI build in ${dist}: npm run build:web`);
  [server, browser] = await Promise.all([startTestServer({ catalog: false }), launchChromium()]);
  const imported = await importCatalog(server.hub, { only: ['spam-assassin'] });
  assert.deepEqual(imported.map((result) => result.status), ['imported']);
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

void test('statistics: class frequencies for labels and a histogram of text lengths', async () => {
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
