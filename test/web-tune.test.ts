// The Fine-tune UI in headless Chromium against a real server: from a dataset page the Fine-tune
// button opens the form generated from the method's schema, with the split and column pickers
// filled from the dataset's features; an out-of-range hyperparameter is refused (by the browser
// where the schema's range is on the field, by the server with its message where it is not); a
// fastText job shows its live curve and progress, then a link to the new model, a Deploy button
// that deploys it, and the tuned model answers in its Try-it at once. Signed out there is no
// button and the form asks to sign in; a dataset the user cannot read offers no columns and says
// why. Screenshots in test-artifacts/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { ensureWebBuild, launchChromium, screenshot, waitForCondition } from './helpers/browser.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let browser: Browser;
let alice = '';
let bob = '';
const pageErrors: string[] = [];

async function newPage(token: string | null): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  // Sandboxed frames (a rendered file) have no localStorage: the settings are for the app's own.
  await context.addInitScript({ content: `try { localStorage.setItem('moda.language', 'en');${token ? ` localStorage.setItem('moda.token', ${JSON.stringify(token)});` : ''} } catch {}` });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

/** The select or input of the form field whose caption is `caption`. */
const field = (page: Page, caption: string, control: 'select' | 'input') => page.locator('label.tune-field').filter({ has: page.locator('span', { hasText: new RegExp(`^${caption}$`) }) }).locator(control);

