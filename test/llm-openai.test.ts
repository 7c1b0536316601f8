// The OpenAI API on a GGUF model (llama.cpp) through the official `openai` client, on a tiny seeded
// llama the test writes: what holds for random weights is asserted — token counts, finish reasons,
// streaming order and usage, seeds, stop strings, grammar-valid JSON, tool-call shapes, logprobs,
// n choices, context errors, and continuous batching (a request joins while another generates).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { Ajv } from 'ajv';
import OpenAI, { APIError, BadRequestError } from 'openai';
import { parsePrometheusText, sumSamples } from '../src/client/prometheus-text.js';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
let client: OpenAI;
const MODEL = 'admin/tiny';
/** Token ids of the tiny vocabulary's end tokens (</s>, <|im_end|>): banned where a test needs a full-length answer. */
const NO_END = { '2': -100, '4': -100 };
const CHAT = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say something about the sea.' },
];

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 2, llmContext: 1024, llmQueue: 4 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: ADMIN_TOKEN, maxRetries: 0 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({
    repo: MODEL,
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    files: [
      { path: 'tiny-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0' })]) },
      { path: 'tiny-F32.gguf', content: new Blob([tinyLlamaGguf({ type: 'F32' })]) },
    ],
  });
});

after(() => server.stop());

void test('models.list offers the GGUF repo; retrieve takes a quantisation tag', async () => {
  const ids = (await client.models.list()).data.map((model) => model.id);
  assert.ok(ids.includes(MODEL), ids.join(','));
  assert.equal((await client.models.retrieve('admin/tiny:F32')).id, 'admin/tiny:F32');
});

void test('chat: max_tokens bounds the answer exactly, usage is exact, the same seed gives the same text', async () => {
  // top_k is not OpenAI's (vLLM and llama.cpp take it): the client passes it through untyped.
  const topK = { top_k: 40 };
  const ask = (seed: number) => client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 12, temperature: 1, top_p: 0.9, ...topK, seed, logit_bias: NO_END });
  const first = await ask(7);
  const again = await ask(7);
  const choice = first.choices[0];
  assert.equal(choice?.finish_reason, 'length');
  assert.equal(first.usage?.completion_tokens, 12);
  assert.ok((first.usage?.prompt_tokens ?? 0) > 10);
  assert.equal(first.usage?.total_tokens, (first.usage?.prompt_tokens ?? 0) + 12);
  assert.equal(choice?.message.role, 'assistant');
  assert.equal(again.choices[0]?.message.content, choice?.message.content);
  const longer = await client.chat.completions.create({ model: MODEL, messages: [...CHAT, { role: 'user', content: 'And about the sky?' }], max_completion_tokens: 3, logit_bias: NO_END });
  assert.ok((longer.usage?.prompt_tokens ?? 0) > (first.usage?.prompt_tokens ?? 0));
  assert.equal(longer.usage?.completion_tokens, 3);
});

void test('streaming: role first, deltas that add up to the whole answer, the finish reason, then usage in the last chunk', async () => {
  const whole = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 10, temperature: 0, logit_bias: NO_END });
  const stream = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 10, temperature: 0, logit_bias: NO_END, stream: true, stream_options: { include_usage: true } });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, whole.choices[0]?.message.content);
  const last = chunks.at(-1);
  assert.deepEqual(last?.choices, []);
  assert.deepEqual(last?.usage, whole.usage);
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'length');
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
});

void test('stop strings cut the answer before the first one, with finish_reason stop', async () => {
  const whole = (await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 24, temperature: 0, logit_bias: NO_END })).choices[0]?.text ?? '';
  assert.ok(whole.length >= 8, JSON.stringify(whole));
  const stop = whole.slice(4, 6);
  const cut = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 24, temperature: 0, logit_bias: NO_END, stop: [stop] });
  assert.equal(cut.choices[0]?.text, whole.slice(0, whole.indexOf(stop)));
  assert.equal(cut.choices[0]?.finish_reason, 'stop');
  const echoed = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 24, temperature: 0, logit_bias: NO_END, echo: true });
  assert.equal(echoed.choices[0]?.text, `Once upon a time${whole}`);
});

