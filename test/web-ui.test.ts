// End-to-end tests of the web UI in real headless Chromium (Debian `chromium`, driven by
// playwright-core) against a real Moda server with the starter catalog: search and open the OCR
// model and read rendered Chinese text, detect a dog in a photo, a hostile card renders inert, a
// private repo stays hidden when signed out. Screenshots of the main pages go to test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage, screenshot, waitUntilReady } from './helpers/browser.js';
import { characterAccuracy, renderTextLines } from './fixtures/render-text-image.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';

const DOG_PHOTO = '/usr/share/darknet/data/dog.jpg';

let server: TestServer;
let browser: Browser;

before(async () => {
  // A missing browser or photo is a broken test machine, never a reason to skip (.ci/run installs both).
  assert.ok(existsSync(DOG_PHOTO), `no ${DOG_PHOTO}: apt-get install -y darknet`);
  if (!existsSync(join(DEFAULT_WEB_DIST, 'index.html'))) {
    const built = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    assert.equal(built.status, 0, 'npm run build:web failed');
  }
  [server, browser] = await Promise.all([
    startTestServer({ catalog: true }),
    launchChromium(),
  ]);
  await waitUntilReady(server.url, 120_000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

void test('the UI never shadows an API route, and assets are cached for good', async () => {
  const html = await server.request('/moda/ocr-ppocrv4-zh', { headers: { accept: 'text/html' }, token: null });
  assert.equal(html.status, 200);
  const index = await html.text();
  assert.match(index, /<div id="root">/);
  // Without text/html the same path is a plain API 404.
  const json = await server.request('/moda/ocr-ppocrv4-zh', { token: null });
  assert.equal(json.status, 404);
  assert.equal(json.headers.get('x-error-code'), 'NOT_FOUND');
  // API paths keep answering as before, even for a browser.
  const info = await server.request('/api/models/moda/ocr-ppocrv4-zh', { headers: { accept: 'text/html' } });
  assert.equal(info.status, 200);
  assert.equal(((await info.json()) as { id: string }).id, 'moda/ocr-ppocrv4-zh');
  const resolve = await server.request('/moda/ocr-ppocrv4-zh/resolve/main/configuration.json', { headers: { accept: 'text/html' } });
  assert.equal(resolve.status, 200);
  assert.match(resolve.headers.get('content-type') ?? '', /json|octet-stream|text\/plain/);
  assert.equal((await server.request('/api/nothing', { headers: { accept: 'text/html' } })).status, 404);

  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
  assert.ok(script, 'index.html names its script');
  const asset = await server.request(script, { token: null });
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000/);
  assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await server.request('/assets/..%2F..%2Fpackage.json', { token: null })).status, 404);
});

void test('search for the OCR model, open it and read rendered Chinese text with its boxes', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: '按任务浏览' }).waitFor();
  await page.locator('.task-chip', { hasText: '文字识别' }).first().waitFor();
  await screenshot(page, 'home');

  await page.getByLabel('搜索模型').first().fill('ppocrv4');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/models\?search=ppocrv4/);
  const link = page.getByRole('link', { name: 'moda/ocr-ppocrv4-zh', exact: true });
  await link.waitFor();
  await screenshot(page, 'models');
  await link.click();
  await page.waitForURL(/\/moda\/ocr-ppocrv4-zh$/);
  await page.getByTestId('model-card').waitFor();
  await page.getByTestId('metadata').getByText('apache-2.0').waitFor();
  await screenshot(page, 'repo-card');

  await page.getByRole('tab', { name: '文件' }).click();
  const onnxRow = page.getByTestId('files').locator('tr', { hasText: 'ch_PP-OCRv4_rec_infer.onnx' });
  await onnxRow.getByText('LFS').waitFor();
  assert.match(await onnxRow.textContent() ?? '', /10(\.\d)? MB/);

  await page.getByRole('tab', { name: '在线体验' }).click();
  const text = '深度学习模型服务平台';
  const image = await renderTextLines([{ text, size: 40 }, { text: '今天天气很好', size: 36 }]);
  await page.locator('#try-image').setInputFiles({ name: 'text.png', mimeType: 'image/png', buffer: image.png });
  await page.getByTestId('run').click();
  const lines = page.getByTestId('ocr-lines');
  await lines.waitFor({ timeout: 60_000 });
  const read = (await lines.locator('li span[lang]').allTextContents()).join('');
  assert.ok(characterAccuracy(text + '今天天气很好', read) >= 0.8, `read ${JSON.stringify(read)}`);
  assert.ok((await page.getByTestId('overlay').locator('[data-testid=shape] polygon').count()) >= 2, 'a box per line');
  assert.match((await page.getByTestId('revision').getAttribute('title')) ?? '', /^[0-9a-f]{40}$/);
  assert.match((await page.getByTestId('latency').textContent()) ?? '', /\d+ ms/);
  await screenshot(page, 'try-ocr');
  await page.context().close();
});

