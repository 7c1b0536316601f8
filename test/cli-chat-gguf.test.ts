// `moda run` and `moda chat` on a GGUF model through the CLI against a real server (tiny seeded
// llama written by the test): the answer streams from the server's chat route and equals what the
// OpenAI route answers; figures go to stderr; the chat keeps its history (prompt tokens grow),
// `/clear` forgets it, `/bye` leaves, and Ctrl-C (a real SIGINT to a real `moda chat` process)
// stops the answer and frees its sequence without ending the program.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { runCli } from '../src/cli/run-cli.js';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Greedy, and never the end tokens (</s>, <|im_end|>): answers run to max_tokens, the same each time. */
const GREEDY = { temperature: 0, logit_bias: { '2': -100, '4': -100 } };

let server: TestServer;
let work: string;

function env(): NodeJS.ProcessEnv {
  return { MODA_HOME: join(work, 'home'), MODA_ENDPOINT: server.url, MODA_TOKEN: ADMIN_TOKEN };
}

async function moda(args: string[], stdin: string[] = []) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: env(), stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => (stderr += chunk) }, stdin: Readable.from(stdin) });
  return { code, stdout, stderr };
}

async function openAiAnswer(model: string, messages: { role: string; content: string }[], maxTokens: number): Promise<{ text: string; promptTokens: number }> {
  const response = await server.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages, max_tokens: maxTokens, ...GREEDY }) });
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
  return { text: body.choices[0]?.message.content ?? '', promptTokens: body.usage.prompt_tokens };
}

async function sequencesInUse(): Promise<number> {
  const { models } = (await (await server.request('/api/ps')).json()) as { models: { name: string; sequences_in_use: number }[] };
  return models.filter((model) => model.name.startsWith('admin/long')).reduce((sum, model) => sum + model.sequences_in_use, 0);
}

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 1, llmContext: 4096, llmQueue: 4 });
  work = await mkdtemp(join(tmpdir(), 'moda-cli-chat-'));
  for (const [name, files] of [
    ['tiny', { 'tiny-Q8_0.gguf': tinyLlamaGguf({ type: 'Q8_0' }), 'tiny-F32.gguf': tinyLlamaGguf({ type: 'F32' }) }],
    ['long', { 'long-Q8_0.gguf': tinyLlamaGguf({ type: 'Q8_0', contextLength: 4096 }) }],
  ] as const) {
    const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
    assert.equal(created.status, 200);
    await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: Object.entries(files).map(([path, content]) => ({ path, content: new Blob([content]) })) });
  }
});

after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

