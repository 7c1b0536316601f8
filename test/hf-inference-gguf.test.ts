// `@huggingface/inference` (the official client) with `endpointUrl` pointed at a GGUF model on
// Moda (a tiny seeded llama the test writes): textGeneration, chatCompletion and its streaming
// form answer exactly what the OpenAI routes answer for the same greedy request, a quantisation
// tag in the endpoint picks the file, and an unknown quantisation is the client's API error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { InferenceClient, InferenceClientProviderApiError } from '@huggingface/inference';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

/** Greedy, and never the end tokens (</s>, <|im_end|>): answers run to the token limit. */
const GREEDY = { temperature: 0, logit_bias: { '2': -100, '4': -100 } };
/** The client types logit_bias as TGI's array; OpenAI's map (what Moda takes) goes through untyped. */
const GREEDY_CHAT = GREEDY as { temperature: number };
const MESSAGES = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say something about the sea.' },
];

let server: TestServer;

function endpoint(model: string): InferenceClient {
  return new InferenceClient(ADMIN_TOKEN, { endpointUrl: `${server.url}/models/${model}` });
}

async function openAi(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Record<string, unknown>;
}

before(async () => {
  server = await startTestServer({ threads: 1, llmParallel: 2, llmContext: 512 });
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({
    repo: 'admin/tiny',
    accessToken: ADMIN_TOKEN,
    hubUrl: server.url,
    files: [
      { path: 'tiny-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0' })]) },
      { path: 'tiny-F32.gguf', content: new Blob([tinyLlamaGguf({ type: 'F32' })]) },
    ],
  });
});

after(() => server?.stop());

void test('textGeneration on a GGUF model: the completion route\'s answer', async () => {
  const expected = (await openAi('/v1/completions', { model: 'admin/tiny', prompt: 'Once upon a time', max_tokens: 7, ...GREEDY })) as { choices: { text: string }[] };
  const text = expected.choices[0]?.text ?? '';
  assert.ok(text.length > 0);
  const client = endpoint('admin/tiny');
  const generated = await client.textGeneration({ inputs: 'Once upon a time', parameters: { max_new_tokens: 7, ...GREEDY } as never });
  assert.equal(generated.generated_text, text);
});

void test('chatCompletion and chatCompletionStream on a GGUF model: the chat route\'s answer, exact usage, a tag picks the file', async () => {
  for (const model of ['admin/tiny', 'admin/tiny:F32']) {
    const expected = (await openAi('/v1/chat/completions', { model, messages: MESSAGES, max_tokens: 6, ...GREEDY })) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
    const client = endpoint(model);
    const chat = await client.chatCompletion({ messages: MESSAGES, max_tokens: 6, ...GREEDY_CHAT });
    assert.equal(chat.choices[0]?.message.content, expected.choices[0]?.message.content, model);
    assert.equal(chat.choices[0]?.finish_reason, 'length');
    assert.equal(chat.usage.completion_tokens, 6);
    assert.equal(chat.usage.prompt_tokens, expected.usage.prompt_tokens);

    let streamed = '';
    let finish: string | null | undefined;
    for await (const chunk of client.chatCompletionStream({ messages: MESSAGES, max_tokens: 6, ...GREEDY_CHAT })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(streamed, expected.choices[0]?.message.content, model);
    assert.equal(finish, 'length');
  }
});

void test('an unknown quantisation or repo is the client\'s API error with Moda\'s status', async () => {
  for (const model of ['admin/tiny:Q2_K', 'admin/none']) {
    try {
      await endpoint(model).chatCompletion({ messages: MESSAGES, max_tokens: 2 });
      assert.fail(`${model} answered`);
    } catch (error) {
      assert.ok(error instanceof InferenceClientProviderApiError, String(error));
      assert.equal(error.httpResponse.status, 404, error.message);
    }
  }
});
