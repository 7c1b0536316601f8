// The leaderboard pages in headless Chromium against a real server: the header's Leaderboards
// link, the list, a benchmark's sortable table with filters (verified only, task), its bar chart
// with the human baseline drawn as a line, the benchmark dataset's Leaderboard tab, and a model
// page's results with their rank. Screenshots in test-artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { finishJob, insertJob } from '../src/jobs/job-store.js';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { launchChromium, screenshot, waitForCondition } from './helpers/browser.js';
import { commitHubFiles, createHubRepo } from './helpers/hub-repos.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let browser: Browser;

const createRepo = (type: 'model' | 'dataset', name: string) => createHubRepo(server, type, name);
const commit = (type: 'model' | 'dataset', repo: string, files: Record<string, string>) => commitHubFiles(server, type, repo, files);

function modelIndex(values: Record<string, number>): string {
  const results = Object.entries(values)
    .map(([config, value]) => `      - task: {type: text-classification}\n        dataset: {type: admin/clue-mini, name: CLUE, config: ${config}, split: validation}\n        metrics:\n          - {type: accuracy, value: ${value}}`)
    .join('\n');
  return `---\nmodel-index:\n  - name: m\n    results:\n${results}\n---\n# model\n`;
}

async function englishPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.addInitScript({ content: "localStorage.setItem('moda.language', 'en');" });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return page;
}

const rowModels = (page: Page) => page.locator('[data-testid="leaderboard-table"] tbody tr').evaluateAll((rows) => rows.map((row) => (row as unknown as { getAttribute(name: string): string | null }).getAttribute('data-model') ?? ''));

before(async () => {
  const dist = process.env.MODA_WEB_DIST || DEFAULT_WEB_DIST;
  if (!existsSync(join(dist, 'index.html'))) {
    assert.equal(dist, DEFAULT_WEB_DIST, `MODA_WEB_DIST=${dist} holds no index.html`);
    assert.equal(spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' }).status, 0, 'npm run build:web failed');
  }
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  await createRepo('dataset', 'clue-mini');
  await commit('dataset', 'admin/clue-mini', {
    'README.md': '---\nconfigs:\n  - config_name: afqmc\n    data_files:\n      - {split: validation, path: afqmc/dev.json}\n  - config_name: tnews\n    data_files:\n      - {split: validation, path: tnews/dev.json}\n---\n# CLUE mini\n',
    'eval.yaml': 'name: CLUE mini\nmetric: accuracy\ntasks:\n  - {id: afqmc, config: afqmc, split: validation}\n  - {id: tnews, config: tnews, split: validation}\nreference_rows:\n  - name: Human\n    score: 0.86678\n    source: {url: "https://127.0.0.1/classification.html", name: CLUE}\n',
    'afqmc/dev.json': '{"sentence1": "a", "sentence2": "b", "label": "0"}\n',
    'tnews/dev.json': '{"label": "102", "label_desc": "news_entertainment", "sentence": "c", "keywords": ""}\n',
  });
  await createRepo('model', 'verified-model');
  const job = await insertJob(server.hub.db, { type: 'eval', params: { model: 'admin/verified-model', dataset: 'admin/clue-mini' }, owner: 'admin', tokenId: null, maxAttempts: 1 });
  await server.hub.db.updateTable('jobs').set({ state: 'running' }).where('id', '=', job.id).execute();
  await finishJob(server.hub.db, job.id, { state: 'succeeded', result: { afqmc: { accuracy: 0.7 }, tnews: { accuracy: 0.6 } } });
  await commit('model', 'admin/verified-model', {
    'model.onnx': 'v',
    '.eval_results/clue.yaml': `- dataset: {id: admin/clue-mini, task_id: afqmc}\n  value: 0.7\n  job_id: ${job.id}\n- dataset: {id: admin/clue-mini, task_id: tnews}\n  value: 0.6\n  job_id: ${job.id}\n`,
  });
  await createRepo('model', 'bold-model');
  await commit('model', 'admin/bold-model', { 'model.onnx': 'b', 'README.md': modelIndex({ afqmc: 0.8, tnews: 0.7 }) });
  await createRepo('model', 'afqmc-only');
  await commit('model', 'admin/afqmc-only', { 'model.onnx': 'o', 'README.md': modelIndex({ afqmc: 0.9 }) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

void test('Leaderboards page → benchmark: ranked table, reference row, chart with the baseline line, sorting and filters', async () => {
  const page = await englishPage();
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Leaderboards' }).click();
  await page.waitForURL(/\/leaderboards$/);
  await page.locator('[data-testid="benchmark"][data-id="admin/clue-mini"]').getByRole('link', { name: 'CLUE mini' }).click();
  await page.waitForURL(/\/leaderboards\/admin\/clue-mini$/);
  await page.getByTestId('leaderboard-table').waitFor();
  // Ranked by mean accuracy; the reference row sits in the table, marked reported.
  assert.deepEqual(await rowModels(page), ['admin/bold-model', 'admin/verified-model', 'Human']);
  const reference = page.getByTestId('reference-row');
  assert.match((await reference.textContent()) ?? '', /Human.*86\.678.*reported/);
  assert.equal(await page.getByTestId('chart-bar').count(), 2);
  assert.equal(await page.locator('[data-testid="chart-reference"][data-name="Human"] line').count(), 1);
  await screenshot(page, 'leaderboard-benchmark');

  // Sorting by score puts the human baseline (0.86678) above both models.
  await page.getByRole('button', { name: /accuracy \(mean\)/ }).click();
  assert.deepEqual(await rowModels(page), ['Human', 'admin/bold-model', 'admin/verified-model']);
  await page.getByRole('button', { name: /^Model/ }).click();
  assert.deepEqual(await rowModels(page), ['admin/bold-model', 'admin/verified-model', 'Human']);

  await page.getByTestId('verified-only').check();
  await waitForCondition(page, "document.querySelectorAll('[data-testid=\"model-row\"]').length === 1");
  assert.equal(await page.getByTestId('model-row').getAttribute('data-model'), 'admin/verified-model');
  assert.match((await page.getByTestId('model-row').getByTestId('status').textContent()) ?? '', /verified/);
  await page.getByTestId('verified-only').uncheck();

  await page.getByTestId('task-filter').selectOption('afqmc');
  await waitForCondition(page, "document.querySelector('[data-testid=\"model-row\"]')?.dataset.model === 'admin/afqmc-only'");
});

void test("the benchmark dataset's Leaderboard tab, and a model page's results with its rank", async () => {
  const page = await englishPage();
  await page.goto(`${server.url}/datasets/admin/clue-mini`);
  await page.getByRole('tab', { name: 'Leaderboards' }).click();
  await page.getByTestId('leaderboard-table').waitFor();
  assert.equal(await page.getByTestId('model-row').count(), 2);

  await page.goto(`${server.url}/admin/verified-model`);
  const results = page.getByTestId('model-results');
  await results.waitFor();
  assert.match((await results.textContent()) ?? '', /CLUE mini.*65\.000.*rank 2 of 2.*verified/);
  await screenshot(page, 'leaderboard-model-results');
});
