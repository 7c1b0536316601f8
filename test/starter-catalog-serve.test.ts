// The whole path for the starter models, as a user meets it: `moda serve` imports the catalog into
// the hub on first start; `moda run moda/ocr-ppocrv4-zh receipt.png` prints the recognised lines;
// the same models answer over HTTP; every starter repo has a real model card.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCli } from '../src/cli/run-cli.js';
import { readCatalog } from '../src/catalog/read-catalog.js';
import { darknetPhoto } from './fixtures/photos.js';
import { characterAccuracy, renderTextLines } from './fixtures/render-text-image.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-starter-'));
  server = await startTestServer({ catalog: true });
  // The import runs after the server listens; /readyz names it until it is done.
  const first = (await (await server.request('/readyz')).json()) as { waiting?: string[] };
  assert.deepEqual(first.waiting, ['starter-catalog']);
  for (let waited = 0; (await server.request('/readyz')).status !== 200; waited += 200) {
    assert.ok(waited < 300_000, 'the starter catalog was not imported within 5 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('the first start imports (in the background, /readyz waits for it) every installed starter model as a public moda/ repo with a card', async () => {
  // Starter datasets have their own test (test/starter-datasets.test.ts).
  const entries = (await readCatalog()).filter((entry) => entry.type === 'model');
  assert.ok(entries.length >= 8);
  const listed = (await (await server.request('/api/models?author=moda&limit=100', { token: null })).json()) as { id: string; pipeline_tag?: string }[];
  const ids = new Set(listed.map((repo) => repo.id));
  for (const entry of entries) {
    assert.ok(ids.has(entry.repo), `${entry.repo} is listed`);
    const card = await (await server.request(`/${entry.repo}/resolve/main/README.md`, { token: null })).text();
    assert.match(card, /^---\n[\s\S]*license: /, `${entry.repo} card has front matter with a license`);
    assert.match(card, /## Evaluation|## Evaluation results|Evaluation/, `${entry.repo} card reports measured numbers`);
    assert.match(card, /pipeline\(/, `${entry.repo} card shows the TypeScript usage`);
  }
  const ocr = listed.find((repo) => repo.id === 'moda/ocr-ppocrv4-zh');
  assert.equal(ocr?.pipeline_tag, 'ocr');
});

void test('moda run moda/ocr-ppocrv4-zh receipt.png prints the recognised lines', async () => {
  const lines = ['魔搭模型服务平台', 'Total: 128.50 CNY', '谢谢惠顾 Thank you'];
  const image = await renderTextLines(lines.map((text) => ({ text, size: 32 })));
  const receipt = join(work, 'receipt.png');
  await writeFile(receipt, image.png);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['run', 'moda/ocr-ppocrv4-zh', receipt], {
    env: { MODA_HOME: join(work, 'cli'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
  });
  assert.equal(code, 0, stderr);
  const printed = stdout.trim().split('\n');
  assert.equal(printed.length, 3, stdout);
  const accuracy = characterAccuracy(lines.join(''), printed.join(''));
  assert.ok(accuracy >= 0.9, `character accuracy ${accuracy}: ${stdout}`);
  assert.match(stderr, /ocr · moda\/ocr-ppocrv4-zh@[0-9a-f]{12} · onnx/);
});

void test('starter models answer over HTTP: detection finds the dog and the bicycle, language id tells languages apart', async () => {
  const photo = await darknetPhoto('dog');
  const detected = await server.request('/api/v1/models/moda/detection-centernet-coco/pipeline', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(photo), token: null });
  assert.equal(detected.status, 200, await detected.clone().text());
  const labels = ((await detected.json()) as { output: { label: string; score: number }[] }).output.map((entry) => entry.label);
  assert.ok(labels.includes('dog') && labels.includes('bicycle'), labels.join(', '));

  const lid = await server.request('/api/v1/models/moda/lid-fasttext-176/pipeline', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: ['今天天气很好，我们去公园散步吧。', 'The weather is lovely today.', '今日はとても良い天気ですね。', 'Сегодня прекрасная погода.'], parameters: { top_k: 1 } }),
  });
  const top = ((await lid.json()) as { outputs: { label: string }[][] }).outputs.map((labels) => labels[0]?.label);
  assert.deepEqual(top, ['zh', 'en', 'ja', 'ru']);
});