void test('detection on a photo draws labelled boxes', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/moda/detection-centernet-coco#try`);
  await page.locator('#try-image').setInputFiles({ name: 'dog.jpg', mimeType: 'image/jpeg', buffer: await readFile(DOG_PHOTO) });
  await page.getByTestId('run').click();
  await page.getByTestId('overlay').locator('[data-testid=shape][data-label^="dog "]').waitFor({ timeout: 60_000 });
  assert.ok(await page.getByTestId('overlay').locator('svg text', { hasText: 'dog' }).count() >= 1);
  await page.getByTestId('labels').getByText('dog', { exact: true }).first().waitFor();
  await screenshot(page, 'try-detection');
  await page.getByRole('tab', { name: 'JSON' }).click();
  assert.match((await page.getByTestId('raw-json').textContent()) ?? '', /"label": "dog"/);
  await page.context().close();
});

void test('a card with script, handlers and javascript: links renders inert', async () => {
  const card = [
    '---',
    'license: mit',
    '---',
    '# Hostile card',
    '<script>window.__pwned = "script"</script>',
    '<img src="data:," onerror="window.__pwned = \'onerror\'" alt="x">',
    '[click me](javascript:window.__pwned=%22link%22)',
    '<a href="javascript:window.__pwned=1" id="raw-link">raw link</a>',
    '<p onmouseover="window.__pwned = \'hover\'">hover me</p>',
  ].join('\n');
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hostile-card', type: 'model' }) });
  assert.equal(created.status, 200, await created.text());
  await uploadFiles({ repo: 'admin/hostile-card', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'README.md', content: new Blob([card]) }] });

  const page = await newPage(browser);
  await page.goto(`${server.url}/admin/hostile-card`);
  const rendered = page.getByTestId('model-card');
  await rendered.getByRole('heading', { name: 'Hostile card' }).waitFor();
  await rendered.getByText('hover me').hover();
  await rendered.getByText('click me').click({ modifiers: [] }).catch(() => undefined);
  assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
  assert.equal(await rendered.locator('script').count(), 0);
  const attributes = await rendered.evaluate((element) => [...element.querySelectorAll('*')].flatMap((node) => [...node.attributes].map((attribute) => `${attribute.name}=${attribute.value}`)));
  assert.ok(!attributes.some((attribute) => /^on/i.test(attribute) || /javascript:/i.test(attribute)), attributes.join(' '));
  await page.context().close();
});

void test('a private repo is not visible signed out; its owner signs in, uploads a file and edits the card', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'secret-model', type: 'model', private: true }) });
  assert.equal(created.status, 200, await created.text());

  const anonymous = await newPage(browser);
  await anonymous.goto(`${server.url}/admin/secret-model`);
  await anonymous.getByRole('alert').waitFor();
  assert.match((await anonymous.getByTestId('error-text').textContent()) ?? '', /HUB_REPO_NOT_FOUND|not found/i);
  await anonymous.goto(`${server.url}/models?search=secret`);
  await anonymous.getByText('没有找到模型').waitFor();
  await anonymous.context().close();

  // Signed in through the header form: the repo shows, takes an upload and a new card.
  const owner = await newPage(browser);
  await owner.goto(`${server.url}/models?search=secret`);
  await owner.getByText('没有找到模型').waitFor();
  await owner.getByRole('button', { name: '登录' }).click();
  await owner.getByLabel('访问令牌（hf_…）').fill(ADMIN_TOKEN);
  await owner.getByLabel('访问令牌（hf_…）').press('Enter');
  await owner.getByTestId('signed-in-user').getByText('admin').waitFor();
  await owner.goto(`${server.url}/models?search=secret`);
  await owner.getByRole('link', { name: 'admin/secret-model' }).click();
  await owner.getByText('私有', { exact: true }).first().waitFor();
  await owner.locator('#upload-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the browser\n') });
  await owner.getByRole('button', { name: '上传', exact: true }).click();
  await owner.getByRole('tab', { name: '文件' }).click();
  await owner.getByTestId('files').getByText('notes.txt').waitFor();
  const stored = await server.request('/admin/secret-model/resolve/main/notes.txt');
  assert.equal(await stored.text(), 'hello from the browser\n');
  await owner.getByRole('tab', { name: '模型卡片' }).click();
  await owner.getByRole('button', { name: '编辑模型卡片' }).click();
  await owner.getByLabel('编辑模型卡片 (README.md)').fill('---\nlicense: mit\n---\n# 秘密模型\n\nEdited in the browser.');
  await owner.getByRole('button', { name: '保存' }).click();
  await owner.getByTestId('model-card').getByRole('heading', { name: '秘密模型' }).waitFor();
  await owner.getByTestId('metadata').getByText('mit').waitFor();
  await screenshot(owner, 'repo-signed-in');
  await owner.context().close();
});

void test('the home page works at phone width and in English', async () => {
  const page = await newPage(browser, { width: 390 });
  await page.goto(`${server.url}/`);
  await page.locator('.task-chip').first().waitFor();
  await page.getByRole('button', { name: 'Switch the interface to English' }).click();
  await page.getByRole('heading', { name: 'Browse by task' }).waitFor();
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await screenshot(page, 'home-phone-en');
  await page.context().close();
});

