// End-to-end tests of the signed-in user's pages in headless Chromium against a real Moda server:
// sign in, create a repo through the form (bad and taken names refused readably), upload a folder
// plus a dropped file with an LFS-sized binary and watch progress finish, create and revoke a token,
// deploy a tiny model, drive requests until the live charts show non-zero values, and undeploy.
// Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, waitForCondition } from './helpers/browser.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';


let server: TestServer;
let browser: Browser;
let token: string;
let folder: string;
const binary = randomBytes(3 * 1024 * 1024 + 5);
binary[0] = 0; // a NUL in the first 512 bytes: the hub sends binary content to LFS whatever its size

const json = (body: unknown, method = 'POST') => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A page signed in as alice through the header's token form, in English so assertions read plainly. */
async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.addInitScript({ content: `localStorage.setItem('moda.language', 'en')` });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByPlaceholder('Access token (hf_…)').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').getByText('alice').waitFor();
  return page;
}

before(async () => {
  // MODA_WEB_DIST names this session's own build; otherwise the checkout's web/dist, built when missing.
  const dist = process.env.MODA_WEB_DIST || DEFAULT_WEB_DIST;
  if (!existsSync(join(dist, 'index.html'))) {
    assert.equal(dist, DEFAULT_WEB_DIST, `MODA_WEB_DIST=${dist} holds no index.html`);
    assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
  }
  [server, browser] = await Promise.all([
    startTestServer({ catalog: false }),
    launchChromium(),
  ]);
  token = await createUserWithToken(server, 'alice', 'write');
  const asAlice = (init: RequestInit) => ({ ...init, token });
  assert.equal((await server.request('/api/organizations', asAlice(json({ name: 'alice-lab' })))).status, 201);
  assert.equal((await server.request('/api/repos/create', asAlice(json({ name: 'taken' })))).status, 200);
  assert.equal((await server.request('/api/repos/create', asAlice(json({ name: 'sentiment' })))).status, 200);
  await uploadFiles({ repo: 'alice/sentiment', accessToken: token, hubUrl: server.url, files: tinyTextClassifier().files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });

  folder = await mkdtemp(join(tmpdir(), 'moda-web-upload-'));
  await mkdir(join(folder, 'weights-folder', 'sub'), { recursive: true });
  await writeFile(join(folder, 'weights-folder', 'config.json'), '{"hidden_size": 4}\n');
  await writeFile(join(folder, 'weights-folder', 'sub', 'notes.txt'), 'notes in a sub-folder\n');
  await writeFile(join(folder, 'weights-folder', 'model.bin'), binary);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

void test('signed out, the account pages ask for a token and the header hides their links', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.addInitScript({ content: `localStorage.setItem('moda.language', 'en')` });
  await page.goto(`${server.url}/new`);
  await page.getByTestId('sign-in-first').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Deployments' }).count(), 0);
  await page.goto(`${server.url}/settings/tokens`);
  await page.getByTestId('sign-in-first').waitFor();
  await page.close();
});

void test('create a repo through the form, then upload a folder and a dropped file with an LFS binary', async () => {
  const page = await signedInPage();
  await page.getByRole('link', { name: 'New repo' }).click();
  await page.waitForURL(/\/new$/);
  const owner = page.getByLabel('Owner', { exact: true });
  // The organisations come from whoami, which may answer after the form is drawn.
  await owner.locator('option', { hasText: 'alice-lab' }).waitFor({ state: 'attached' });
  assert.deepEqual(await owner.locator('option').allTextContents(), ['alice', 'alice-lab']);

  const name = page.locator('#repo-name');
  await name.fill('bad--name');
  await page.getByTestId('name-problem').getByText('No "--" or ".."').waitFor();
  await name.fill('-start');
  await page.getByTestId('name-problem').getByText('Must start with a letter or digit').waitFor();
  await name.fill('taken');
  assert.equal(await page.getByTestId('name-problem').textContent(), '');
  await page.getByRole('button', { name: 'Create repo' }).click();
  await page.getByTestId('error-text').getByText('alice/taken already exists; choose another name. [HUB_REPO_EXISTS]').waitFor();
  await screenshot(page, 'account-new-repo-error');

  await name.fill('uploaded-model');
  await page.getByLabel('License').selectOption('mit');
  await page.getByRole('button', { name: 'Create repo' }).click();
  await page.waitForURL(/\/alice\/uploaded-model$/);
  const info = (await (await server.request('/api/models/alice/uploaded-model')).json()) as { cardData?: { license?: string }; private: boolean };
  assert.equal(info.private, false);
  assert.equal(info.cardData?.license, 'mit');

  // A folder through the folder picker (paths relative to its parent) and a file dropped on the zone.
  await page.getByTestId('upload-folder-input').setInputFiles(join(folder, 'weights-folder'));
  // Browser code as a string: this file is compiled without the DOM library.
  await page.evaluate(`(() => {
    const zone = document.querySelector('[data-testid="upload-drop"]');
    const transfer = new DataTransfer();
    transfer.items.add(new File(['dropped by hand\\n'], 'dropped.txt', { type: 'text/plain' }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  })()`);
  const list = page.getByTestId('upload-list');
  await list.locator('li[data-path="dropped.txt"]').waitFor();
  assert.deepEqual(await list.locator('li').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-path'))), [
    'dropped.txt',
    'weights-folder/config.json',
    'weights-folder/model.bin',
    'weights-folder/sub/notes.txt',
  ]);
  await screenshot(page, 'account-upload-pending');

  await page.getByLabel('Commit message').fill('Upload weights from the browser');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByTestId('upload-notice').getByText(/^Committed [0-9a-f]{10}$/).waitFor({ timeout: 60_000 });
  await screenshot(page, 'account-upload-done');

  const head = (await (await server.request('/api/models/alice/uploaded-model/revision/main')).json()) as { sha: string };
  const commits = (await (await server.request('/api/models/alice/uploaded-model/commits/main')).json()) as { title: string; id: string }[];
  assert.equal(commits[0]?.title, 'Upload weights from the browser');
  assert.equal(commits[0]?.id, head.sha);
  const tree = (await (await server.request('/api/models/alice/uploaded-model/tree/main?recursive=true')).json()) as { path: string; type: string; lfs?: { oid: string; size: number } }[];
  const files = new Map(tree.filter((entry) => entry.type === 'file').map((entry) => [entry.path, entry]));
  for (const path of ['dropped.txt', 'weights-folder/config.json', 'weights-folder/model.bin', 'weights-folder/sub/notes.txt']) assert.ok(files.has(path), `${path} was committed`);
  assert.deepEqual(files.get('weights-folder/model.bin')?.lfs && { oid: files.get('weights-folder/model.bin')?.lfs?.oid, size: files.get('weights-folder/model.bin')?.lfs?.size }, { oid: createHash('sha256').update(binary).digest('hex'), size: binary.length });
  assert.equal(files.get('weights-folder/config.json')?.lfs, undefined, 'small text stays inline');
  const stored = await server.request('/alice/uploaded-model/resolve/main/weights-folder/model.bin');
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(binary), 'the LFS object is the uploaded bytes');
  assert.equal(await (await server.request('/alice/uploaded-model/resolve/main/dropped.txt')).text(), 'dropped by hand\n');

  // The page reloaded the repo: the new files show in the files tab.
  await page.getByRole('tab', { name: 'Files' }).click();
  await page.getByTestId('files').getByText('weights-folder').first().waitFor();
  await page.getByTestId('files').getByText('dropped.txt').waitFor();
  await page.context().close();
});