void test('response_format json_schema: by grammar, every answer parses and matches the schema; json_object parses', async () => {
  const schema = {
    type: 'object',
    properties: { mood: { enum: ['calm', 'stormy', 'grey'] }, waves: { type: 'boolean' }, note: { type: 'string', maxLength: 12 } },
    required: ['mood', 'waves', 'note'],
    additionalProperties: false,
  };
  const validate = new Ajv().compile(schema);
  const answer = await client.chat.completions.create({ model: MODEL, messages: CHAT, n: 3, seed: 3, temperature: 1, max_tokens: 200, response_format: { type: 'json_schema', json_schema: { name: 'sea', schema, strict: true } } });
  assert.equal(answer.choices.length, 3);
  for (const choice of answer.choices) {
    assert.equal(choice.finish_reason, 'stop');
    const parsed: unknown = JSON.parse(choice.message.content ?? '');
    assert.ok(validate(parsed), `${choice.message.content} ${JSON.stringify(validate.errors)}`);
  }
  const object = await client.chat.completions.create({ model: MODEL, messages: CHAT, seed: 5, max_tokens: 400, response_format: { type: 'json_object' } });
  if (object.choices[0]?.finish_reason === 'stop') assert.equal(typeof JSON.parse(object.choices[0].message.content ?? ''), 'object');
});

void test('tools: a required or named call comes back in OpenAI shape with arguments matching the parameters, streamed too', async () => {
  const tools = [
    { type: 'function' as const, function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { enum: ['Paris', 'Hangzhou'] }, days: { enum: [1, 2, 3] } }, required: ['city', 'days'] } } },
    { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'] } } },
  ];
  const forced = await client.chat.completions.create({ model: MODEL, messages: CHAT, tools, tool_choice: 'required', seed: 1, max_tokens: 200 });
  const choice = forced.choices[0];
  assert.equal(choice?.finish_reason, 'tool_calls');
  assert.equal(choice?.message.content, null);
  const call = choice?.message.tool_calls?.[0];
  assert.equal(call?.type, 'function');
  assert.match(call?.id ?? '', /^call_/);
  assert.ok(call?.type === 'function' && ['get_weather', 'get_time'].includes(call.function.name));
  const named = await client.chat.completions.create({ model: MODEL, messages: CHAT, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, seed: 2, max_tokens: 200 });
  const weather = named.choices[0]?.message.tool_calls?.[0];
  assert.ok(weather?.type === 'function' && weather.function.name === 'get_weather');
  const args = JSON.parse(weather.function.arguments) as { city: string; days: number };
  assert.ok(['Paris', 'Hangzhou'].includes(args.city) && [1, 2, 3].includes(args.days));

  const stream = await client.chat.completions.create({ model: MODEL, messages: CHAT, tools, tool_choice: { type: 'function', function: { name: 'get_time' } }, seed: 4, max_tokens: 200, stream: true });
  const deltas = [];
  for await (const chunk of stream) deltas.push(chunk.choices[0]);
  const streamed = deltas.flatMap((delta) => delta?.delta.tool_calls ?? []);
  assert.equal(streamed.length, 1);
  assert.equal(streamed[0]?.function?.name, 'get_time');
  assert.ok(['UTC', 'CET'].includes((JSON.parse(streamed[0]?.function?.arguments ?? '') as { zone: string }).zone));
  assert.equal(deltas.at(-1)?.finish_reason, 'tool_calls');
  assert.ok(deltas.every((delta) => !delta?.delta.content));
  // A conversation that carries the call and its result goes on as text.
  const followUp = await client.chat.completions.create({
    model: MODEL,
    messages: [...CHAT, { role: 'assistant', content: null, tool_calls: [{ id: weather.id, type: 'function', function: weather.function }] }, { role: 'tool', tool_call_id: weather.id, content: 'sunny' }],
    max_tokens: 4,
    logit_bias: NO_END,
  });
  assert.equal(followUp.choices[0]?.finish_reason, 'length');
});

void test('logprobs: one entry per generated token with up to top_logprobs alternatives', async () => {
  const answer = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 6, temperature: 1, seed: 9, logprobs: true, top_logprobs: 3, logit_bias: NO_END });
  const content = answer.choices[0]?.logprobs?.content ?? [];
  assert.equal(content.length, 6);
  for (const entry of content) {
    assert.ok(entry.logprob <= 0);
    assert.ok(entry.top_logprobs.length >= 1 && entry.top_logprobs.length <= 3);
    assert.ok(entry.top_logprobs.every((top, index, all) => index === 0 || (all[index - 1]?.logprob ?? 0) >= top.logprob));
  }
  assert.equal(content.map((entry) => entry.token).join(''), answer.choices[0]?.message.content);
});

