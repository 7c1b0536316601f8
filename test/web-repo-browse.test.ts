// The repo page's files and versions in real headless Chromium against a real Moda server: folders
// through breadcrumbs, sizes and the LFS badge, a text file, branch and tag switching, paginated
// history, a commit's added/modified/deleted files, snippets naming this server, readable errors,
// and phone width. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { commit as hubCommit } from '@huggingface/hub';
import type { Browser } from 'playwright-core';
import { launchChromium, newPage, screenshot } from './helpers/browser.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';

const json = { 'content-type': 'application/json' };

let server: TestServer;
let browser: Browser;
const commits: Record<'models' | 'update' | 'dev', string> = { models: '', update: '', dev: '' };

async function api(path: string, body: unknown): Promise<void> {
  const response = await server.request(path, { method: 'POST', headers: json, body: JSON.stringify(body) });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

async function commit(repo: string, title: string, operations: ({ path: string; content: string | Uint8Array } | { path: string; delete: true })[], options: { branch?: string; type?: 'model' | 'dataset' } = {}): Promise<string> {
  const result = await hubCommit({
    repo: { type: options.type ?? 'model', name: repo },
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    title,
    ...(options.branch && { branch: options.branch }),
    operations: operations.map((operation) => ('delete' in operation ? { operation: 'delete' as const, path: operation.path } : { operation: 'addOrUpdate' as const, path: operation.path, content: new Blob([operation.content]) })),
  });
  assert.ok(result?.commit.oid);
  return result.commit.oid;
}

before(async () => {
  // A missing browser or UI build is a broken test machine, never a reason to skip.
  const dist = process.env.MODA_WEB_DIST ?? DEFAULT_WEB_DIST;
  assert.ok(existsSync(join(dist, 'index.html')), `no UI build in ${dist}: npm run build:web`);
  [server, browser] = await Promise.all([
    startTestServer({ catalog: false }),
    launchChromium(),
  ]);

  await api('/api/repos/create', { name: 'browse', type: 'model' });
  // Binary content (a NUL byte) makes the server's preupload answer "lfs".
  const weights = new Uint8Array(3000).map((_, index) => index % 251);
  commits.models = await commit('admin/browse', 'Add model files', [
    { path: 'README.md', content: '---\nlicense: mit\n---\n# Browse me\n' },
    { path: 'config/model.json', content: '{"layers": 2}\n' },
    { path: 'weights/layers/part1.bin', content: weights },
    { path: 'docs/guide.txt', content: 'How to use it.\n' },
  ]);
  await api(`/api/models/admin/browse/tag/${commits.models}`, { tag: 'v1' });
  await api('/api/models/admin/browse/branch/dev', { startingPoint: commits.models });
  commits.dev = await commit('admin/browse', 'Work on dev', [{ path: 'dev-only.txt', content: 'only on dev\n' }], { branch: 'dev' });
  // More commits than one history page holds (20).
  for (let index = 1; index <= 20; index++) await commit('admin/browse', `Counter ${index}`, [{ path: 'counter.txt', content: `${index}\n` }]);
  commits.update = await commit('admin/browse', 'Update config, drop guide', [
    { path: 'config/model.json', content: '{"layers": 4, "hidden": 64}\n' },
    { path: 'notes.txt', content: 'release notes\n' },
    { path: 'docs/guide.txt', delete: true },
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

void test('folders through breadcrumbs, sizes, the LFS badge, download links and a text file', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/browse`);
  await page.getByRole('tab', { name: '文件' }).click();
  const files = page.getByTestId('files');
  await files.getByRole('link', { name: 'notes.txt', exact: true }).waitFor();
  // Folders come first, then files; the deleted folder is gone.
  const names = await files.locator('tbody tr td:first-child a').allTextContents();
  assert.deepEqual(names.slice(0, 2), ['文件夹 config', '文件夹 weights']);
  assert.ok(!names.some((name) => name.includes('docs')), names.join(','));
  assert.ok(names.indexOf('README.md') > 1);

  await files.getByRole('link', { name: 'weights' }).click();
  await page.waitForURL(`${server.url}/admin/browse/tree/main/weights`);
  await page.getByTestId('files').getByRole('link', { name: 'layers' }).click();
  await page.waitForURL(/\/tree\/main\/weights\/layers$/);
  const row = page.getByTestId('files').locator('tr', { hasText: 'part1.bin' });
  await row.getByText('LFS').waitFor();
  assert.match((await row.textContent()) ?? '', /2\.9 KB/);
  const href = new URL((await row.getByRole('link', { name: '下载 weights/layers/part1.bin' }).getAttribute('href')) ?? '', server.url);
  assert.equal(`${href.origin}${href.pathname}${href.search}`, `${server.url}/admin/browse/resolve/main/weights/layers/part1.bin?download=true`);
  const download = await server.request('/admin/browse/resolve/main/weights/layers/part1.bin', { token: null });
  assert.equal((await download.arrayBuffer()).byteLength, 3000);
  await screenshot(page, 'repo-browse-folder');

  // Breadcrumbs lead back up, one level and then to the root.
  const crumbs = page.getByTestId('breadcrumbs');
  assert.deepEqual(await crumbs.locator('li').allTextContents(), ['browse', 'weights', 'layers']);
  await crumbs.getByRole('link', { name: 'weights' }).click();
  await page.waitForURL(/\/tree\/main\/weights$/);
  await page.getByTestId('breadcrumbs').getByRole('link', { name: 'browse' }).click();
  await page.waitForURL(/\/tree\/main$/);

  // A small text file shows its text; an LFS file offers a download instead.
  await page.getByTestId('files').getByRole('link', { name: 'config' }).click();
  await page.getByTestId('files').getByRole('link', { name: 'model.json', exact: true }).click();
  await page.waitForURL(/\/blob\/main\/config\/model\.json$/);
  assert.equal(await page.getByTestId('file-text').textContent(), '{"layers": 4, "hidden": 64}\n');
  await screenshot(page, 'repo-browse-file');
  await page.goto(`${server.url}/admin/browse/blob/main/weights/layers/part1.bin`);
  await page.getByTestId('file-view').getByText('这是一个 Git LFS 文件').waitFor();
  assert.equal(await page.getByTestId('file-text').count(), 0);
  await page.context().close();
});

void test('the branch and tag selector switches the revision of files and history', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/browse/blob/main/config/model.json`);
  await page.getByTestId('file-text').waitFor();
  const select = page.getByLabel('分支或标签');
  assert.equal(await select.inputValue(), 'main');
  assert.deepEqual(await select.locator('optgroup').evaluateAll((groups) => groups.map((group) => group.getAttribute('label'))), ['分支', '标签']);
  await select.selectOption('dev');
  await page.waitForURL(/\/blob\/dev\/config\/model\.json$/);
  await page.getByTestId('file-text').getByText('"layers": 2').waitFor();
  await page.getByRole('link', { name: '文件', exact: true }).click();
  await page.waitForURL(/\/tree\/dev$/);
  await page.getByTestId('files').getByRole('link', { name: 'dev-only.txt', exact: true }).waitFor();
  assert.equal(await page.getByTestId('files').getByRole('link', { name: 'notes.txt', exact: true }).count(), 0);

  await page.getByLabel('分支或标签').selectOption('v1');
  await page.waitForURL(/\/tree\/v1$/);
  await page.getByTestId('files').getByRole('link', { name: 'docs' }).waitFor();
  await page.getByRole('link', { name: '提交历史' }).click();
  await page.waitForURL(/\/commits\/v1$/);
  const history = page.getByTestId('commit-history');
  await history.getByRole('link', { name: 'Add model files' }).waitFor();
  assert.equal(await history.getByRole('link', { name: 'Work on dev' }).count(), 0);
  await page.getByLabel('分支或标签').selectOption('dev');
  await page.waitForURL(/\/commits\/dev$/);
  await page.getByTestId('commit-history').getByRole('link', { name: 'Work on dev' }).waitFor();
  await page.context().close();
});

void test('history pages through commits and a commit shows its added, modified and deleted files', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/browse/commits/main`);
  const history = page.getByTestId('commit-history');
  await history.getByRole('link', { name: 'Update config, drop guide' }).waitFor();
  // 1 creation + 1 + 20 + 1 commits on main, 20 a page.
  await history.getByText('共 23 个提交').waitFor();
  assert.equal(await history.locator('.commit-row').count(), 20);
  assert.equal(await history.getByRole('link', { name: 'Add model files' }).count(), 0);
  await screenshot(page, 'repo-browse-history');
  await page.getByRole('button', { name: /较早/ }).click();
  await history.getByRole('link', { name: 'Add model files' }).waitFor();
  assert.equal(await history.locator('.commit-row').count(), 3);
  assert.ok(await page.getByRole('button', { name: /较早/ }).isDisabled());
  await page.getByRole('button', { name: /较新/ }).click();
  await history.getByRole('link', { name: 'Update config, drop guide' }).click();

  await page.waitForURL(`${server.url}/admin/browse/commit/${commits.update}`);
  const view = page.getByTestId('commit-view');
  await view.getByRole('heading', { name: 'Update config, drop guide' }).waitFor();
  assert.equal(await view.getByTestId('commit-sha').textContent(), commits.update);
  await view.getByText('admin', { exact: true }).waitFor();
  const changed = view.getByTestId('changed-files');
  const rows = await changed.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-status'), tr.querySelector('.file-path')?.textContent]));
  assert.deepEqual(rows, [
    ['modified', 'config/model.json'],
    ['deleted', 'docs/guide.txt'],
    ['added', 'notes.txt'],
  ]);
  assert.match((await changed.locator('tr[data-status=modified]').textContent()) ?? '', /14 B → 28 B/);
  await screenshot(page, 'repo-browse-commit');

  // The deleted file opens at the parent commit, where it still exists.
  await changed.getByRole('link', { name: 'docs/guide.txt' }).click();
  await page.getByTestId('file-text').getByText('How to use it.').waitFor();
  await page.goBack();
  // Parent links walk back to the commit that added the LFS file.
  for (let index = 0; index < 21; index++) {
    const current = page.url();
    await page.getByTestId('commit-parent').first().click();
    await page.waitForURL((url) => url.toString() !== current);
    await page.getByTestId('commit-view').waitFor();
  }
  await page.getByRole('heading', { name: 'Add model files' }).waitFor();
  const lfsRow = page.getByTestId('changed-files').locator('tr', { hasText: 'weights/layers/part1.bin' });
  assert.equal(await lfsRow.getAttribute('data-status'), 'added');
  await lfsRow.getByText('LFS').waitFor();
  assert.match((await lfsRow.textContent()) ?? '', /2\.9 KB/);
  await page.context().close();
});

void test('snippets name this server, for models and datasets', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/browse`);
  const snippets = page.getByTestId('use-snippets');
  await snippets.waitFor();
  const host = new URL(server.url).host;
  const code = (id: string) => snippets.locator(`[data-snippet="${id}"] pre`).textContent();
  assert.match((await code('huggingface_hub')) ?? '', new RegExp(`os\\.environ\\['HF_ENDPOINT'\\] = '${server.url}'[\\s\\S]*snapshot_download\\('admin/browse'\\)`));
  assert.match((await code('huggingface-hub-js')) ?? '', new RegExp(`hubUrl = '${server.url}'`));
  assert.match((await code('modelscope')) ?? '', new RegExp(`MODELSCOPE_DOMAIN'\\] = '${host}'[\\s\\S]*HubApi\\(endpoint='${server.url}'\\)`));
  assert.equal(await code('git'), `git lfs install\ngit clone ${server.url}/admin/browse.git`);
  assert.match((await code('curl')) ?? '', new RegExp(`${server.url}/api/v1/models/admin/browse/pipeline`));
  assert.match((await code('cli')) ?? '', new RegExp(`MODA_ENDPOINT=${server.url} moda run admin/browse`));
  assert.match((await code('pipeline')) ?? '', /pipeline\('TASK', 'admin\/browse'\)/);
  assert.equal(await snippets.getByRole('button', { name: /^复制/ }).count(), 7);
  await page.context().close();

  await api('/api/repos/create', { name: 'table', type: 'dataset' });
  await commit('admin/table', 'Add rows', [{ path: 'data/train.csv', content: 'a,b\n1,2\n' }], { type: 'dataset' });
  const dataset = await newPage(browser);
  await dataset.goto(`${server.url}/datasets/admin/table/tree/main/data`);
  await dataset.getByTestId('files').getByRole('link', { name: 'train.csv', exact: true }).waitFor();
  const datasetSnippets = dataset.getByTestId('use-snippets');
  await datasetSnippets.getByRole('heading', { name: '使用此数据集' }).waitFor();
  assert.equal(await datasetSnippets.locator('[data-snippet="git"] pre').textContent(), `git lfs install\ngit clone ${server.url}/datasets/admin/table.git`);
  assert.match((await datasetSnippets.locator('[data-snippet="huggingface_hub"] pre').textContent()) ?? '', /snapshot_download\('admin\/table', repo_type='dataset'\)/);
  assert.equal(await datasetSnippets.locator('[data-snippet="curl"]').count(), 0);
  await dataset.getByTestId('files').getByRole('link', { name: 'train.csv', exact: true }).click();
  await dataset.waitForURL(/\/datasets\/admin\/table\/blob\/main\/data\/train\.csv$/);
  assert.equal(await dataset.getByTestId('file-text').textContent(), 'a,b\n1,2\n');
  await dataset.context().close();
});

void test('bad paths, revisions and hidden repos show readable errors', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/browse/blob/main/nope.txt`);
  assert.match((await page.getByTestId('error-text').textContent()) ?? '', /nope\.txt[\s\S]*HUB_ENTRY_NOT_FOUND/);
  await page.goto(`${server.url}/admin/browse/tree/no-such-branch`);
  assert.match((await page.getByTestId('error-text').textContent()) ?? '', /no-such-branch[\s\S]*HUB_REVISION_NOT_FOUND/);
  await page.goto(`${server.url}/admin/browse/commit/${'0'.repeat(40)}`);
  assert.match((await page.getByTestId('error-text').textContent()) ?? '', /HUB_REVISION_NOT_FOUND/);
  await page.goto(`${server.url}/admin/browse/commit/HEAD~1`);
  assert.match((await page.getByTestId('error-text').textContent()) ?? '', /REVISION_INVALID/);

  await api('/api/repos/create', { name: 'hidden', type: 'model', private: true });
  const secret = await commit('admin/hidden', 'Secret', [{ path: 'secret.txt', content: 'shh\n' }]);
  await page.goto(`${server.url}/admin/hidden/commit/${secret}`);
  assert.match((await page.getByTestId('error-text').textContent()) ?? '', /HUB_REPO_NOT_FOUND/);
  assert.equal(await page.getByText('secret.txt').count(), 0);
  await page.context().close();
  const owner = await newPage(browser, { token: ADMIN_TOKEN });
  await owner.goto(`${server.url}/admin/hidden/commit/${secret}`);
  await owner.getByTestId('changed-files').getByText('secret.txt').waitFor();
  await owner.context().close();
});

void test('files, history and a commit fit a phone screen', async () => {
  const page = await newPage(browser, { width: 390 });
  for (const path of ['/admin/browse/tree/main/weights/layers', '/admin/browse/commits/main', `/admin/browse/commit/${commits.update}`]) {
    await page.goto(`${server.url}${path}`);
    await page.locator('[data-testid=files], [data-testid=commit-history] .commit-row, [data-testid=commit-view]').first().waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 1, `${path} is ${overflow}px wider than the phone`);
  }
  await page.getByTestId('changed-files').waitFor();
  await screenshot(page, 'repo-browse-commit-phone');
  await page.goto(`${server.url}/admin/browse/tree/main/weights/layers`);
  await page.getByTestId('files').getByText('LFS').waitFor();
  await screenshot(page, 'repo-browse-files-phone');
  await page.context().close();
});
