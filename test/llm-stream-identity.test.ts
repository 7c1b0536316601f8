// A GGUF model's streamed answer is the same text as its whole answer, and both are what
// node-llama-cpp generates in this process from the same model, context shape and sampling
// (greedy and seeded): free text, CJK and emoji split over byte tokens (forced by a JSON Schema
// grammar, since the tiny vocabulary has no CJK pieces), and stop strings that span token
// boundaries. The server streams text token by token (incremental detokenisation in the model's
// process, texts coalesced per tick over IPC); nothing of that may change a byte.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { getLlama, LlamaGrammarEvaluationState, resolveChatWrapper, TokenBias, type Llama, type LlamaContext, type LlamaGrammar, type LlamaModel, type Token } from 'node-llama-cpp';
import OpenAI from 'openai';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const MODEL = 'admin/tiny-identity';
const CONTEXT = 1024;
const SEQUENCES = 2;
/** The tiny vocabulary's end tokens (</s>, <|im_end|>), banned where an answer must run to its length. */
const NO_END = { '2': -100, '4': -100 };
const SEA = '海は広い，你好 🙂🌊 ok';
const SEA_SCHEMA = { type: 'object', properties: { sea: { const: SEA } }, required: ['sea'], additionalProperties: false };
const CHAT = [{ role: 'user' as const, content: 'Describe the sea.' }];

let server: TestServer;
let client: OpenAI;
let dir: string;
let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;

before(async () => {
  const bytes = tinyLlamaGguf({ type: 'F32' });
  server = await startTestServer({ threads: 1, llmParallel: SEQUENCES, llmContext: CONTEXT, llmQueue: 4 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: ADMIN_TOKEN, maxRetries: 0 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-identity', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: MODEL, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'tiny-F32.gguf', content: new Blob([bytes]) }] });
  // The in-process engine: the same file, a context shaped as the server's (MODA_LLM_CONTEXT, MODA_LLM_PARALLEL, one thread).
  dir = await mkdtemp(join(tmpdir(), 'moda-identity-'));
  await writeFile(join(dir, 'tiny.gguf'), bytes);
  llama = await getLlama({ gpu: false, build: 'never' });
  model = await llama.loadModel({ modelPath: join(dir, 'tiny.gguf'), gpuLayers: 0 });
  context = await model.createContext({ contextSize: CONTEXT, sequences: SEQUENCES, threads: 1, batchSize: Math.min(CONTEXT, 512) });
});

after(async () => {
  await context.dispose();
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
  await server.stop();
});

interface InProcessOptions {
  maxTokens: number;
  temperature: number;
  seed?: number;
  topP?: number;
  topK?: number;
  noEnd?: boolean;
  grammar?: LlamaGrammar;
}

/** node-llama-cpp on its own: the tokens, then the text of the whole sequence (grammar answers end once they are whole JSON). */
async function inProcess(prompt: Token[], options: InProcessOptions): Promise<{ tokens: Token[]; text: string }> {
  const sequence = context.getSequence();
  try {
    const bias = new TokenBias(model.tokenizer);
    if (options.noEnd) for (const token of [2, 4] as Token[]) bias.set(token, 'never');
    const tokens: Token[] = [];
    const evaluation = sequence.evaluate(prompt, {
      temperature: options.temperature,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.topP !== undefined && { topP: options.topP }),
      ...(options.topK !== undefined && { topK: options.topK }),
      ...(options.noEnd && { tokenBias: bias }),
      ...(options.grammar && { grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar: options.grammar }) }),
    });
    for await (const token of evaluation) {
      tokens.push(token);
      if (tokens.length >= options.maxTokens) break;
      if (options.grammar && isWholeJson(model.detokenize(tokens))) break;
    }
    const text = model.detokenize(tokens);
    return { tokens, text: options.grammar ? text.trimEnd() : text };
  } finally {
    await sequence.dispose();
  }
}

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return /[}\]]\s*$/.test(text);
  } catch {
    return false;
  }
}

function textPrompt(text: string): Token[] {
  const tokens = model.tokenize(text);
  return model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos, ...tokens] : tokens;
}

