// `moda run` against a real server: text from arguments and stdin, an image from a file path,
// --json output, --parameters, and bad input (unknown task, wrong task, unreadable file, bad JSON)
// reported with its catalog code and exit status 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { runCli } from '../src/cli/run-cli.js';
import { tinyTextClassifier } from './fixtures/tiny-models.js';
import { solidColorPng, tinyImageClassifier } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let work: string;

async function moda(args: string[], stdin: string[] = []) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'home'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(stdin),
  });
  return { code, stdout, stderr };
}

before(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), 'moda-cli-run-'));
  for (const [name, files] of [['tiny-sentiment', tinyTextClassifier().files], ['tiny-colours', tinyImageClassifier().files]] as const) {
    const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
    assert.equal(created.status, 200);
    await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
  }
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

void test('moda run classifies text from arguments and from stdin, with the task taken from the repo', async () => {
  const fromArgs = await moda(['run', 'admin/tiny-sentiment', 'great great movie', 'awful']);
  assert.equal(fromArgs.code, 0, fromArgs.stderr);
  const blocks = fromArgs.stdout.split('== ').filter(Boolean);
  assert.equal(blocks.length, 2);
  assert.match(blocks[0] ?? '', /^great great movie\nPOSITIVE\t0\.\d+\nNEGATIVE\t0\.\d+\n$/);
  assert.match(blocks[1] ?? '', /^awful\nNEGATIVE\t/);
  assert.match(fromArgs.stderr, /text-classification · admin\/tiny-sentiment@[0-9a-f]{12} · onnx · \d+ ms/);

  const fromStdin = await moda(['run', 'admin/tiny-sentiment', '--json', '--parameters', '{"top_k":1}'], ['not ', 'good\n']);
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  const json = JSON.parse(fromStdin.stdout) as { task: string; commit: string; output: { label: string; score: number }[] };
  assert.equal(json.task, 'text-classification');
  assert.match(json.commit, /^[0-9a-f]{40}$/);
  assert.equal(json.output.length, 1);
  assert.equal(json.output[0]?.label, tinyTextClassifier().expected('not good')[0]?.label);
});

void test('moda run reads images from file paths', async () => {
  const image = join(work, 'blue.png');
  await writeFile(image, await solidColorPng([0, 10, 240], 12, 12));
  const result = await moda(['run', 'admin/tiny-colours', image]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^blue\t0\.\d+\n/);
});

void test('moda run reports bad input with its code and exit status 1', async () => {
  const cases: [string[], RegExp][] = [
    [['run', 'admin/tiny-sentiment', '--task', 'nonsense', 'x'], /\[TASK_UNKNOWN\]/],
    [['run', 'admin/tiny-sentiment', '--task', 'ocr', 'x'], /\[TASK_MISMATCH\]/],
    [['run', 'admin/tiny-colours', join(work, 'missing.png')], /cannot read image file .*missing\.png: ENOENT \[BAD_REQUEST\]/],
    [['run', 'admin/tiny-sentiment', '--parameters', '{not json', 'x'], /\[TASK_INPUT_INVALID\]/],
    [['run', 'admin/tiny-sentiment', '--parameters', '{"top_k":"three"}', 'x'], /top_k.*\[TASK_INPUT_INVALID\]/],
    [['run', 'admin/nope', 'x'], /\[HUB_REPO_NOT_FOUND\]/],
  ];
  for (const [args, pattern] of cases) {
    const result = await moda(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, pattern, args.join(' '));
  }
});
