// The LLM parts of the web UI in real headless Chromium against a real server with a tiny seeded
// GGUF llama: the chat playground on the model's Try-it tab (streamed answers equal to what the
// OpenAI route gives, the conversation kept, regenerate, stop that frees the sequence, clear, time
// to first token and tokens/s, JSON mode, and untrusted output rendered as text — an
// `<img onerror>` and a `javascript:` link in the answer execute nothing), and the deployments
// page's LLM panel (quantisation, sequences in use / total, tokens/s, KV cache). Screenshots go to
// test-artifacts/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_WEB_DIST } from '../src/server/web-ui.js';
import { kvBytesPerSequence, tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { launchChromium, newPage, screenshot, waitForCondition } from './helpers/browser.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const CONTEXT = 2048;
const SYSTEM = 'You are terse.';

let server: TestServer;
let browser: Browser;
const pageErrors: string[] = [];

async function chatAnswer(messages: { role: string; content: string }[], extra: Record<string, unknown>): Promise<{ text: string; completion: number }> {
  const response = await server.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/tiny', messages, ...extra }) });
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  return { text: body.choices[0]?.message.content ?? '', completion: body.usage.completion_tokens };
}

async function sequencesInUse(): Promise<number> {
  const { models } = (await (await server.request('/api/ps')).json()) as { models: { name: string; sequences_in_use: number }[] };
  return models.reduce((sum, model) => sum + model.sequences_in_use, 0);
}

async function chatPage(): Promise<Page> {
  const page = await newPage(browser, { token: ADMIN_TOKEN });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.addInitScript({ content: "localStorage.setItem('moda.language', 'en')" });
  await page.goto(`${server.url}/admin/tiny#try`);
  await page.getByTestId('chat-playground').waitFor();
  return page;
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#chat-input').fill(text);
  await page.getByTestId('chat-send').click();
  await page.getByTestId('chat-streaming').waitFor({ state: 'detached', timeout: 60_000 });
}

async function messages(page: Page): Promise<{ role: string | null; text: string }[]> {
  const items = page.getByTestId('chat-message');
  const out = [];
  for (let index = 0; index < (await items.count()); index++) {
    const item = items.nth(index);
    out.push({ role: await item.getAttribute('data-role'), text: (await item.locator('.chat-markdown, .chat-user-text').innerText()).trim() });
  }
  return out;
}

/** The answer text as the page shows it: Markdown rendering turns line breaks into <br>, innerText reads them back. */
const shown = (text: string) => text.replace(/\r\n?/g, '\n').trim();

before(async () => {
  const webDist = process.env.MODA_WEB_DIST ?? DEFAULT_WEB_DIST;
  assert.ok(existsSync(join(webDist, 'index.html')), `no built UI in ${webDist}: npm run build:web`);
  [server, browser] = await Promise.all([startTestServer({ threads: 1, llmParallel: 2, llmContext: CONTEXT, llmQueue: 4 }), launchChromium()]);
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/tiny', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'tiny-Q8_0.gguf', content: new Blob([tinyLlamaGguf({ type: 'Q8_0' })]) }] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

void test('chat playground: streamed answers as the OpenAI route gives them, history kept, regenerate, figures, clear', async () => {
  const page = await chatPage();
  await page.locator('#chat-system').fill(SYSTEM);
  await page.locator('#chat-temperature').fill('0');
  await page.locator('#chat-max-tokens').fill('12');
  const greedy = { temperature: 0, max_tokens: 12 };

  await send(page, 'hello there');
  const first = await chatAnswer([{ role: 'system', content: SYSTEM }, { role: 'user', content: 'hello there' }], greedy);
  assert.deepEqual(await messages(page), [
    { role: 'user', text: 'hello there' },
    { role: 'assistant', text: shown(first.text) },
  ]);
  assert.match((await page.getByTestId('chat-ttft').textContent()) ?? '', /^first token \d+ ms$/);
  assert.match((await page.getByTestId('chat-usage').textContent()) ?? '', new RegExp(`^prompt \\d+ · answer ${first.completion} tokens$`));
  if (first.completion > 1) assert.match((await page.getByTestId('chat-tps').textContent()) ?? '', /^\d+\.\d tokens\/s$/);

  // The second turn carries the first: its answer is the route's answer to the whole conversation.
  await send(page, 'and the sky?');
  const second = await chatAnswer([{ role: 'system', content: SYSTEM }, { role: 'user', content: 'hello there' }, { role: 'assistant', content: first.text }, { role: 'user', content: 'and the sky?' }], greedy);
  const conversation = await messages(page);
  assert.equal(conversation.length, 4);
  assert.equal(conversation[3]?.text, shown(second.text));

  // Regenerate asks again for the last answer (greedy: the same text), without adding a turn.
  await page.getByTestId('chat-regenerate').click();
  await page.getByTestId('chat-streaming').waitFor({ state: 'detached', timeout: 60_000 });
  assert.deepEqual(await messages(page), conversation);
  await screenshot(page, 'web-llm-chat');

  await page.getByTestId('chat-clear').click();
  assert.equal(await page.getByTestId('chat-message').count(), 0);
  await page.close();
});

void test('chat playground: stop ends a long answer, keeps what arrived and frees the sequence', async () => {
  const page = await chatPage();
  await page.locator('#chat-max-tokens').fill('1500');
  // A schema that makes the grammar write a long array, whatever the random weights prefer.
  await page.locator('#chat-json').selectOption('schema');
  await page.locator('#chat-schema').fill(JSON.stringify({ type: 'array', items: { const: 'sea' }, minItems: 400 }));
  await page.locator('#chat-input').fill('list the seas');
  await page.getByTestId('chat-send').click();
  await waitForCondition(page, `(document.querySelector('[data-testid="chat-streaming"]')?.innerText.match(/"sea"/g) ?? []).length >= 3`);
  assert.equal(await sequencesInUse(), 1);
  await page.getByTestId('chat-stop-answer').click();
  const stopped = page.locator('[data-testid="chat-message"][data-role="assistant"][data-stopped="true"]');
  await stopped.waitFor();
  const kept = await stopped.locator('.chat-markdown').innerText();
  assert.match(kept, /^\[\s*"sea"/);
  assert.ok(!/\]\s*$/.test(kept), 'the array was cut short');
  assert.match(await stopped.innerText(), /\(stopped\)$/);
  for (let attempt = 0; attempt < 200 && (await sequencesInUse()) > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await sequencesInUse(), 0, 'the server stopped generating');
  await page.close();
});

void test('untrusted output: an <img onerror> and javascript: links in the answer are text, a https link is a safe link', async () => {
  const page = await chatPage();
  const hostile = { html: '<img src=x onerror=window.__pwned=1>', link: '[click me](javascript:window.__pwned=2)', safe: '[docs](https://127.0.0.1/docs)', code: '`let a = 1`' };
  const schema = { type: 'object', properties: Object.fromEntries(Object.entries(hostile).map(([key, value]) => [key, { const: value }])), required: Object.keys(hostile), additionalProperties: false };
  await page.locator('#chat-json').selectOption('schema');
  await page.locator('#chat-schema').fill(JSON.stringify(schema));
  await page.locator('#chat-max-tokens').fill('400');
  await send(page, 'render this');
  const answer = page.locator('[data-testid="chat-message"][data-role="assistant"] .chat-markdown');
  const text = await answer.innerText();
  assert.ok(text.includes(hostile.html), text);
  assert.ok(text.includes(hostile.link), text);
  assert.equal(await page.locator('.chat-log img').count(), 0, 'no image element from model output');
  assert.equal(await page.locator('.chat-log a[href^="javascript:" i]').count(), 0);
  const safe = page.locator('.chat-log a');
  assert.equal(await safe.count(), 1);
  assert.equal(await safe.getAttribute('href'), 'https://127.0.0.1/docs');
  assert.equal(await safe.getAttribute('rel'), 'noopener noreferrer nofollow');
  assert.equal(await page.locator('.chat-log .chat-markdown code').first().textContent(), 'let a = 1');
  // Clicking where the link text is runs nothing either.
  await answer.getByText('click me', { exact: false }).click();
  assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
  await screenshot(page, 'web-llm-chat-untrusted');
  await page.close();
});

void test('deployments page: a GGUF deployment shows its quantisation, sequences in use / total, tokens/s and KV cache', async () => {
  // A model slow enough (512 wide, 8 layers, F32, one thread) that a generation outlasts the page's 2 s metrics poll.
  const slow = { layers: 8, width: 512, heads: 8, kvHeads: 8 };
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/slow', accessToken: ADMIN_TOKEN, hubUrl: server.url, files: [{ path: 'slow-F32.gguf', content: new Blob([tinyLlamaGguf({ ...slow, type: 'F32' })]) }] });
  const deployed = await server.request('/api/v1/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/slow', name: 'slow-chat' }) });
  assert.equal(deployed.status, 201, await deployed.clone().text());
  const view = (await deployed.json()) as { state: string; llm?: { quant: string; file: string; sequences: number; sequences_in_use: number; queued: number; context_length: number; kv_cache_bytes: number } };
  assert.equal(view.state, 'ready');
  const kvBytes = kvBytesPerSequence(slow, CONTEXT) * 2;
  assert.deepEqual(view.llm, { quant: 'F32', file: 'slow-F32.gguf', sequences: 2, sequences_in_use: 0, queued: 0, context_length: CONTEXT, kv_cache_bytes: kvBytes });

  const page = await newPage(browser, { token: ADMIN_TOKEN });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.addInitScript({ content: "localStorage.setItem('moda.language', 'en')" });
  await page.goto(`${server.url}/deployments`);
  const panel = page.locator('[data-name="slow-chat"]').getByTestId('llm-panel');
  await panel.waitFor();
  assert.equal(await panel.getByTestId('llm-quant').textContent(), 'F32');
  assert.equal(await panel.getByTestId('llm-sequences').textContent(), '0 / 2');
  assert.equal(await panel.getByTestId('llm-kv-cache').getAttribute('data-bytes'), String(kvBytes));
  assert.match((await panel.getByTestId('llm-kv-cache').textContent()) ?? '', /\(2 × 2048 tokens\)$/);
  const sequences = `document.querySelector('[data-name="slow-chat"] [data-testid="llm-sequences"]')?.textContent`;
  const chat = (maxTokens: number, signal?: AbortSignal) =>
    server.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, ...(signal && { signal }), body: JSON.stringify({ model: 'admin/slow', messages: [{ role: 'user', content: 'go on' }], max_tokens: maxTokens, stream: true, logit_bias: { '2': -100, '4': -100 } }) });

  // A long generation holds one sequence until its client goes away.
  // On a fast machine one generation can end between two of the page's 2 s polls, so one after
  // another runs (never two at once) until the page has shown the sequence in use.
  const abort = new AbortController();
  let holding = true;
  const keepBusy = (async () => {
    while (holding) {
      const long = await chat(1900, abort.signal).catch(() => undefined);
      if (!long) return;
      assert.equal(long.status, 200);
      await long.text().catch(() => undefined);
    }
  })();
  await waitForCondition(page, `${sequences} === '1 / 2'`, 60_000);
  holding = false;
  abort.abort();
  await keepBusy;
  await waitForCondition(page, `${sequences} === '0 / 2'`, 60_000);
  // Tokens count when a generation finishes: a short one shows as tokens/s.
  await (await chat(40)).text();
  await waitForCondition(page, `/^[0-9.]+ tokens\\/s$/.test(document.querySelector('[data-name="slow-chat"] [data-testid="llm-tokens-per-second"]')?.textContent ?? '') && parseFloat(document.querySelector('[data-name="slow-chat"] [data-testid="llm-tokens-per-second"]').textContent) > 0`, 60_000);
  await screenshot(page, 'web-llm-deployment');
  await page.close();
});
