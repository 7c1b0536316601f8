// The Evaluate panel's Re-run and who sees what, in headless Chromium against a real server: after a
// new model commit the earlier result reads "older revision"; a signed-out visitor sees it with no
// Evaluate and no Re-run; its owner's Re-run starts a new job on the new head; a signed-in user who
// may read but not write the model can evaluate it, and the panel says the results stay in the job
// (no commit, no rank). The first result comes from an eval job started through the API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { screenshot, waitForCondition } from './helpers/browser.js';
import { evaluate, modelHead } from './helpers/eval-setup.js';
import { getJob } from './helpers/jobs.js';
import { englishPage, followNewestJob, startEvaluateSetup, startEvaluation, type EvaluateSetup } from './helpers/web-evaluate-setup.js';

let setup: EvaluateSetup;
const jobIds: string[] = [];

before(async () => {
  setup = await startEvaluateSetup();
  const job = await evaluate(setup.server, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' }, setup.alice);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  jobIds.push(job.id);
  // A new model commit: that result now describes an older revision.
  await uploadFiles({ repo: 'alice/sentiment', accessToken: setup.alice, hubUrl: setup.server.url, files: [{ path: 'notes.txt', content: new Blob(['a change to the model repo']) }] });
});

after(async () => {
  await setup?.browser.close();
  await setup?.server.stop();
});

void test('signed out: the older-revision result is shown, with no Evaluate and no Re-run', async () => {
  const { server, browser } = setup;
  const opened = await englishPage(browser);
  await opened.goto(`${server.url}/alice/sentiment`);
  // The result of the older revision is listed, marked, and offers no Re-run to a visitor.
  await opened.locator('[data-testid="eval-results"] tr[data-older="true"]').first().waitFor();
  assert.match((await opened.locator('[data-testid="eval-results"]').textContent()) ?? '', /older revision/);
  assert.equal(await opened.locator('[data-testid="evaluate-button"]').count(), 0);
  assert.equal(await opened.getByRole('button', { name: 'Re-run' }).count(), 0);
});

void test('after a new model commit the result reads "older revision" and Re-run starts a new job on the new head', async () => {
  const { server, browser, alice } = setup;
  const head = await modelHead(server, 'alice/sentiment', alice);
  const opened = await englishPage(browser, alice);
  await opened.goto(`${server.url}/alice/sentiment`);
  const older = opened.locator('[data-testid="eval-results"] tr[data-older="true"]');
  await older.first().waitFor();
  assert.match((await older.first().textContent()) ?? '', /older revision/);
  await older.first().getByRole('button', { name: 'Re-run' }).click();
  const { id } = await followNewestJob(opened, jobIds);
  jobIds.push(id);
  const job = await getJob(server.request, id, alice);
  assert.equal((job.result as { model_commit: string }).model_commit, head);
  assert.deepEqual({ model: job.params.model, dataset: job.params.dataset, split: job.params.split }, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' });
  await waitForCondition(opened, `document.querySelectorAll('[data-testid="eval-results"] tr[data-older="false"]').length > 0`);
  await screenshot(opened, 'evaluate-rerun');
});

void test('a user who may read but not write the model evaluates it; the panel says the results stay in the job', async () => {
  const { server, browser, alice, bob } = setup;
  const before = await modelHead(server, 'alice/sentiment', alice);
  const opened = await englishPage(browser, bob);
  await opened.goto(`${server.url}/alice/sentiment`);
  await startEvaluation(opened, 'alice/reviews');
  const { id } = await followNewestJob(opened, jobIds);
  const card = opened.locator('[data-testid="eval-job"]').first();
  await card.locator('[data-testid="eval-metrics"]').waitFor();
  assert.match((await card.textContent()) ?? '', /Not committed: the job's owner may read alice\/sentiment but not write to it/);
  assert.equal(await card.locator('[data-testid="eval-rank"]').count(), 0);
  assert.equal(await modelHead(server, 'alice/sentiment', alice), before);
  assert.equal((await getJob(server.request, id, bob)).owner, 'bob');
  await screenshot(opened, 'evaluate-read-only');
});
