// The model page's Evaluate panel in headless Chromium against a real server with a real tiny ONNX
// classifier: its owner picks a dataset and split, starts, follows the job to its scores, the
// results commit and the leaderboard rank; the dataset viewer opened from the result shows the
// job's predictions and right/wrong marks beside the rows, to the owner only. Re-run, signed-out
// visitors and read-only users: test/web-evaluate-rerun.test.ts. Screenshots in test-artifacts/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { screenshot, waitForCondition } from './helpers/browser.js';
import { modelHead } from './helpers/eval-setup.js';
import { getJob } from './helpers/jobs.js';
import { englishPage, followNewestJob, REVIEW_ROWS, startEvaluateSetup, startEvaluation, type EvaluateSetup } from './helpers/web-evaluate-setup.js';

let setup: EvaluateSetup;
let firstJob: string | undefined;

before(async () => {
  setup = await startEvaluateSetup();
});

after(async () => {
  await setup?.browser.close();
  await setup?.server.stop();
});

void test('Evaluate: pick a dataset and split, start, follow the job to its scores, the results commit and the rank', async () => {
  const { server, browser, alice } = setup;
  const opened = await englishPage(browser, alice);
  const before = await modelHead(server, 'alice/sentiment', alice);
  await opened.goto(`${server.url}/alice/sentiment`);
  await opened.locator('[data-testid="evaluate-panel"]').waitFor();
  await startEvaluation(opened, 'alice/reviews');
  const { id, states } = await followNewestJob(opened, []);
  firstJob = id;
  await screenshot(opened, 'evaluate-finished');

  // What the panel shows is the job's own result.
  const job = await getJob(server.request, id, alice);
  assert.deepEqual({ model: job.params.model, dataset: job.params.dataset, split: job.params.split }, { model: 'alice/sentiment', dataset: 'alice/reviews', split: 'test' });
  const accuracy = (job.result as { metrics: { type: string; name: string; value: number }[] }).metrics.find((metric) => metric.type === 'accuracy')!;
  const card = opened.locator('[data-testid="eval-job"]').first();
  const shown = await card.locator('[data-testid="eval-metrics"] tr').evaluateAll((rows) => rows.map((row) => (row as unknown as { textContent: string }).textContent));
  assert.ok(shown.includes(`${accuracy.name}${String(Math.round(accuracy.value * 10_000) / 10_000)}`), `${JSON.stringify(shown)} shows ${accuracy.name} ${accuracy.value}`);
  assert.match((await card.textContent()) ?? '', new RegExp(`${REVIEW_ROWS.length} samples, 0 failed`));
  // The card followed the job from what it was when started (queued or running) to its end.
  assert.equal(states.at(-1), 'succeeded');
  assert.ok(states.every((state) => ['queued', 'running', 'succeeded'].includes(state)), states.join(' → '));

  // The commit link and the rank on the benchmark's leaderboard (the only model: rank 1 of 1).
  const commitLink = card.getByRole('link').first();
  assert.match((await commitLink.getAttribute('href')) ?? '', /^\/alice\/sentiment\/commit\/[0-9a-f]{40}$/);
  assert.notEqual(await modelHead(server, 'alice/sentiment', alice), before);
  await card.locator('[data-testid="eval-rank"]').waitFor();
  assert.match((await card.locator('[data-testid="eval-rank"]').textContent()) ?? '', /Reviews: rank 1 of 1/);
  // The panel re-read the model's results: the new one is listed, current.
  await waitForCondition(opened, `document.querySelectorAll('[data-testid="eval-results"] tr[data-older="false"]').length > 0`);
  assert.match((await opened.locator('[data-testid="eval-results"]').textContent()) ?? '', /alice\/reviews/);

  // From the result to the dataset viewer with the predictions beside the rows.
  await card.locator('[data-testid="view-predictions"]').click();
  await opened.locator('[data-testid="predictions-banner"]').waitFor();
  assert.match((await opened.locator('[data-testid="predictions-banner"]').textContent()) ?? '', new RegExp(`${id}.*alice/sentiment@`));
  await waitForCondition(opened, `document.querySelectorAll('[data-testid="prediction-verdict"]').length === ${REVIEW_ROWS.length}`);
  const verdicts = await opened.locator('[data-testid="prediction-verdict"]').evaluateAll((cells) => cells.map((cell) => (cell as unknown as { getAttribute(name: string): string | null }).getAttribute('data-verdict')));
  assert.ok(Math.abs(verdicts.filter((verdict) => verdict === 'correct').length / REVIEW_ROWS.length - accuracy.value) < 1e-9, `${verdicts.join(',')} vs accuracy ${accuracy.value}`);
  const headers = await opened.locator('[data-testid="rows-table"] thead th').allTextContents();
  assert.ok(headers.includes('prediction'), headers.join(' | '));
  await screenshot(opened, 'evaluate-predictions-viewer');
});

void test("the same viewer link shows another user, or a signed-out visitor, the rows without the job's predictions", async () => {
  const { server, browser, bob } = setup;
  assert.ok(firstJob);
  for (const token of [bob, undefined]) {
    const opened = await englishPage(browser, token);
    await opened.goto(`${server.url}/datasets/alice/reviews?predictions=${firstJob}#viewer`);
    await opened.locator('[data-testid="rows-table"]').waitFor();
    assert.equal(await opened.locator('[data-testid="prediction-cell"], [data-testid="predictions-banner"]').count(), 0);
    assert.ok(!(await opened.locator('[data-testid="rows-table"] thead th').allTextContents()).includes('prediction'));
  }
});
