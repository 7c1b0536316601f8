// Hostile model files, built here the way a user with a write token would upload them, fail only
// their own load or request with a stable code, a bounded time and no server path in the answer;
// the server keeps answering /healthz and serving other models. (Issue 20's validation and limits
// inside the pipelines; process isolation is tested where it is built.)
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import onnxProto from 'onnx-proto';
import { tinyCausalLm } from './fixtures/tiny-causal-lm.js';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;
/** Every error body seen, checked at the end for server paths. */
const errorBodies: string[] = [];

const text = (path: string, content: string): ModelFile => ({ path, content: Buffer.from(content, 'utf8') });
const json = (path: string, value: unknown): ModelFile => text(path, JSON.stringify(value));

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

async function infer(repo: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> & { code?: string; error?: string } }> {
  const response = await server.request(`/api/v1/models/${repo}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const raw = await response.text();
  if (!response.ok) errorBodies.push(raw);
  return { status: response.status, body: JSON.parse(raw) as Record<string, unknown> };
}

async function expectRefused(repo: string, body: unknown, status: number, code: string, message: RegExp): Promise<void> {
  const answer = await infer(repo, body);
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.code, code);
  assert.match(String(answer.body.error), message);
}

async function assertHealthy(): Promise<void> {
  const health = await server.request('/healthz', { token: null });
  assert.equal(health.status, 200);
}

function jiebaRepo(idf: string): ModelFile[] {
  return [
    json('configuration.json', { framework: 'jieba', task: 'word-segmentation', pipeline: { type: 'jieba-word-segmentation' }, model: { type: 'jieba', dictionary: 'dict.txt', idf: 'idf.txt' } }),
    text('dict.txt', '清华 30 nt\n大学 50 n\n清华大学 20 nt\n北京 40 ns\n'),
    text('idf.txt', idf),
  ];
}

const { onnx } = onnxProto;
const HUGE_CLASS_COUNT = 12_000_000;

/**
 * A few hundred bytes of ONNX whose logits are [batch, 12 M]: ConstantOfShape over the batch size
 * and a class count the model states, as the hostile classifier of issue 20 did.
 */
function hugeClassifierOnnx(): Uint8Array {
  const { DataType } = onnx.TensorProto;
  const { AttributeType } = onnx.AttributeProto;
  const io = (name: string, elemType: number, dims: (string | number)[]) => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'huge_classes',
      input: [io('input_ids', DataType.INT64, ['batch', 'sequence']), io('attention_mask', DataType.INT64, ['batch', 'sequence']), io('token_type_ids', DataType.INT64, ['batch', 'sequence'])],
      output: [io('logits', DataType.FLOAT, ['batch', HUGE_CLASS_COUNT])],
      initializer: [
        { name: 'zero', dataType: DataType.INT64, dims: [1], int64Data: [0] },
        { name: 'one', dataType: DataType.INT64, dims: [1], int64Data: [1] },
        { name: 'classes', dataType: DataType.INT64, dims: [1], int64Data: [HUGE_CLASS_COUNT] },
      ],
      node: [
        { opType: 'Shape', input: ['input_ids'], output: ['input_shape'] },
        { opType: 'Slice', input: ['input_shape', 'zero', 'one'], output: ['batch'] },
        { opType: 'Concat', input: ['batch', 'classes'], output: ['logits_shape'], attribute: [{ name: 'axis', type: AttributeType.INT, i: 0 }] },
        { opType: 'ConstantOfShape', input: ['logits_shape'], output: ['logits'], attribute: [{ name: 'value', type: AttributeType.TENSOR, t: { dataType: DataType.FLOAT, dims: [1], floatData: [0.5] } }] },
      ],
    },
  }).finish();
}

function hugeClassifier(): ModelFile[] {
  return tinyTextClassifier().files.map((file) => {
    if (file.path === 'onnx/model.onnx') return { path: file.path, content: hugeClassifierOnnx() };
    if (file.path !== 'config.json') return file;
    const { id2label: _labels, label2id: _ids, ...config } = JSON.parse(Buffer.from(file.content).toString('utf8')) as Record<string, unknown>;
    return json('config.json', config);
  });
}

/** The tiny counting LM with another chat template or tokenizer.json pre-tokenizer. */
function causalLm(change: { chatTemplate?: string; preTokenizer?: unknown }): ModelFile[] {
  return tinyCausalLm().files.map((file) => {
    const edit = (file.path === 'tokenizer_config.json' && change.chatTemplate !== undefined) || (file.path === 'tokenizer.json' && change.preTokenizer !== undefined);
    if (!edit) return file;
    const value = JSON.parse(Buffer.from(file.content).toString('utf8')) as Record<string, unknown>;
    if (file.path === 'tokenizer_config.json') value.chat_template = change.chatTemplate;
    else value.pre_tokenizer = change.preTokenizer;
    return json(file.path, value);
  });
}

before(async () => {
  server = await startTestServer();
  await publish('huge-classes', hugeClassifier());
  await publish('counter', causalLm({}));
  await publish('template-huge-range', causalLm({ chatTemplate: '{% for i in range(200000000) %}x{% endfor %}' }));
  await publish('template-nested-range', causalLm({ chatTemplate: '{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}' }));
  // 2⁴⁰ macro calls at depth 40: no range(), no recursion limit, only time.
  await publish('template-exponential-macro', causalLm({ chatTemplate: '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}<|assistant|>' }));
  await publish('backtracking-regex', causalLm({ preTokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }] } }));
  await publish('jieba-good', jiebaRepo('清华大学 9.5\n北京 6.1\n'));
  await publish('jieba-empty-idf', jiebaRepo(''));
  await publish('jieba-nan-idf', jiebaRepo('清华大学 9.5\nword notanumber\n'));
});

after(() => server.stop());

void test('a jieba IDF table that is empty or holds a non-numeric weight is refused at load; the server keeps serving', async () => {
  await expectRefused('admin/jieba-empty-idf', { input: '北京清华大学' }, 422, 'MODEL_FILE_INVALID', /idf\.txt is not a jieba table: the IDF table holds no entries/);
  await assertHealthy();
  await expectRefused('admin/jieba-nan-idf', { input: '北京清华大学' }, 422, 'MODEL_FILE_INVALID', /line 2: the weight "notanumber" is not a finite number/);
  await assertHealthy();
  const good = await infer('admin/jieba-good', { input: '北京清华大学', parameters: { keywords: 1 } });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.deepEqual((good.body.output as { tokens: { word: string }[] }).tokens.map((token) => token.word), ['北京', '清华大学']);
});

void test('a classifier declaring 12 M classes answers at most 1000 labels per input', async () => {
  const answer = await infer('admin/huge-classes', { inputs: ['great movie', 'awful'] });
  assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 600));
  const outputs = answer.body.outputs as { label: string; score: number }[][];
  assert.equal(outputs.length, 2);
  for (const labels of outputs) {
    assert.equal(labels.length, 1000);
    assert.match(labels[0]?.label ?? '', /^LABEL_\d+$/);
  }
  const asked = await infer('admin/huge-classes', { input: 'great', parameters: { top_k: 3 } });
  assert.equal(asked.status, 200);
  assert.equal((asked.body.output as unknown[]).length, 3);
  await assertHealthy();
});

void test('a chat template that loops past its budget fails that request with CHAT_TEMPLATE_LIMIT; the model beside it answers', async () => {
  const chat = { input: { messages: [{ role: 'user', content: 'one two' }] }, parameters: { max_new_tokens: 2 } };
  const started = performance.now();
  await expectRefused('admin/template-huge-range', chat, 422, 'CHAT_TEMPLATE_LIMIT', /asked range\(\) for more than 100000 items/);
  await expectRefused('admin/template-nested-range', chat, 422, 'CHAT_TEMPLATE_LIMIT', /asked range\(\) for more than 100000 items/);
  await expectRefused('admin/template-exponential-macro', chat, 422, 'CHAT_TEMPLATE_LIMIT', /ran longer than 3000 ms/);
  // Unbounded, the three take minutes or end the process; bounded, a few seconds with the loads.
  assert.ok(performance.now() - started < 60_000);
  await assertHealthy();
  const good = await infer('admin/counter', chat);
  assert.equal(good.status, 200, JSON.stringify(good.body));
});

void test('a tokenizer.json regex that backtracks exponentially is refused at load', async () => {
  await expectRefused('admin/backtracking-regex', { input: 'aaaa' }, 422, 'MODEL_FILE_INVALID', /tokenizer\.json\.pre_tokenizer\.pretokenizers\[0\]\.pattern has the pattern "\(a\+\)\+\$", which can take exponential time/);
  await assertHealthy();
});

void test('no error body names a server path', () => {
  assert.ok(errorBodies.length > 0);
  for (const body of errorBodies) {
    assert.ok(!body.includes(server.home), body);
    assert.ok(!body.includes(tmpdir()), body);
  }
});