const optionValues = (page: Page, caption: string) => field(page, caption, 'select').locator('option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value).filter((value) => value !== ''));

async function tuneJobsOf(token: string): Promise<unknown[]> {
  return ((await (await server.request('/api/v1/jobs?type=tune', { token })).json()) as { jobs: unknown[] }).jobs;
}

before(async () => {
  ensureWebBuild(DEFAULT_WEB_DIST);
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  alice = await createUserWithToken(server, 'alice', 'write');
  bob = await createUserWithToken(server, 'bob', 'write');
  // Column names that are none of the defaults (text, label…): the pickers must be used.
  const rows = (perClass: number, seed: number) => toCsv(topicTexts(perClass, seed).map((row) => ({ sentence: row.text, topic: row.label })), ['sentence', 'topic']);
  await createDataset(server, 'topics', { token: alice });
  await commitFiles(server, 'alice/topics', { 'train.csv': rows(60, 3), 'test.csv': rows(15, 4) }, alice);
  await createDataset(server, 'secret', { private: true, token: alice });
  await commitFiles(server, 'alice/secret', { 'train.csv': rows(10, 5) }, alice);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
});

void test('Fine-tune from a dataset page: schema form, pickers, range errors, live curve, model link, Deploy and Try-it', async () => {
  const page = await newPage(alice);
  await page.goto(`${server.url}/datasets/alice/topics`);
  await page.getByTestId('fine-tune').click();
  await page.waitForURL(/\/tune\?dataset=alice%2Ftopics$/);
  const form = page.getByTestId('tune-form');
  await form.waitFor();
  assert.equal(await field(page, 'Dataset', 'input').inputValue(), 'alice/topics');

  // Pickers from the dataset's splits and features.
  await waitForCondition(page, `[...document.querySelectorAll('[data-testid="tune-form"] select option')].filter((option) => option.value === 'sentence').length >= 2`);
  assert.deepEqual((await optionValues(page, 'Training split')).sort(), ['test', 'train']);
  assert.deepEqual((await optionValues(page, 'Validation split')).sort(), ['test', 'train']);
  assert.deepEqual((await optionValues(page, 'Text column')).sort(), ['sentence', 'topic']);
  assert.deepEqual((await optionValues(page, 'Label column')).sort(), ['sentence', 'topic']);
  // One field per hyperparameter of the method's schema, with its default and range.
  const epochs = field(page, 'epochs', 'input');
  assert.equal(await epochs.inputValue(), '10');
  assert.equal(await epochs.getAttribute('max'), '200');
  assert.deepEqual(await field(page, 'loss', 'select').locator('option').allTextContents(), ['softmax', 'hs', 'ova']);

  await field(page, 'Validation split', 'select').selectOption('test');
  await field(page, 'Text column', 'select').selectOption('sentence');
  await field(page, 'Label column', 'select').selectOption('topic');
  await field(page, 'Output model repo', 'input').fill('alice/topics-classifier');

  // Past the field's range: the browser refuses to submit and says why.
  await epochs.fill('500');
  await page.getByRole('button', { name: 'Start training' }).click();
  assert.equal(await epochs.evaluate((input) => (input as unknown as { validity: { rangeOverflow: boolean } }).validity.rangeOverflow), true);
  assert.match(await epochs.evaluate((input) => (input as unknown as { validationMessage: string }).validationMessage), /200/);
  assert.equal(await page.getByTestId('tune-run').count(), 0);
  assert.deepEqual(await tuneJobsOf(alice), []);

  // A bound the field cannot express (learning_rate > 0): the server's message is shown.
  await epochs.fill('8');
  await field(page, 'learning_rate', 'input').fill('0');
  await page.getByRole('button', { name: 'Start training' }).click();
  const refusal = form.getByTestId('error-text');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /learning_rate.*\[TUNE_HYPERPARAMETERS_INVALID\]/);
  assert.deepEqual(await tuneJobsOf(alice), []);
  await screenshot(page, 'tune-form-refused');

  await field(page, 'learning_rate', 'input').fill('0.5');
  await page.getByRole('button', { name: 'Start training' }).click();
  const run = page.getByTestId('tune-run');
  await run.waitFor();
  await waitForCondition(page, `Number(document.querySelector('[data-testid="training-curve"]')?.dataset.points) > 0`, 120_000);
  await waitForCondition(page, `document.querySelector('[data-testid="tune-run"]')?.dataset.state === 'succeeded'`, 180_000);
  // A point per epoch (and the final score), drawn from the job's log as it streamed.
  assert.ok(Number(await page.getByTestId('training-curve').getAttribute('data-points')) >= 8);
  assert.match((await page.getByTestId('tune-result').textContent()) ?? '', /Held-out accuracy: 0\.\d{4}/);
  const [job] = (await tuneJobsOf(alice)) as { params: Record<string, unknown>; result: { commit: string } }[];
  assert.deepEqual(job?.params.columns, { text: 'sentence', label: 'topic' });
  assert.equal(job?.params.validation_split, 'test');
  assert.deepEqual(job?.params.hyperparameters, { epochs: 8, learning_rate: 0.5 });
  await screenshot(page, 'tune-succeeded');

  await page.getByRole('button', { name: 'Deploy' }).click();
  await page.getByTestId('tune-deployed').waitFor({ timeout: 120_000 });
  const { deployments } = (await (await server.request('/api/v1/deployments', { token: alice })).json()) as { deployments: { name: string; model: string; commit: string }[] };
  const deployed = deployments.find((deployment) => deployment.model === 'alice/topics-classifier');
  assert.ok(deployed, JSON.stringify(deployments));
  assert.equal(deployed.commit, job?.result.commit, 'the deployment serves the commit the job made');
  assert.match((await page.getByTestId('tune-deployed').textContent()) ?? '', new RegExp(deployed.name));

  await page.getByRole('link', { name: /Open the model: alice\/topics-classifier/ }).click();
  await page.waitForURL(/\/alice\/topics-classifier$/);
  await page.getByRole('tab', { name: 'Try it' }).click();
  await page.locator('#try-text').fill('the striker scored a goal and the team won the match at the stadium');
  await page.getByTestId('run').click();
  await page.getByTestId('result').or(page.getByTestId('try-error')).first().waitFor({ timeout: 120_000 });
  assert.equal(await page.getByTestId('try-error').count(), 0, (await page.getByTestId('try-error').textContent().catch(() => '')) ?? '');
  assert.equal(await page.getByTestId('labels').locator('li').first().getAttribute('data-label'), 'sports');
  await screenshot(page, 'tune-model-try-it');
  await page.context().close();
});

void test('signed out there is no Fine-tune button and the form asks to sign in; an unreadable dataset offers no columns', async () => {
  const anonymous = await newPage(null);
  await anonymous.goto(`${server.url}/datasets/alice/topics`);
  await anonymous.getByRole('tablist').waitFor();
  assert.equal(await anonymous.getByTestId('fine-tune').count(), 0);
  await anonymous.goto(`${server.url}/tune?dataset=alice/topics`);
  await anonymous.getByText('Sign in to train a model.').waitFor();
  assert.equal(await anonymous.getByTestId('tune-form').count(), 0);
  await anonymous.context().close();

  const other = await newPage(bob);
  await other.goto(`${server.url}/tune?dataset=alice/secret`);
  await other.getByTestId('tune-form').waitFor();
  const error = other.getByTestId('tune-form').getByTestId('error-text');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /HUB_REPO_NOT_FOUND|not found/i);
  assert.deepEqual(await optionValues(other, 'Text column'), []);
  assert.deepEqual(await optionValues(other, 'Training split'), []);
  await screenshot(other, 'tune-form-unreadable-dataset');
  await other.context().close();
});
