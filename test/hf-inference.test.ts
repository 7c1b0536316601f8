// The Hugging Face Inference API shape through the official `@huggingface/inference` client pointed
// at Moda with `endpointUrl`, on tiny models built by the test, each with an oracle: text, token and
// image classification, feature extraction, sentence similarity, text generation and chat, and
// errors as the client reports them (its message carries Moda's, its status is Moda's).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { InferenceClient, InferenceClientProviderApiError } from '@huggingface/inference';
import { tinyCausalLm, type ChatMessage } from './fixtures/tiny-causal-lm.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { solidColorPng, tinyFeatureExtractor, tinyImageClassifier, tinyTokenClassifier, type TokenEntity } from './fixtures/tiny-task-models.js';
import { ADMIN_TOKEN, createUserWithToken, startTestServer, type TestServer } from './helpers/moda-server.js';

const TOLERANCE = 1e-5;

let server: TestServer;
let client: InferenceClient;
const sentiment = tinyTextClassifier();
const ner = tinyTokenClassifier();
const embedder = tinyFeatureExtractor();
const colours = tinyImageClassifier();
const counter = tinyCausalLm();

async function publish(name: string, files: ModelFile[], isPrivate = false): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin', private: isPrivate }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

function endpoint(path: string, token = ADMIN_TOKEN): InferenceClient {
  return new InferenceClient(token, { endpointUrl: `${server.url}/models/${path}` });
}

