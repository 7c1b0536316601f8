// Errors from model processes never name a server path: broken model files of every engine family
// fail their load or request through HTTP with answers that hold no absolute path of the server
// (its MODA_HOME, snapshot cache, temporary folders) — engines that print the files they read
// (ONNX Runtime, tfjs, fastText, tesseract, Node's own file errors) included.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import onnxProto from 'onnx-proto';
import { tinyTextClassifier, type ModelFile } from './fixtures/tiny-models.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

const { onnx } = onnxProto;
let server: TestServer;

const text = (path: string, content: string | Uint8Array): ModelFile => ({ path, content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content });
const json = (path: string, value: unknown): ModelFile => text(path, JSON.stringify(value));

async function publish(name: string, files: ModelFile[]): Promise<void> {
  const created = await server.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'admin' }) });
  assert.equal(created.status, 200, await created.text());
  await uploadFiles({ repo: `admin/${name}`, accessToken: ADMIN_TOKEN, hubUrl: server.url, files: files.map((file) => ({ path: file.path, content: new Blob([file.content]) })) });
}

/** The tiny classifier whose weights live in an external data file the repo does not hold. */
function missingExternalData(): ModelFile[] {
  return tinyTextClassifier().files.map((file) => {
    if (file.path !== 'onnx/model.onnx') return file;
    const model = onnx.ModelProto.decode(file.content);
    const initializer = model.graph?.initializer?.[0];
    if (!initializer) throw new Error('error-server-paths: the tiny classifier has no initializer');
    initializer.floatData = [];
    initializer.rawData = new Uint8Array();
    initializer.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    initializer.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' })];
    return text(file.path, onnx.ModelProto.encode(model).finish());
  });
}

/** The system's eng.traineddata with every component after the table overwritten. */
function damagedTraineddata(): Uint8Array {
  const dir = ['5', '4.00'].map((version) => `/usr/share/tesseract-ocr/${version}/tessdata`).find((candidate) => existsSync(join(candidate, 'eng.traineddata')));
  if (!dir) throw new Error('error-server-paths: tesseract-ocr-eng is not installed (/usr/share/tesseract-ocr/*/tessdata/eng.traineddata)');
  const data = readFileSync(join(dir, 'eng.traineddata'));
  const table = 4 + 8 * data.readInt32LE(0);
  data.fill(0xa5, table);
  return data;
}

/** Broken repos of several engines: each must fail cleanly, naming no server path. */
const BROKEN: Record<string, { files: ModelFile[]; input: unknown }> = {
  'onnx-external-data': { files: missingExternalData(), input: 'good' },
  'onnx-garbage': { files: tinyTextClassifier().files.map((file) => (file.path === 'onnx/model.onnx' ? text(file.path, 'not an onnx file at all') : file)), input: 'good' },
  'tfjs-missing-shard': {
    files: [
      json('configuration.json', { framework: 'tfjs', task: 'image-classification', pipeline: { type: 'nsfwjs' }, model: { format: 'layers-model', file: 'model.json' }, id2label: { 0: 'a', 1: 'b' } }),
      json('model.json', { format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 'x', layers: [] } }, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] }),
    ],
    input: 'iVBORw0KGgo=',
  },
  'fasttext-garbage': {
    files: [json('configuration.json', { framework: 'fasttext', task: 'language-identification', pipeline: { type: 'fasttext-language-identification' }, model: { file: 'lid.ftz' } }), text('lid.ftz', 'definitely not fastText')],
    input: 'hello',
  },
  'tesseract-garbage': {
    files: [json('configuration.json', { framework: 'tesseract', task: 'ocr', pipeline: { type: 'tesseract' }, model: { languages: 'eng' } }), text('eng.traineddata', Buffer.alloc(4096, 7))],
    input: 'iVBORw0KGgo=',
  },
  // A real component table over damaged components: tesseract itself fails, and prints file paths.
  'tesseract-damaged': {
    files: [json('configuration.json', { framework: 'tesseract', task: 'ocr', pipeline: { type: 'tesseract' }, model: { languages: 'eng' } }), text('eng.traineddata', damagedTraineddata())],
    input: 'iVBORw0KGgo=',
  },
  // Read by the server itself while planning the load.
  'configuration-not-json': { files: [text('configuration.json', '{"framework": "onnx",')], input: 'good' },
  'jieba-missing-dictionary': {
    files: [json('configuration.json', { framework: 'jieba', task: 'word-segmentation', pipeline: { type: 'jieba-word-segmentation' }, model: { type: 'jieba', dictionary: 'dict.txt' } })],
    input: '清华大学',
  },
};

/** Absolute paths a server keeps its data under, as they would appear in a message. */
function serverPaths(body: string): string[] {
  return [server.home, tmpdir(), '/root/', '/home/', '/var/', '/usr/', '/opt/', '/srv/', '/work/', '/proc/'].filter((path) => body.includes(path));
}

before(async () => {
  server = await startTestServer({ modelReplicas: 1 });
  for (const [name, repo] of Object.entries(BROKEN)) await publish(name, repo.files);
});

after(() => server.stop());

for (const [name, repo] of Object.entries(BROKEN)) {
  void test(`${name}: fails with a catalog code and no server path`, async (t) => {
    const response = await server.request(`/api/v1/models/admin/${name}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: repo.input }) });
    const body = await response.text();
    assert.ok(response.status >= 400 && response.status < 600, body);
    const parsed = JSON.parse(body) as { code?: string; error?: string };
    assert.match(String(parsed.code), /^[A-Z_]+$/, body);
    t.diagnostic(`${response.status} ${body}`);
    assert.deepEqual(serverPaths(body), [], body);
  });
}
