// `moda tune` against a real server: starts a tune job, waits with a progress bar on a terminal,
// prints the new commit's URL (with --follow, the log too), and exits non-zero with the job's code
// when it fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliSession, type CliSession } from './helpers/cli-session.js';
import { createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';
import { commitFiles, createDataset } from './helpers/dataset-repo.js';
import { toCsv, topicTexts } from './helpers/tune-data.js';

let server: TestServer;
let cli: CliSession;
let alice: string;

before(async () => {
  server = await startTestServer();
  alice = await createUserWithToken(server, 'alice');
  cli = await cliSession(server.url, alice);
  await createDataset(server, 'topics', { token: alice });
  await commitFiles(server, 'alice/topics', { 'train.csv': toCsv(topicTexts(40, 9).map((row) => ({ sentence: row.text, topic: row.label })), ['sentence', 'topic']) }, alice);
});

after(async () => {
  await server?.stop();
  await cli?.close();
});

void test('moda tune --follow trains, streams the log, draws a bar and prints the commit URL', async () => {
  const run = await cli.run(['tune', 'alice/topics', '--method', 'fasttext', '--output', 'alice/topics-ft', '--text-column', 'sentence', '--label-column', 'topic', '--epochs', '4', '--follow'], { tty: true });
  assert.equal(run.code, 0, run.stderr);
  const urlLine = run.stdout.trim().split('\n').at(-1) ?? '';
  assert.match(urlLine, /\/alice\/topics-ft\/commit\/[0-9a-f]{40}$/);
  assert.match(run.stdout, /^curve \{/m, 'the log is streamed');
  assert.match(run.stderr, /held-out accuracy 0\.\d{4}/);
  assert.match(run.stderr, /\[[#= -]*\]|%/, 'a progress bar on a terminal');
  const sha = urlLine.slice(-40);
  const info = (await (await server.request('/api/models/alice/topics-ft', { token: alice })).json()) as { sha: string };
  assert.equal(info.sha, sha);
  const params = (await (await server.request('/alice/topics-ft/resolve/main/training_params.json', { token: alice })).json()) as { hyperparameters: { epochs: number }; columns: unknown };
  assert.equal(params.hyperparameters.epochs, 4);
  assert.deepEqual(params.columns, { text: ['sentence'], label: 'topic' });
});

void test('moda tune exits non-zero with the code of a failed job, and refuses bad options', async () => {
  const missing = await cli.run(['tune', 'alice/topics', '--method', 'fasttext', '--output', 'alice/x', '--text-column', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /TUNE_COLUMN_NOT_FOUND/);
  const badLr = await cli.run(['tune', 'alice/topics', '--method', 'fasttext', '--output', 'alice/x', '--lr', 'fast']);
  assert.notEqual(badLr.code, 0);
  const outOfRange = await cli.run(['tune', 'alice/topics', '--method', 'fasttext', '--output', 'alice/x', '--hyperparameters', '{"dim": 100000}']);
  assert.notEqual(outOfRange.code, 0);
  assert.match(outOfRange.stderr, /dim/);
  const noWait = await cli.run(['tune', 'alice/topics', '--method', 'fasttext', '--output', 'alice/y', '--label-column', 'topic', '--text-column', 'sentence', '--no-wait']);
  assert.equal(noWait.code, 0, noWait.stderr);
  assert.match(noWait.stdout.trim(), /^[0-9a-z]+$/);
});