void test('moda run streams the answer of a GGUF model, the same as the OpenAI route gives, with figures on stderr', async () => {
  const parameters = JSON.stringify({ max_tokens: 8, ...GREEDY });
  const expected = await openAiAnswer('admin/tiny', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say something about the sea' }], 8);
  const result = await moda(['run', 'admin/tiny', 'Say', 'something', 'about', 'the', 'sea', '--system', 'Be brief.', '--parameters', parameters]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${expected.text}\n`);
  assert.match(result.stderr, new RegExp(`^prompt ${expected.promptTokens} tokens · answer 8 tokens in \\d+\\.\\d\\d s · (\\d+\\.\\d tokens/s · )?first token after \\d+ ms\\n$`));

  // A quantisation tag, the prompt from stdin, and --json.
  const tagged = await moda(['run', 'admin/tiny:F32', '--json', '--parameters', parameters], ['Say something ', 'about the sea\n']);
  assert.equal(tagged.code, 0, tagged.stderr);
  const json = JSON.parse(tagged.stdout) as { model: string; output: string; finish_reason: string; usage: { completion_tokens: number } };
  assert.equal(json.model, 'admin/tiny:F32');
  assert.equal(json.output, (await openAiAnswer('admin/tiny:F32', [{ role: 'user', content: 'Say something about the sea' }], 8)).text);
  assert.equal(json.finish_reason, 'length');
  assert.equal(json.usage.completion_tokens, 8);
});

void test('moda run on a GGUF model reports bad input with its code', async () => {
  const cases: [string[], RegExp][] = [
    [['run', 'admin/tiny:Q2_K', 'hello'], /Q8_0.*\[MODEL_VARIANT_NOT_FOUND\]\n$/],
    [['run', 'admin/tiny', 'hello', '--parameters', '[1]'], /--parameters must be a JSON object.*\[VALIDATION_FAILED\]/],
    [['run', 'admin/tiny', 'hello', '--parameters', '{"max_tokens":"many"}'], /max_tokens.*\[/],
    [['run', 'admin/tiny', 'hello', '--revision', 'v1'], /namespace\/name:QUANT instead of --revision \[BAD_REQUEST\]/],
    [['run', 'admin/tiny:bad tag!', 'hello'], /not a quantisation tag.*\[VALIDATION_FAILED\]/],
  ];
  for (const [args, message] of cases) {
    const result = await moda(args);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  const empty = await moda(['run', 'admin/tiny'], ['  \n']);
  assert.match(empty.stderr, /give a prompt.*\[BATCH_EMPTY\]/);
});

void test('moda chat keeps the conversation, /clear forgets it, /bye leaves; figures with --verbose', async () => {
  const parameters = JSON.stringify({ max_tokens: 6, ...GREEDY });
  const result = await moda(['chat', 'admin/tiny', '--system', 'You are terse.', '--verbose', '--parameters', parameters], ['hello there\n', 'and then?\n', '/clear\n', 'hello there\n', '/nonsense\n', '/bye\n', 'never sent\n']);
  assert.equal(result.code, 0, result.stderr);
  const figures = [...result.stderr.matchAll(/^prompt (\d+) tokens · answer (\d+) tokens/gm)].map((match) => Number(match[1]));
  assert.equal(figures.length, 3, result.stderr);
  const [first, second, third] = figures as [number, number, number];

  const system = { role: 'system', content: 'You are terse.' };
  const one = await openAiAnswer('admin/tiny', [system, { role: 'user', content: 'hello there' }], 6);
  const two = await openAiAnswer('admin/tiny', [system, { role: 'user', content: 'hello there' }, { role: 'assistant', content: one.text }, { role: 'user', content: 'and then?' }], 6);
  assert.equal(first, one.promptTokens);
  assert.equal(second, two.promptTokens, 'the second turn carries the first question and answer');
  assert.equal(third, first, 'after /clear the conversation starts again');
  assert.equal(result.stdout, `${one.text}\n${two.text}\n${one.text}\n`);
  assert.match(result.stderr, /Cleared the conversation/);
  assert.match(result.stderr, /Unknown command \/nonsense/);
});

void test('Ctrl-C in moda chat stops the answer and frees its sequence; the chat goes on until /bye', async () => {
  const parameters = JSON.stringify({ max_tokens: 3500, ...GREEDY });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'chat', 'admin/long', '--parameters', parameters], { cwd: REPO_ROOT, env: { ...process.env, ...env() }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (ready: () => boolean | Promise<boolean>, what: string) => {
    for (let attempt = 0; attempt < 600; attempt++) {
      if (await ready()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`waited for ${what}; stdout: ${stdout.slice(0, 200)} stderr: ${stderr}`);
  };
  try {
    child.stdin.write('Tell me everything about the sea\n');
    await waitFor(() => stdout.length > 0, 'the answer to start');
    assert.equal(await sequencesInUse(), 1);
    child.kill('SIGINT');
    await waitFor(() => stderr.includes('(stopped)'), 'the answer to stop');
    await waitFor(async () => (await sequencesInUse()) === 0, 'the sequence to be freed');
    const written = stdout.length;
    // Still running and reading: a command is answered, and no more answer text arrives.
    child.stdin.write('/clear\n');
    await waitFor(() => stderr.includes('Cleared the conversation'), 'the chat to go on');
    assert.equal(stdout.length, written);
    child.stdin.write('/bye\n');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
  }
});