void test('n from 1 to 4: choices indexed in order, usage adds their tokens; n 5 and a context overflow are clear errors', async () => {
  const answer = await client.chat.completions.create({ model: MODEL, messages: CHAT, n: 4, max_tokens: 5, seed: 11, logit_bias: NO_END });
  assert.deepEqual(answer.choices.map((choice) => choice.index), [0, 1, 2, 3]);
  assert.equal(answer.usage?.completion_tokens, 20);
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: CHAT, n: 5 }), (error) => error instanceof BadRequestError && error.param === 'n');
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 100_000 }), (error) => error instanceof APIError && error.status === 413 && error.code === 'context_length_exceeded');
});

void test('continuous batching: a request joins while another generates and finishes first', async () => {
  const long = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 400, logit_bias: NO_END, stream: true });
  const iterator = long[Symbol.asyncIterator]();
  await iterator.next();
  await iterator.next();
  const short = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 2, logit_bias: NO_END });
  assert.equal(short.usage?.completion_tokens, 2);
  let finished = false;
  let pieces = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    pieces++;
    if (next.value.choices[0]?.finish_reason === 'length') finished = true;
  }
  assert.ok(finished && pieces > 2, 'the long answer ran on to its length');
});

void test('/metrics counts the tokens of each generation exactly and times its first token', async () => {
  const scrape = async () => parsePrometheusText(await (await server.request('/metrics')).text());
  const before = await scrape();
  const answer = await client.chat.completions.create({ model: MODEL, messages: CHAT, max_tokens: 5, logit_bias: NO_END });
  const after = await scrape();
  const delta = (name: string, match: Record<string, string>) => sumSamples(after, name, match) - sumSamples(before, name, match);
  assert.equal(delta('moda_llm_tokens_total', { model: MODEL, kind: 'completion' }), 5);
  assert.equal(delta('moda_llm_tokens_total', { model: MODEL, kind: 'prompt' }), answer.usage?.prompt_tokens);
  assert.equal(delta('moda_llm_time_to_first_token_seconds_count', { model: MODEL }), 1);
  assert.ok(delta('moda_llm_inter_token_seconds_count', { model: MODEL }) >= 1);
  assert.equal(sumSamples(after, 'moda_llm_kv_cache_bytes', { model: MODEL }) > 0, true);
});

/** A model that answers " the sea." and then its end token (<|im_end|>), whatever it is asked. */
const SCRIPTED = 'admin/scripted';
const SCRIPTED_ANSWER = ['▁the', '▁sea', '.'];

void test('finish_reason: stop when the model ends its answer itself (end token), length only when max_tokens cuts it', async () => {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'scripted', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: SCRIPTED, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'scripted-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0', answer: SCRIPTED_ANSWER })]) }] });
  const ended = await client.chat.completions.create({ model: SCRIPTED, messages: CHAT, max_tokens: 50, temperature: 1, seed: 5 });
  assert.equal(ended.choices[0]?.message.content?.trim(), 'the sea.');
  assert.equal(ended.choices[0]?.finish_reason, 'stop');
  // Three pieces and the end token, as llama.cpp's server counts them.
  assert.equal(ended.usage?.completion_tokens, 4);
  const cut = await client.chat.completions.create({ model: SCRIPTED, messages: CHAT, max_tokens: 2 });
  assert.equal(cut.choices[0]?.finish_reason, 'length');
  assert.equal(cut.usage?.completion_tokens, 2);
  // Room for the pieces but not for the end token: still cut by the limit.
  assert.equal((await client.chat.completions.create({ model: SCRIPTED, messages: CHAT, max_tokens: 3 })).choices[0]?.finish_reason, 'length');
  const stream = await client.chat.completions.create({ model: SCRIPTED, messages: CHAT, max_tokens: 50, stream: true, stream_options: { include_usage: true } });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), ended.choices[0]?.message.content);
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, 4);
  // Text completions: a prompt that ends with a line break gets the same answer and end.
  const text = await client.completions.create({ model: SCRIPTED, prompt: 'Tell me something.\n', max_tokens: 50 });
  assert.equal(text.choices[0]?.text.trim(), 'the sea.');
  assert.equal(text.choices[0]?.finish_reason, 'stop');
});
