// The OpenAI-compatible API through the official `openai` client, on tiny models built by the test:
// a counting GPT-2-layout chat model and a BERT-layout feature extractor, each with an oracle, so
// texts, token counts, finish reasons and vectors are asserted exactly. Also: streaming, stop
// strings, the native API on the same generator, private models, and errors as the client's classes.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError, UnprocessableEntityError, type APIError } from 'openai';
import { transformersJsPipeline } from '../src/pipelines/transformers/transformers-pipeline.js';
import { tinyCausalLm, type ChatMessage } from './fixtures/tiny-causal-lm.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { tinyFeatureExtractor } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let client: OpenAI;
const counter = tinyCausalLm();
const embedder = tinyFeatureExtractor();
const COUNT_FROM_THREE: ChatMessage[] = [
  { role: 'system', content: 'You are a counter.' },
  { role: 'user', content: 'count from three' },
];

async function publish(name: string, files: ModelFile[], isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin', private: isPrivate }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

function openai(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
}

/** Runs `call`, expects it to throw `kind`, and returns the error for field checks. */
async function expectApiError<E extends APIError>(call: () => Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${kind.name}, but the call succeeded`);
}

function close(actual: readonly number[], expected: readonly number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, index) => assert.ok(Math.abs(value - (expected[index] ?? NaN)) < tolerance, `[${index}] ${value} vs ${expected[index]}`));
}

before(async () => {
  server = await startTestServer();
  client = openai(ADMIN_TOKEN);
  await publish('counter', counter.files);
  await publish('embedder', embedder.files);
  await publish('sentiment', tinyTextClassifier().files);
  await publish('secret-counter', counter.files, true);
});

after(() => server.stop());

void test('the oracle: the counting model continues the last number of the prompt', () => {
  assert.deepEqual(counter.chat(COUNT_FROM_THREE), { text: 'four five six seven eight nine ten', promptTokens: counter.encode(counter.renderChat(COUNT_FROM_THREE)).length, completionTokens: 8, finishReason: 'stop' });
  assert.equal(counter.renderChat(COUNT_FROM_THREE), '<|system|>You are a counter.<|user|>count from three<|assistant|>');
  assert.deepEqual(counter.complete('one two', { maxNewTokens: 3 }), { text: ' three four five', promptTokens: 2, completionTokens: 3, finishReason: 'length' });
});

void test('models.list shows the chat and embedding models the caller may read; retrieve takes owner/name', async () => {
  const ids = (await client.models.list()).data.map((model) => model.id);
  assert.deepEqual(ids, ['admin/counter', 'admin/embedder', 'admin/secret-counter']);
  const stranger = openai(await createUserWithToken(server, 'lister', 'read'));
  assert.deepEqual((await stranger.models.list()).data.map((model) => model.id), ['admin/counter', 'admin/embedder']);

  const model = await client.models.retrieve('admin/counter');
  assert.equal(model.id, 'admin/counter');
  assert.equal(model.object, 'model');
  assert.equal(model.owned_by, 'admin');
  assert.ok(Math.abs(model.created - Date.now() / 1000) < 600);
  const plain = await server.request('/v1/models/admin/embedder');
  assert.equal(((await plain.json()) as { id: string }).id, 'admin/embedder');
  const classifier = await expectApiError(() => client.models.retrieve('admin/sentiment'), NotFoundError);
  assert.equal(classifier.code, 'model_not_found');
});

void test('embeddings: mean-pooled, L2-normalised vectors equal the oracle, base64 (the default) and float', async () => {
  const texts = ['hello world', 'the kitten!', 'a dog'];
  const expected = texts.map((text) => embedder.expected(text, { pooling: 'mean', normalize: true }));
  const tokens = texts.reduce((total, text) => total + embedder.expected(text, { pooling: 'none' }).length, 0);
  const response = await client.embeddings.create({ model: 'admin/embedder', input: texts });
  assert.equal(response.object, 'list');
  assert.equal(response.model, 'admin/embedder');
  assert.deepEqual(response.data.map((item) => [item.object, item.index]), [['embedding', 0], ['embedding', 1], ['embedding', 2]]);
  response.data.forEach((item, index) => close(item.embedding, expected[index] ?? []));
  assert.deepEqual(response.usage, { prompt_tokens: tokens, total_tokens: tokens });

  const floats = await client.embeddings.create({ model: 'admin/embedder', input: 'hello world', encoding_format: 'float' });
  close(floats.data[0]?.embedding ?? [], expected[0] ?? []);
  assert.equal(floats.usage.prompt_tokens, 4, '[CLS] hello world [SEP]');

  const dimensions = await expectApiError(() => client.embeddings.create({ model: 'admin/embedder', input: 'hello', dimensions: 2 }), BadRequestError);
  assert.equal(dimensions.param, 'dimensions');
  const tokenArrays = await expectApiError(() => client.embeddings.create({ model: 'admin/embedder', input: [[1, 2, 3]] }), BadRequestError);
  assert.equal(tokenArrays.param, 'input');
  assert.match(tokenArrays.message, /token arrays are not supported/);
  const empty = await expectApiError(() => client.embeddings.create({ model: 'admin/embedder', input: '' }), BadRequestError);
  assert.equal(empty.code, 'TASK_INPUT_INVALID');
  const chatModel = await expectApiError(() => client.embeddings.create({ model: 'admin/counter', input: 'hello' }), UnprocessableEntityError);
  assert.equal(chatModel.code, 'TASK_MISMATCH');
  assert.equal(chatModel.param, 'model');
  assert.match(chatModel.message, /needs a feature-extraction model/);
});

void test('chat completion: the chat template, exact content and usage, length and stop finishes', async () => {
  const oracle = counter.chat(COUNT_FROM_THREE);
  const completion = await client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'admin/counter');
  assert.match(completion.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.match(completion.system_fingerprint ?? '', /^moda-[0-9a-f]{12}$/);
  assert.deepEqual(completion.choices, [{ index: 0, message: { role: 'assistant', content: oracle.text, refusal: null }, logprobs: null, finish_reason: 'stop' }]);
  assert.deepEqual(completion.usage, { prompt_tokens: oracle.promptTokens, completion_tokens: oracle.completionTokens, total_tokens: oracle.promptTokens + oracle.completionTokens });

  // A different last message, a developer message and text parts all reach the template.
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'developer', content: 'Count.' },
    { role: 'user', content: [{ type: 'text', text: 'from' }, { type: 'text', text: 'seven' }] },
  ];
  const seven = counter.chat([{ role: 'system', content: 'Count.' }, { role: 'user', content: 'from\nseven' }], { maxNewTokens: 2 });
  const short = await client.chat.completions.create({ model: 'admin/counter', messages, max_completion_tokens: 2 });
  assert.equal(seven.text, 'eight nine');
  assert.equal(short.choices[0]?.message.content, seven.text);
  assert.equal(short.choices[0]?.finish_reason, 'length');
  assert.deepEqual(short.usage, { prompt_tokens: seven.promptTokens, completion_tokens: 2, total_tokens: seven.promptTokens + 2 });

  const stopped = await client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, stop: [' six', 'nine'], temperature: 0 });
  const stopOracle = counter.chat(COUNT_FROM_THREE, { stop: [' six', 'nine'] });
  assert.equal(stopped.choices[0]?.message.content, 'four five');
  assert.equal(stopped.choices[0]?.finish_reason, 'stop');
  assert.equal(stopped.usage?.completion_tokens, stopOracle.completionTokens);

  // Concurrent generations on one model each get their own answer.
  const starts = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
  const answers = await Promise.all(starts.map((word) => client.chat.completions.create({ model: 'admin/counter', messages: [{ role: 'user', content: word }] })));
  answers.forEach((answer, index) => assert.equal(answer.choices[0]?.message.content, counter.chat([{ role: 'user', content: starts[index] ?? '' }]).text));

  // Sampling: the model is so sure of each next number that any temperature follows the count.
  const sampled = await client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, temperature: 1.5, top_p: 0.9, seed: 7 });
  assert.equal(sampled.choices[0]?.message.content, oracle.text);
});

void test('chat completion streaming: deltas add up to the oracle, then the finish reason, usage and [DONE]', async () => {
  const oracle = counter.chat(COUNT_FROM_THREE);
  const stream = await client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]?.id && chunk.model === 'admin/counter'));
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
  const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(content, oracle.text);
  const pieces = chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? '') !== '');
  assert.equal(pieces.length, 7, 'one chunk per number: the text streams token by token');
  const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason ?? null).filter((reason) => reason !== null);
  assert.deepEqual(finishes, ['stop']);
  const last = chunks.at(-1);
  assert.deepEqual(last?.choices, []);
  assert.deepEqual(last?.usage, { prompt_tokens: oracle.promptTokens, completion_tokens: oracle.completionTokens, total_tokens: oracle.promptTokens + oracle.completionTokens });
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));

  // On the wire: SSE lines ending with [DONE]; a stop string's first letters are held back until they cannot start it.
  const raw = await server.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'admin/counter', messages: COUNT_FROM_THREE, stream: true, stop: ['ve s'] }),
  });
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = (await raw.text()).split('\n\n').filter((event) => event !== '');
  assert.equal(events.at(-1), 'data: [DONE]');
  const deltas = events.slice(0, -1).map((event) => (JSON.parse(event.replace(/^data: /, '')) as OpenAI.ChatCompletionChunk).choices[0]);
  assert.equal(deltas.map((choice) => choice?.delta.content ?? '').join(''), 'four fi');
  assert.equal(deltas.at(-1)?.finish_reason, 'stop');
});

void test('text completions: whole, streamed and echoed; the native pipeline API answers the same', async () => {
  const oracle = counter.complete('one two', { maxNewTokens: 20 });
  const completion = await client.completions.create({ model: 'admin/counter', prompt: 'one two', max_tokens: 20 });
  assert.equal(completion.object, 'text_completion');
  assert.deepEqual(completion.choices, [{ text: oracle.text, index: 0, logprobs: null, finish_reason: 'stop' }]);
  assert.deepEqual(completion.usage, { prompt_tokens: 2, completion_tokens: oracle.completionTokens, total_tokens: 2 + oracle.completionTokens });
  const defaultLimit = await client.completions.create({ model: 'admin/counter', prompt: 'one two', echo: true });
  assert.equal(defaultLimit.choices[0]?.text, `one two${oracle.text}`, 'the 16-token default is more than the count needs');

  const stream = await client.completions.create({ model: 'admin/counter', prompt: 'seven', max_tokens: 2, stream: true });
  let text = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, counter.complete('seven', { maxNewTokens: 2 }).text);
  assert.equal(finish, 'length');

  const native = await server.request('/api/v1/models/admin/counter/pipeline', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: ['one two', { messages: COUNT_FROM_THREE }], parameters: { stop: ['eight'] } }),
  });
  assert.equal(native.status, 200, await native.clone().text());
  const outputs = ((await native.json()) as { outputs: { generated_text: string }[] }).outputs;
  assert.deepEqual(outputs, [{ generated_text: counter.complete('one two', { stop: ['eight'] }).text }, { generated_text: counter.chat(COUNT_FROM_THREE, { stop: ['eight'] }).text }]);
  assert.equal(outputs[1]?.generated_text, 'four five six seven ');
});

void test('errors: OpenAI envelope, the client error classes, codes and params', async () => {
  const unknown = await expectApiError(() => client.chat.completions.create({ model: 'admin/nope', messages: COUNT_FROM_THREE }), NotFoundError);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.code, 'model_not_found');
  assert.equal(unknown.type, 'invalid_request_error');
  assert.equal(unknown.param, 'model');
  assert.match(unknown.message, /admin\/nope/);

  const twoChoices = await expectApiError(() => client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, n: 2 }), BadRequestError);
  assert.equal(twoChoices.param, 'n');
  const hot = await expectApiError(() => client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, temperature: 5 }), BadRequestError);
  assert.equal(hot.param, 'temperature');
  assert.equal(hot.code, 'VALIDATION_FAILED');
  const noMessages = await expectApiError(() => client.chat.completions.create({ model: 'admin/counter', messages: [] }), BadRequestError);
  assert.equal(noMessages.param, 'messages');
  const tool = await expectApiError(() => client.chat.completions.create({ model: 'admin/counter', messages: [{ role: 'tool', content: '42', tool_call_id: 'x' }] }), BadRequestError);
  assert.equal(tool.param, 'messages[0].role');
  const image = await expectApiError(
    () => client.chat.completions.create({ model: 'admin/counter', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] }),
    BadRequestError,
  );
  assert.equal(image.param, 'messages[0].content[0]');
  const tools = await expectApiError(
    () => client.chat.completions.create({ model: 'admin/counter', messages: COUNT_FROM_THREE, tools: [{ type: 'function', function: { name: 'f' } }] }),
    BadRequestError,
  );
  assert.equal(tools.param, 'tools');
  const classifier = await expectApiError(() => client.chat.completions.create({ model: 'admin/sentiment', messages: COUNT_FROM_THREE }), UnprocessableEntityError);
  assert.equal(classifier.code, 'TASK_MISMATCH');
  assert.match(classifier.message, /needs a text-generation model/);
  assert.match(classifier.message, /text-classification/);

  const missing = await expectApiError(() => client.images.generate({ prompt: 'a cat' }), NotFoundError);
  assert.equal(missing.code, 'NOT_FOUND');
  assert.match(missing.message, /\/v1\/chat\/completions/);

  const malformed = await server.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
  assert.equal(malformed.status, 400);
  assert.deepEqual(((await malformed.json()) as { error: Record<string, unknown> }).error, { message: 'malformed JSON body', type: 'invalid_request_error', param: null, code: 'BAD_REQUEST' });
});

void test('a private model: served to its readers, model_not_found for others, 401 for a bad token', async () => {
  const own = await client.chat.completions.create({ model: 'admin/secret-counter', messages: COUNT_FROM_THREE });
  assert.equal(own.choices[0]?.message.content, counter.chat(COUNT_FROM_THREE).text);

  const stranger = openai(await createUserWithToken(server, 'stranger', 'read'));
  const hidden = await expectApiError(() => stranger.chat.completions.create({ model: 'admin/secret-counter', messages: COUNT_FROM_THREE }), NotFoundError);
  assert.equal(hidden.code, 'model_not_found');
  await expectApiError(() => stranger.models.retrieve('admin/secret-counter'), NotFoundError);

  const forged = await expectApiError(() => openai('hf_not_a_token').chat.completions.create({ model: 'admin/secret-counter', messages: COUNT_FROM_THREE }), AuthenticationError);
  assert.equal(forged.code, 'invalid_api_key');
  assert.equal(forged.type, 'authentication_error');

  const anonymous = await server.request('/v1/chat/completions', { method: 'POST', token: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/secret-counter', messages: COUNT_FROM_THREE }) });
  assert.equal(anonymous.status, 404);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'model_not_found');
});

void test('cancellation: an aborted generation stops at the next token; a stream the client drops ends quietly', async () => {
  const endless = tinyCausalLm({ endless: true });
  const dir = await mkdtemp(join(tmpdir(), 'moda-endless-'));
  try {
    for (const file of endless.files) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.content);
    }
    const model = await transformersJsPipeline.load({ repo: 'test/endless', commit: '0'.repeat(40), dir, configuration: undefined, hfConfig: {} }, { task: 'text-generation', device: 'cpu', threads: 1 });
    try {
      assert.ok(model.generate);
      const whole = await model.generate({ prompt: 'one', parameters: { max_new_tokens: 25 } });
      assert.deepEqual(whole, { ...endless.complete('one', { maxNewTokens: 25 }), finishReason: 'length' });

      const controller = new AbortController();
      const pieces: string[] = [];
      const aborted = model.generate({
        prompt: 'one',
        parameters: { max_new_tokens: 1000 },
        signal: controller.signal,
        onText: (delta) => {
          pieces.push(delta);
          if (pieces.length === 3) controller.abort();
        },
      });
      await assert.rejects(aborted, { code: 'REQUEST_CANCELLED' });
      assert.equal(pieces.length, 3, 'no token after the abort');
    } finally {
      await model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  await publish('endless', endless.files);
  const stream = await client.chat.completions.create({ model: 'admin/endless', messages: COUNT_FROM_THREE, stream: true, max_tokens: 900 });
  let received = 0;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) received++;
    // Tokens come from the model's process in bursts, so chunks already read can follow the abort; stop reading them.
    if (received === 3) {
      stream.controller.abort();
      break;
    }
  }
  assert.equal(received, 3);
  const after = await client.chat.completions.create({ model: 'admin/endless', messages: COUNT_FROM_THREE, max_tokens: 3 });
  assert.equal(after.choices[0]?.message.content, 'four five six');
});