function chatPrompt(): Token[] {
  const wrapper = resolveChatWrapper(model);
  assert.ok(wrapper);
  return wrapper.generateContextState({ chatHistory: [...CHAT.map((turn) => ({ type: 'user' as const, text: turn.content })), { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer);
}

/** A text completion from Moda, whole and streamed. */
async function completeBoth(body: Omit<OpenAI.CompletionCreateParamsNonStreaming, 'model'>): Promise<{ whole: string; streamed: string; finish: string | undefined; streamedFinish: string | undefined }> {
  const answer = await client.completions.create({ ...body, model: MODEL });
  const stream = await client.completions.create({ ...body, model: MODEL, stream: true });
  let streamed = '';
  let streamedFinish: string | undefined;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.text ?? '';
    streamedFinish = chunk.choices[0]?.finish_reason ?? streamedFinish;
  }
  return { whole: answer.choices[0]?.text ?? '', streamed, finish: answer.choices[0]?.finish_reason, streamedFinish };
}

/** A chat answer from Moda, whole and streamed. */
async function chatBoth(body: Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'model' | 'messages'>): Promise<{ whole: string; streamed: string; finish: string | undefined; streamedFinish: string | undefined }> {
  const answer = await client.chat.completions.create({ ...body, model: MODEL, messages: CHAT });
  const stream = await client.chat.completions.create({ ...body, model: MODEL, messages: CHAT, stream: true });
  let streamed = '';
  let streamedFinish: string | undefined;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta.content ?? '';
    streamedFinish = chunk.choices[0]?.finish_reason ?? streamedFinish;
  }
  return { whole: answer.choices[0]?.message.content ?? '', streamed, finish: answer.choices[0]?.finish_reason, streamedFinish };
}

void test('greedy and seeded text: streamed, whole and in-process answers are the same bytes', async () => {
  const prompt = 'Once upon a time';
  const greedy = await inProcess(textPrompt(prompt), { maxTokens: 40, temperature: 0, noEnd: true });
  const moda = await completeBoth({ prompt, max_tokens: 40, temperature: 0, logit_bias: NO_END });
  assert.ok(greedy.text.length > 20, JSON.stringify(greedy.text));
  assert.equal(moda.whole, greedy.text);
  assert.equal(moda.streamed, greedy.text);
  assert.deepEqual([moda.finish, moda.streamedFinish], ['length', 'length']);

  const sampling = { temperature: 0.8, seed: 42, topP: 0.9, topK: 20 };
  const seeded = await inProcess(textPrompt(prompt), { maxTokens: 40, noEnd: true, ...sampling });
  // top_k is llama.cpp's and vLLM's, not OpenAI's: the client passes it through untyped.
  const seededModa = await completeBoth({ prompt, max_tokens: 40, temperature: 0.8, seed: 42, top_p: 0.9, logit_bias: NO_END, ...{ top_k: 20 } });
  assert.equal(seededModa.whole, seeded.text);
  assert.equal(seededModa.streamed, seeded.text);
  assert.notEqual(seeded.text, greedy.text);
});

void test('a stop string that spans a token boundary cuts streamed and whole answers at the same byte', async () => {
  const prompt = 'The wind and the sea';
  const reference = await inProcess(textPrompt(prompt), { maxTokens: 40, temperature: 0, noEnd: true });
  // Each token's piece, from the whole sequence's text: a stop string of the last two characters of
  // one piece and the first of the next, whose first occurrence is at that boundary.
  const ends = reference.tokens.map((_, index) => model.detokenize(reference.tokens.slice(0, index + 1)).length);
  let stop: string | undefined;
  for (let index = 1; index + 1 < ends.length && stop === undefined; index++) {
    const boundary = ends[index] ?? 0;
    if (boundary - (ends[index - 1] ?? 0) < 2 || (ends[index + 1] ?? 0) <= boundary) continue;
    const candidate = reference.text.slice(boundary - 2, boundary + 1);
    if (candidate.trim().length === 3 && reference.text.indexOf(candidate) === boundary - 2) stop = candidate;
  }
  assert.ok(stop, `no boundary to cut in ${JSON.stringify(reference.text)}`);
  const expected = reference.text.slice(0, reference.text.indexOf(stop));
  const moda = await completeBoth({ prompt, max_tokens: 40, temperature: 0, logit_bias: NO_END, stop: [stop] });
  assert.equal(moda.whole, expected);
  assert.equal(moda.streamed, expected);
  assert.deepEqual([moda.finish, moda.streamedFinish], ['stop', 'stop']);
});

void test('CJK and emoji spread over byte tokens stream whole and cut at stop strings made of them', async () => {
  const grammar = await llama.createGrammarForJsonSchema(SEA_SCHEMA as never);
  const reference = await inProcess(chatPrompt(), { maxTokens: 200, temperature: 0, grammar });
  assert.equal((JSON.parse(reference.text) as { sea: string }).sea, SEA);
  assert.ok(reference.tokens.length > [...reference.text].length, 'the CJK characters and emoji took several tokens each');
  const format = { type: 'json_schema' as const, json_schema: { name: 'sea', schema: SEA_SCHEMA } };
  const moda = await chatBoth({ max_tokens: 200, temperature: 0, response_format: format });
  assert.equal(moda.whole, reference.text);
  assert.equal(moda.streamed, reference.text);
  for (const stop of ['広い', '🌊', '好 🙂']) {
    const expected = reference.text.slice(0, reference.text.indexOf(stop));
    const cut = await chatBoth({ max_tokens: 200, temperature: 0, response_format: format, stop: [stop] });
    assert.equal(cut.whole, expected, stop);
    assert.equal(cut.streamed, expected, stop);
    assert.deepEqual([cut.finish, cut.streamedFinish], ['stop', 'stop']);
  }
});