function close(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length, `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  actual.forEach((value, index) => assert.ok(Math.abs(value - (expected[index] ?? NaN)) < TOLERANCE, `[${index}] ${value} vs ${expected[index]}`));
}

function closeLabels(actual: readonly { label: string; score: number }[], expected: readonly { label: string; score: number }[]): void {
  assert.deepEqual(actual.map((entry) => entry.label), expected.map((entry) => entry.label));
  close(actual.map((entry) => entry.score), expected.map((entry) => entry.score));
}

/** Runs `call`, expects the client's API error with this status, and returns it. */
async function expectApiError(call: () => Promise<unknown>, status: number, message: RegExp): Promise<InferenceClientProviderApiError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof InferenceClientProviderApiError, `expected InferenceClientProviderApiError, got ${String(error)}`);
    assert.equal(error.httpResponse.status, status, error.message);
    assert.match(error.message, message);
    return error;
  }
  assert.fail('expected the call to fail');
}

/** Hugging Face's "simple" aggregation over the oracle's tokens: an I- token continues the group of its type just before it. */
function groupedOracle(tokens: readonly TokenEntity[]): { entity_group: string; score: number; word: string }[] {
  const groups: { entity_group: string; scores: number[]; word: string; lastIndex: number }[] = [];
  for (const token of tokens) {
    const [bi, tag] = token.entity.split('-') as [string, string];
    const previous = groups.at(-1);
    if (bi === 'I' && previous?.entity_group === tag && previous.lastIndex === token.index - 1) {
      previous.word += token.word.startsWith('##') ? token.word.slice(2) : ` ${token.word}`;
      previous.scores.push(token.score);
      previous.lastIndex = token.index;
    } else {
      groups.push({ entity_group: tag, scores: [token.score], word: token.word, lastIndex: token.index });
    }
  }
  return groups.map(({ entity_group, scores, word }) => ({ entity_group, score: scores.reduce((a, b) => a + b, 0) / scores.length, word }));
}

before(async () => {
  server = await startTestServer({ maxInferenceBytes: 256 * 1024 });
  client = new InferenceClient(ADMIN_TOKEN);
  await publish('sentiment', sentiment.files);
  await publish('ner', ner.files);
  await publish('embedder', embedder.files);
  await publish('colours', colours.files);
  await publish('counter', counter.files);
  await publish('secret-sentiment', sentiment.files, true);
});

after(() => server.stop());

void test('textClassification: every label with the oracle scores; the raw answer is a list per input', async () => {
  const labels = await endpoint('admin/sentiment').textClassification({ inputs: 'great movie' });
  closeLabels(labels, sentiment.expected('great movie'));
  // `.endpoint()` is the same thing, kept by the client for older code.
  const top = await client.endpoint(`${server.url}/models/admin/sentiment`).textClassification({ inputs: 'awful', parameters: { top_k: 1 } });
  closeLabels(top, sentiment.expected('awful').slice(0, 1));

  const raw = await server.request('/models/admin/sentiment', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['awful', 'good good'] }) });
  assert.equal(raw.status, 200);
  const head = ((await (await server.request('/api/models/admin/sentiment/revision/main')).json()) as { sha: string }).sha;
  assert.equal(raw.headers.get('x-model-commit'), head);
  const batch = (await raw.json()) as { label: string; score: number }[][];
  assert.equal(batch.length, 2);
  closeLabels(batch[0] ?? [], sentiment.expected('awful'));
  closeLabels(batch[1] ?? [], sentiment.expected('good good'));
});

void test('tokenClassification: entity groups without B-/I-, words joined, offsets into the input', async () => {
  const text = 'Bob Smith visited New York and Shanghai.';
  const entities = await endpoint('admin/ner').tokenClassification({ inputs: text });
  const expected = groupedOracle(ner.expected(text));
  assert.deepEqual(expected.map((group) => [group.entity_group, group.word]), [['PER', 'bob smith'], ['LOC', 'new york'], ['LOC', 'shanghai']]);
  assert.deepEqual(entities.map((entity) => [entity.entity_group, entity.word, entity.start, entity.end]), [
    ['PER', 'bob smith', 0, 9],
    ['LOC', 'new york', 18, 26],
    ['LOC', 'shanghai', 31, 39],
  ]);
  assert.deepEqual(entities.map((entity) => text.slice(entity.start, entity.end)), ['Bob Smith', 'New York', 'Shanghai']);
  close(entities.map((entity) => entity.score), expected.map((group) => group.score));

  // aggregation_strategy "none" keeps one entity per word with its tag, as the hosted API does.
  const raw = await server.request('/models/admin/ner', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: 'Alice in Paris', parameters: { aggregation_strategy: 'none' } }) });
  const words = (await raw.json()) as { entity: string; word: string; start: number; end: number }[];
  assert.deepEqual(words.map(({ entity, word, start, end }) => [entity, word, start, end]), [['B-PER', 'alice', 0, 5], ['B-LOC', 'paris', 9, 14]]);
});

void test('featureExtraction: pooled, normalised embeddings equal the oracle; batches and token vectors', async () => {
  const embed = endpoint('admin/embedder');
  close((await embed.featureExtraction({ inputs: 'hello world' })) as number[], embedder.expected('hello world', { pooling: 'mean', normalize: true }));
  close((await embed.featureExtraction({ inputs: 'the kitten!', normalize: false })) as number[], embedder.expected('the kitten!', { pooling: 'mean', normalize: false }));
  const batch = (await embed.featureExtraction({ inputs: ['hello world', 'a dog'] })) as number[][];
  assert.equal(batch.length, 2);
  close(batch[0] ?? [], embedder.expected('hello world', { pooling: 'mean', normalize: true }));
  close(batch[1] ?? [], embedder.expected('a dog', { pooling: 'mean', normalize: true }));

  const raw = await server.request('/models/admin/embedder', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: 'cat dog', parameters: { pooling: 'none', normalize: false } }) });
  const tokens = (await raw.json()) as number[][];
  const expected = embedder.expected('cat dog', { pooling: 'none', normalize: false });
  assert.equal(tokens.length, expected.length, '[CLS] cat dog [SEP]');
  tokens.forEach((row, index) => close(row, expected[index] ?? []));
});

void test('sentenceSimilarity: cosine of the pooled embeddings, on the base URL or the task path', async () => {
  const source = embedder.expected('hello world', { pooling: 'mean', normalize: true });
  const sentences = ['hello world', 'the cat', 'a kitten!'];
  const expected = sentences.map((sentence) => {
    const other = embedder.expected(sentence, { pooling: 'mean', normalize: true });
    return source.reduce((sum, value, index) => sum + value * (other[index] ?? 0), 0);
  });
  close(await endpoint('admin/embedder').sentenceSimilarity({ inputs: { source_sentence: 'hello world', sentences } }), expected);
  close(await endpoint('admin/embedder/pipeline/sentence-similarity').sentenceSimilarity({ inputs: { source_sentence: 'hello world', sentences } }), expected);
  close((await endpoint('admin/embedder/pipeline/feature-extraction').featureExtraction({ inputs: 'cat' })) as number[], embedder.expected('cat', { pooling: 'mean', normalize: true }));
});

void test('imageClassification: a Blob sent as the raw body, typed or not; base64 JSON', async () => {
  const classify = endpoint('admin/colours');
  const red = await solidColorPng([230, 20, 20]);
  closeLabels(await classify.imageClassification({ inputs: new Blob([new Uint8Array(red)], { type: 'image/png' }) }), colours.expected([230, 20, 20]));
  // A Blob without a type goes out with no Content-Type at all.
  const green = await solidColorPng([10, 220, 10]);
  closeLabels(await classify.imageClassification({ inputs: new Blob([new Uint8Array(green)]) }), colours.expected([10, 220, 10]));

  const blue = await solidColorPng([0, 0, 255]);
  const raw = await server.request('/models/admin/colours', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: blue.toString('base64'), parameters: { top_k: 1 } }) });
  closeLabels((await raw.json()) as { label: string; score: number }[], colours.expected([0, 0, 255]).slice(0, 1));
});

void test('textGeneration and chatCompletion go to the OpenAI-style routes under the endpoint; the plain route prepends the prompt', async () => {
  const generate = endpoint('admin/counter');
  const completion = await generate.textGeneration({ inputs: 'one two', parameters: { max_new_tokens: 3 } });
  assert.equal(completion.generated_text, counter.complete('one two', { maxNewTokens: 3 }).text);

  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a counter.' },
    { role: 'user', content: 'count from three' },
  ];
  const chat = await generate.chatCompletion({ messages: messages.map((message) => ({ ...message })), max_tokens: 4 });
  assert.equal(chat.choices[0]?.message.content, counter.chat(messages, { maxNewTokens: 4 }).text);

  const post = (body: unknown) => server.request('/models/admin/counter', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const continuation = counter.complete('one two', { maxNewTokens: 2 }).text;
  assert.deepEqual(await (await post({ inputs: 'one two', parameters: { max_new_tokens: 2 } })).json(), [{ generated_text: `one two${continuation}` }]);
  assert.deepEqual(await (await post({ inputs: 'one two', parameters: { max_new_tokens: 2, return_full_text: false } })).json(), [{ generated_text: continuation }]);
});

void test('a private model answers only tokens that can read it; others get the 404 of an unknown model', async () => {
  closeLabels(await endpoint('admin/secret-sentiment').textClassification({ inputs: 'good' }), sentiment.expected('good'));
  const anonymous = new InferenceClient(undefined, { endpointUrl: `${server.url}/models/admin/secret-sentiment` });
  await expectApiError(() => anonymous.textClassification({ inputs: 'good' }), 404, /^Failed to perform inference: Repository admin\/secret-sentiment not found$/);
  const stranger = await createUserWithToken(server, 'stranger', 'read');
  await expectApiError(() => endpoint('admin/secret-sentiment', stranger).textClassification({ inputs: 'good' }), 404, /Repository admin\/secret-sentiment not found/);
});

void test('errors: the client throws with Moda\'s message and status; the body is {error, code}', async () => {
  const unknown = await expectApiError(() => endpoint('admin/nope').textClassification({ inputs: 'x' }), 404, /^Failed to perform inference: Repository admin\/nope not found$/);
  assert.deepEqual(unknown.httpResponse.body, { error: 'Repository admin/nope not found', code: 'HUB_REPO_NOT_FOUND', retryable: false });

  const sentimentEndpoint = endpoint('admin/sentiment');
  await expectApiError(() => sentimentEndpoint.textClassification({ inputs: 'x', parameters: { top_k: 'many' as unknown as number } }), 400, /top_k/);
  await expectApiError(() => sentimentEndpoint.textClassification({ inputs: '' }), 400, /\/inputs\/0/);
  await expectApiError(() => sentimentEndpoint.textClassification({ inputs: 'x', parameters: { juggle: true } as never }), 400, /juggle|additional/);
  const png = new Blob([new Uint8Array(await solidColorPng([1, 2, 3]))], { type: 'image/png' });
  await expectApiError(() => endpoint('admin/sentiment/pipeline/object-detection').objectDetection({ inputs: png }), 422, /text-classification model; it cannot run object-detection/);
  await expectApiError(() => endpoint('admin/sentiment/pipeline/juggling').textClassification({ inputs: 'x' }), 404, /unknown task "juggling"/);
  await expectApiError(() => endpoint('admin/colours').imageClassification({ inputs: new Blob([new Uint8Array([1, 2, 3, 4])], { type: 'image/png' }) }), 400, /not in a format Moda can read/);

  const post = (body: string, type = 'application/json') => server.request('/models/admin/sentiment', { method: 'POST', headers: { 'content-type': type }, body });
  const missing = await post(JSON.stringify({ text: 'x' }));
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { code: string }).code, 'TASK_INPUT_INVALID');
  const malformed = await post('{"inputs": "x"');
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { code: string }).code, 'BAD_REQUEST');
  const tooLarge = await post(JSON.stringify({ inputs: 'x'.repeat(300 * 1024) }));
  assert.equal(tooLarge.status, 413);
  // The model keeps serving.
  closeLabels(await sentimentEndpoint.textClassification({ inputs: 'good' }), sentiment.expected('good'));
});