void test('upload progress: per-file bars and the total reach their ends, LFS marked, and a cancel leaves the repo unchanged', async () => {
  const page = await signedInPage();
  await page.goto(`${server.url}/alice/taken`);
  const before = ((await (await server.request('/api/models/alice/taken/revision/main')).json()) as { sha: string }).sha;
  await page.getByTestId('upload-folder-input').setInputFiles(join(folder, 'weights-folder'));
  // Cancel while the LFS batch request is in flight (held back here, since a local upload of a few
  // MB ends faster than a click): the commit never happens.
  let batchSeen!: () => void;
  const batchHeld = new Promise<void>((resolve) => (batchSeen = resolve));
  await page.route('**/info/lfs/objects/batch', async (route) => {
    batchSeen();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue().catch(() => undefined);
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await batchHeld;
  await page.getByRole('button', { name: 'Cancel upload' }).click();
  await page.getByTestId('upload-notice').getByText('Upload cancelled; the repo is unchanged.').waitFor();
  await page.unroute('**/info/lfs/objects/batch');
  assert.equal(((await (await server.request('/api/models/alice/taken/revision/main')).json()) as { sha: string }).sha, before);

  // The files are still listed; upload them again and read the progress as the commit lands.
  const list = page.getByTestId('upload-list');
  assert.equal(await list.locator('li').count(), 3);
  // Hold the commit to read the bars when the LFS object is sent and the inline files are not yet.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/models/alice/taken/commit/main', async (route) => {
    await released;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const lfsRow = list.locator('li[data-path="weights-folder/model.bin"]');
  await list.locator('li[data-path="weights-folder/model.bin"][data-state="stored"]').waitFor();
  await lfsRow.getByText('LFS').waitFor();
  await list.locator('li[data-path="weights-folder/config.json"]').getByText('Inline').waitFor();
  const bar = async (locator: ReturnType<Page['locator']>) =>
    locator.evaluate((element) => {
      const progress = element as unknown as { value: number; max: number };
      return { value: progress.value, max: progress.max };
    });
  assert.deepEqual(await bar(lfsRow.locator('progress')), { value: binary.length, max: binary.length });
  assert.equal((await bar(list.locator('li[data-path="weights-folder/config.json"] progress'))).value, 0);
  assert.deepEqual(await bar(page.getByTestId('upload-total')), { value: binary.length, max: binary.length + 19 + 22 });
  await page.getByRole('status').getByText('Committing…').waitFor();
  await screenshot(page, 'account-upload-progress');
  release();
  await page.getByTestId('upload-notice').getByText(/^Committed/).waitFor({ timeout: 60_000 });
  assert.equal(await list.count(), 0, 'the pending list is cleared after the commit');
  const after = ((await (await server.request('/api/models/alice/taken/revision/main')).json()) as { sha: string }).sha;
  assert.notEqual(after, before);
  await page.context().close();
});

void test('create a token, see its secret once, use it, then revoke it', async () => {
  const page = await signedInPage();
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.waitForURL(/\/settings\/tokens$/);
  await page.getByTestId('tokens').locator('tr[data-token="test"]').waitFor();

  // A write token cannot mint an admin one: the server says so, readably.
  await page.getByLabel('Name', { exact: true }).fill('too-strong');
  await page.getByLabel('Role').selectOption('admin');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByTestId('error-text').getByText(/cannot create a admin token \[AUTH_FORBIDDEN\]/).waitFor();

  await page.getByLabel('Name', { exact: true }).fill('ci-read');
  await page.getByLabel('Role').selectOption('read');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('token-secret').textContent()) ?? '';
  assert.match(secret, /^hf_moda_/);
  const row = page.getByTestId('tokens').locator('tr[data-token="ci-read"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /read.*Never/);
  await screenshot(page, 'account-tokens-created');
  const whoami = await server.request('/api/whoami-v2', { token: secret });
  assert.equal(whoami.status, 200);
  assert.equal(((await whoami.json()) as { name: string }).name, 'alice');
  await page.getByRole('button', { name: 'I saved it' }).click();
  assert.equal(await page.getByTestId('token-secret').count(), 0, 'the secret is gone once dismissed');

  await page.reload();
  await row.waitFor();
  assert.doesNotMatch((await row.textContent()) ?? '', /Never/, 'the token was used, and the list says when');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText('Revoke "ci-read"? Programs using it lose access at once.').waitFor();
  await row.getByRole('button', { name: 'Yes, revoke' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await server.request('/api/whoami-v2', { token: secret })).status, 401);
  await page.context().close();
});

void test('deploy a model with progress, watch live charts go non-zero, then undeploy', async () => {
  const page = await signedInPage();
  await page.getByRole('link', { name: 'Deployments' }).click();
  await page.waitForURL(/\/deployments$/);
  await page.getByText('No deployments yet.').waitFor();

  // A model that does not exist: a readable error, nothing deployed.
  await page.getByLabel('Model (owner/name)').fill('alice/missing');
  await page.getByRole('button', { name: 'Deploy a model' }).click();
  await page.getByTestId('error-text').getByText(/\[HUB_REPO_NOT_FOUND\]/).waitFor();

  await page.getByLabel('Model (owner/name)').fill('alice/sentiment');
  await page.getByLabel('Max queue delay (ms)').fill('5');
  await page.getByRole('button', { name: 'Deploy a model' }).click();
  const card = page.locator('[data-testid="deployment"][data-name="alice--sentiment"]');
  await card.waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('deploy-progress').locator('li[data-step="ready"]').getAttribute('data-reached'), 'true');
  assert.equal(await page.getByTestId('deploy-progress').locator('li[data-step="loading"]').getAttribute('data-reached'), 'true');
  assert.equal(await card.getByTestId('deployment-state').textContent(), 'Ready');
  assert.match((await card.getByTestId('deployment-batching').textContent()) ?? '', /^max auto \(measured \d+\), queue delay ≤ 5 ms, queue \d+$/);

  // Requests in the background until all three charts show a non-zero latest point.
  let sending = true;
  const load = (async () => {
    while (sending) {
      await Promise.all(Array.from({ length: 8 }, () => server.request('/api/v1/models/alice/sentiment/pipeline', json({ input: 'a good day' })).then((response) => response.arrayBuffer())));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    const charted = `['chart-rate', 'chart-latency', 'chart-batch'].every((id) => Number(document.querySelector('[data-testid="' + id + '"]')?.getAttribute('data-latest') || 0) > 0)`;
    await waitForCondition(page, charted, 30_000);
  } finally {
    sending = false;
    await load;
  }
  const latest = async (id: string) => Number(await card.getByTestId(id).getAttribute('data-latest'));
  assert.ok((await latest('chart-rate')) > 0);
  assert.ok((await latest('chart-latency')) > 0);
  assert.ok((await latest('chart-batch')) >= 1);
  assert.match((await card.getByTestId('chart-rate').textContent()) ?? '', /req\/s/);
  assert.ok((await card.locator('svg path.line').count()) >= 1, 'the charts draw lines');
  await screenshot(page, 'account-deployments-charts');
  const metrics = await (await server.request('/metrics')).text();
  assert.match(metrics, /moda_inference_requests_total\{model="alice\/sentiment",task="text-classification",status="200"\} [1-9]/, 'requests to a deployed model are counted');

  await card.getByRole('button', { name: 'Undeploy' }).click();
  await card.getByRole('button', { name: 'Yes, undeploy' }).click();
  await card.waitFor({ state: 'detached' });
  const listed = (await (await server.request('/api/v1/deployments')).json()) as { deployments: unknown[] };
  assert.equal(listed.deployments.length, 0);
  await page.context().close();
});