/** Every request the page makes to the API or for files, path and query, in order. */
function recordApiRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/assets/') && request.resourceType() !== 'document') paths.push(url.pathname + url.search);
  });
  return paths;
}

function duplicates(paths: string[]): string[] {
  return paths.filter((path, index) => paths.indexOf(path) !== index);
}

void test('the first page asks for its data once, before its script runs, and the home counts tasks in one request', async () => {
  const home = await newPage(browser);
  const homeRequests = recordApiRequests(home);
  // The early requests (index.html) leave before the app's entry script has even arrived: the
  // bundle is held back until the task counts are asked for, so only index.html can ask.
  const countsAsked = new Promise<void>((resolve) => {
    home.on('request', (request) => {
      if (request.url().includes('/api/task-counts')) resolve();
    });
  });
  let askedBeforeBundle: boolean | undefined;
  await home.route(/\/assets\/index-[^/]*\.js$/, async (route) => {
    if (askedBeforeBundle === undefined) {
      const giveUp = new AbortController();
      askedBeforeBundle = await Promise.race([countsAsked.then(() => true), delay(15_000, false, { signal: giveUp.signal }).catch(() => false)]);
      giveUp.abort();
    }
    await route.continue();
  });
  await home.goto(`${server.url}/`);
  await home.locator('.task-chip', { hasText: '文字识别' }).first().waitFor();
  await home.locator('[data-testid="repo-list"] .repo-card').first().waitFor();
  assert.deepEqual(duplicates(homeRequests), [], `each request once: ${homeRequests.join(', ')}`);
  assert.ok(homeRequests.includes('/api/task-counts?limit=100'), homeRequests.join(', '));
  assert.ok(!homeRequests.some((path) => path.includes('pipeline_tag=')), `no search per task: ${homeRequests.join(', ')}`);
  assert.equal(askedBeforeBundle, true, 'the task counts were not asked for while the bundle was held back');
  // A count per task as the server gives it; 100+ only from the limit.
  const counts = ((await (await server.request('/api/task-counts?limit=100', { token: null })).json()) as { counts: Record<string, number> }).counts;
  const ocrChip = await home.locator('a.task-chip[href="/tasks/ocr"] .count').textContent();
  assert.match(ocrChip ?? '', new RegExp(`\\b${counts.ocr}\\b`));
  // Navigating inside the app asks anew: answers fetched early are not served to a later page.
  await home.locator('[data-testid="repo-list"] .repo-name').first().click();
  await home.locator('.repo-page [role="tablist"]').waitFor();
  await home.goBack();
  await home.locator('.task-chip').first().waitFor();
  assert.equal(homeRequests.filter((path) => path === '/api/task-counts?limit=100').length, 2, homeRequests.join(', '));
  await home.context().close();

  const repo = await newPage(browser);
  const repoRequests = recordApiRequests(repo);
  await repo.goto(`${server.url}/moda/ocr-ppocrv4-zh`);
  await repo.getByTestId('model-card').getByRole('heading').first().waitFor();
  assert.deepEqual(duplicates(repoRequests), [], `each request once: ${repoRequests.join(', ')}`);
  assert.ok(repoRequests.includes('/api/models/moda/ocr-ppocrv4-zh'), repoRequests.join(', '));
  // The card is asked for once: early at HEAD, which the page takes for the commit its info names.
  assert.deepEqual(
    repoRequests.filter((path) => path.endsWith('/README.md')),
    ['/moda/ocr-ppocrv4-zh/resolve/HEAD/README.md'],
  );
  await repo.context().close();
});

void test('a private repo opened directly shows to its owner, from requests made early with her token', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'early-secret', type: 'model', private: true }) });
  assert.equal(created.status, 200, await created.text());
  const card = Buffer.from('# 早到的秘密\n').toString('base64');
  const commit = await server.request('/api/models/admin/early-secret/commit/main', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${JSON.stringify({ key: 'header', value: { summary: 'card' } })}\n${JSON.stringify({ key: 'file', value: { path: 'README.md', content: card, encoding: 'base64' } })}\n`,
  });
  assert.equal(commit.status, 200, await commit.text());
  const owner = await newPage(browser, { token: ADMIN_TOKEN });
  const requests = recordApiRequests(owner);
  await owner.goto(`${server.url}/admin/early-secret`);
  await owner.getByTestId('model-card').getByRole('heading', { name: '早到的秘密' }).waitFor();
  assert.deepEqual(duplicates(requests.filter((path) => !path.startsWith('/api/whoami'))), [], requests.join(', '));
  await owner.context().close();

  const anonymous = await newPage(browser);
  await anonymous.goto(`${server.url}/admin/early-secret`);
  await anonymous.getByRole('alert').waitFor();
  assert.match((await anonymous.getByTestId('error-text').textContent()) ?? '', /HUB_REPO_NOT_FOUND|not found/i);
  await anonymous.context().close();
});
