// The task catalog: every task is listed and described over HTTP as JSON Schema, every example
// validates against its own schemas, and bad inputs fail with the catalog's codes and a JSON path.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import sharp from 'sharp';
import { isModaError } from '../src/errors/moda-error.js';
import { getTask, TASK_IDS, tasks } from '../src/tasks/catalog.js';
import { EXAMPLE_MASK_PNG, EXAMPLE_PNG, EXAMPLE_WAV } from '../src/tasks/example-media.js';
import { MODALITIES } from '../src/tasks/task-definition.js';
import { toJsonSchema, type JsonSchema } from '../src/tasks/to-json-schema.js';
import { validateTaskInput } from '../src/tasks/validate-task-input.js';
import { validateTaskOutput } from '../src/tasks/validate-task-output.js';
import { startTestServer, type TestServer } from './helpers/moda-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

interface TaskSummary {
  id: string;
  modality: string;
  title: string;
  titleZh: string;
  description: string;
}

interface TaskDetail extends TaskSummary {
  input: JsonSchema;
  parameters: JsonSchema;
  output: JsonSchema;
  example: { input: unknown; parameters?: unknown; output: unknown };
}

/** Asserts that `run` throws a ModaError with this code, and returns it for further checks. */
function expectModaError(run: () => unknown, code: string) {
  try {
    run();
  } catch (error) {
    assert.ok(isModaError(error), `expected a ModaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

void test('GET /api/tasks lists every task with its words', async () => {
  const response = await server.request('/api/tasks', { token: null });
  assert.equal(response.status, 200);
  const { tasks: listed } = (await response.json()) as { tasks: TaskSummary[] };
  assert.deepEqual(
    listed.map((task) => task.id),
    [...TASK_IDS],
  );
  for (const task of listed) {
    assert.ok((MODALITIES as readonly string[]).includes(task.modality), `${task.id}: modality ${task.modality}`);
    assert.ok(task.title.length > 2, task.id);
    assert.match(task.titleZh, /[\u4e00-\u9fff]/, `${task.id}: titleZh must be Chinese`);
    assert.match(task.description, /^[A-Z].*\.$/, `${task.id}: one sentence`);
    assert.deepEqual(Object.keys(task).sort(), ['description', 'id', 'modality', 'title', 'titleZh']);
  }
  const byId = new Map(listed.map((task) => [task.id, task]));
  assert.equal(byId.get('ocr')?.modality, 'vision');
  assert.equal(byId.get('automatic-speech-recognition')?.modality, 'audio');
  assert.equal(byId.get('visual-question-answering')?.modality, 'multimodal');
  assert.equal(byId.get('text-classification')?.titleZh, '文本分类');
});

void test('GET /api/tasks/:task gives JSON Schemas whose example validates over HTTP', async () => {
  // A consumer with its own Ajv, as a browser would have: x-media is just an annotation there.
  const ajv = new Ajv({ strict: true });
  ajv.addKeyword({ keyword: 'x-media', schemaType: 'string' });
  for (const id of TASK_IDS) {
    const response = await server.request(`/api/tasks/${id}`, { token: null });
    assert.equal(response.status, 200, id);
    const detail = (await response.json()) as TaskDetail;
    assert.equal(detail.id, id);
    assert.equal(detail.title, tasks[id].title);
    for (const schema of [detail.input, detail.parameters, detail.output]) assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#', id);
    assert.equal(detail.parameters.type, 'object', id);
    assert.equal(detail.parameters.additionalProperties, false, `${id}: unknown parameters must be rejected`);
    assert.notEqual(detail.input.type, 'array', `${id}: the input schema describes one input, not a batch`);
    assert.ok(ajv.validate(detail.input, detail.example.input), `${id} input: ${ajv.errorsText()}`);
    assert.ok(ajv.validate(detail.parameters, detail.example.parameters ?? {}), `${id} parameters: ${ajv.errorsText()}`);
    assert.ok(ajv.validate(detail.output, detail.example.output), `${id} output: ${ajv.errorsText()}`);
  }

  const vqa = (await (await server.request('/api/tasks/visual-question-answering')).json()) as TaskDetail;
  const properties = vqa.input.properties as Record<string, JsonSchema>;
  assert.deepEqual(
    { type: properties.image?.type, contentEncoding: properties.image?.contentEncoding, media: properties.image?.['x-media'] },
    { type: 'string', contentEncoding: 'base64', media: 'image' },
  );
  assert.deepEqual(vqa.input.required, ['image', 'question']);
  const asr = (await (await server.request('/api/tasks/automatic-speech-recognition')).json()) as TaskDetail;
  assert.deepEqual([asr.input.type, asr.input['x-media']], ['string', 'audio']);
  const zeroShot = (await (await server.request('/api/tasks/zero-shot-classification')).json()) as TaskDetail;
  assert.deepEqual(zeroShot.parameters.required, ['candidate_labels']);
});

void test('an unknown task is a 404 TASK_UNKNOWN naming the valid ids', async () => {
  const response = await server.request('/api/tasks/text-clasification', { token: null });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('x-error-code'), 'TASK_UNKNOWN');
  const body = (await response.json()) as { code: string; error: string };
  assert.equal(body.code, 'TASK_UNKNOWN');
  assert.match(body.error, /"text-clasification"/);
  assert.match(body.error, /text-classification, token-classification/);

  const error = expectModaError(() => getTask('nope'), 'TASK_UNKNOWN');
  assert.equal(error.status, 404);
  assert.deepEqual(error.details?.tasks, TASK_IDS);
  expectModaError(() => validateTaskInput('nope' as 'ocr', ['x'], {}), 'TASK_UNKNOWN');
});

void test('every example validates in process, and the catalog is keyed by id', () => {
  for (const id of TASK_IDS) {
    const task = getTask(id);
    assert.equal(task.id, id);
    const { inputs, parameters } = validateTaskInput(task, [task.example.input, task.example.input], task.example.parameters);
    assert.equal(inputs.length, 2);
    assert.deepEqual(parameters, task.example.parameters ?? {});
    assert.deepEqual(validateTaskOutput(task, [task.example.output]), [task.example.output]);
  }
});

void test('schemas hold no TypeBox symbols once converted, and parameters are optional unless required', () => {
  const symbolsIn = (value: unknown): number =>
    typeof value !== 'object' || value === null ? 0 : Object.getOwnPropertySymbols(value).length + Object.values(value).reduce<number>((sum, child) => sum + symbolsIn(child), 0);
  for (const id of TASK_IDS) {
    const schemas = toJsonSchema(tasks[id]);
    assert.equal(symbolsIn(schemas), 0, id);
    assert.ok(symbolsIn(tasks[id].input) > 0, 'the source schemas are TypeBox ones');
    const required = (schemas.parameters.required as string[] | undefined) ?? [];
    assert.deepEqual(required, id.startsWith('zero-shot') ? ['candidate_labels'] : [], id);
    // No branch of an input schema may be a batch either.
    for (const branch of (schemas.input.anyOf as JsonSchema[] | undefined) ?? [schemas.input]) assert.notEqual(branch.type, 'array', id);
  }
  // Each call is a fresh copy, so a consumer's edits never reach the catalog.
  const first = toJsonSchema(tasks.ocr);
  first.output.title = 'changed';
  assert.equal(toJsonSchema(tasks.ocr).output.title, undefined);
});

void test('example offsets point at the words they name, and ranked outputs are sorted', () => {
  const tokens = tasks['token-classification'].example;
  for (const entity of tokens.output) assert.equal(tokens.input.slice(entity.start, entity.end), entity.word);
  const words = tasks['word-segmentation'].example;
  assert.equal(words.output.tokens.map((token) => token.word).join(''), words.input);
  for (const token of words.output.tokens) assert.equal(words.input.slice(token.start, token.end), token.word);
  const qa = tasks['question-answering'].example;
  assert.equal(qa.input.context.slice(qa.output.start, qa.output.end), qa.output.answer);
  const ocr = tasks.ocr.example.output;
  assert.equal(ocr.text, ocr.lines.map((line) => line.text).join('\n'));

  const ranked: [string, number[]][] = [
    ['text-classification', tasks['text-classification'].example.output.map((item) => item.score)],
    ['language-identification', tasks['language-identification'].example.output.map((item) => item.score)],
    ['image-classification', tasks['image-classification'].example.output.map((item) => item.score)],
    ['object-detection', tasks['object-detection'].example.output.map((item) => item.score)],
    ['zero-shot-classification', tasks['zero-shot-classification'].example.output.map((item) => item.score)],
    ['zero-shot-image-classification', tasks['zero-shot-image-classification'].example.output.map((item) => item.score)],
    ['visual-question-answering', tasks['visual-question-answering'].example.output.map((item) => item.score)],
    ['fill-mask', tasks['fill-mask'].example.output.map((item) => item.score)],
  ];
  for (const [id, scores] of ranked) assert.deepEqual(scores, [...scores].sort((a, b) => b - a), id);
  const zeroShot = tasks['zero-shot-classification'].example;
  assert.deepEqual(zeroShot.output.map((item) => item.label).sort(), [...(zeroShot.parameters?.candidate_labels ?? [])].sort());
});

void test('example media are real files', async () => {
  const image = await sharp(Buffer.from(EXAMPLE_PNG, 'base64')).metadata();
  assert.deepEqual([image.format, image.width, image.height, image.channels], ['png', 2, 2, 3]);
  const mask = await sharp(Buffer.from(EXAMPLE_MASK_PNG, 'base64')).metadata();
  assert.deepEqual([mask.format, mask.width, mask.height, mask.channels], ['png', 2, 2, 1]);
  const { data } = await sharp(Buffer.from(EXAMPLE_MASK_PNG, 'base64')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data], [255, 0, 255, 0], 'the mask covers the left column');

  const wav = Buffer.from(EXAMPLE_WAV, 'base64');
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  assert.equal(wav.toString('ascii', 8, 12), 'WAVE');
  assert.deepEqual([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)], [1, 1, 16000, 16], 'PCM, mono, 16 kHz, 16-bit');
  assert.equal(wav.readUInt32LE(40), wav.length - 44);
});

void test('bad inputs fail with the catalog code and the JSON path', () => {
  const qa = expectModaError(
    () => validateTaskInput('question-answering', [{ question: 'ok?', context: 'fine' }, { question: 42, context: 'fine' }], {}),
    'TASK_INPUT_INVALID',
  );
  assert.equal(qa.status, 400);
  assert.equal(qa.details?.path, '/inputs/1/question');
  assert.match(qa.message, /\/inputs\/1\/question must be string/);

  const missing = expectModaError(() => validateTaskInput('question-answering', [{ context: 'fine' }], undefined), 'TASK_INPUT_INVALID');
  assert.equal(missing.details?.path, '/inputs/0/question');
  assert.match(missing.message, /is required/);

  const extra = expectModaError(() => validateTaskInput('question-answering', [{ question: 'a', context: 'b', answer: 'c' }], {}), 'TASK_INPUT_INVALID');
  assert.equal(extra.details?.path, '/inputs/0/answer');

  const empty = expectModaError(() => validateTaskInput('text-classification', [], {}), 'BATCH_EMPTY');
  assert.equal(empty.status, 400);

  const notBatch = expectModaError(() => validateTaskInput('text-classification', 'hello' as unknown as string[], {}), 'TASK_INPUT_INVALID');
  assert.equal(notBatch.details?.path, '/inputs');

  const numberImage = expectModaError(() => validateTaskInput('image-classification', [EXAMPLE_PNG, 12], {}), 'TASK_INPUT_INVALID');
  assert.equal(numberImage.details?.path, '/inputs/1');
  assert.match(numberImage.message, /must be an image/);
  expectModaError(() => validateTaskInput('image-classification', [''], {}), 'TASK_INPUT_INVALID');
  const nestedImage = expectModaError(() => validateTaskInput('visual-question-answering', [{ image: { url: 'x' }, question: 'what?' }], {}), 'TASK_INPUT_INVALID');
  assert.equal(nestedImage.details?.path, '/inputs/0/image');
  const numberAudio = expectModaError(() => validateTaskInput('automatic-speech-recognition', [3.5], {}), 'TASK_INPUT_INVALID');
  assert.match(numberAudio.message, /must be audio/);
  // Bytes are a valid image in the TypeScript API, and a valid audio clip too.
  assert.equal(validateTaskInput('image-classification', [Buffer.from(EXAMPLE_PNG, 'base64')], {}).inputs.length, 1);
  assert.equal(validateTaskInput('automatic-speech-recognition', [new Uint8Array(Buffer.from(EXAMPLE_WAV, 'base64'))], {}).inputs.length, 1);

  const unknownParameter = expectModaError(() => validateTaskInput('text-classification', ['hi'], { top_k: 2, topK: 2 }), 'TASK_INPUT_INVALID');
  assert.equal(unknownParameter.details?.path, '/parameters/topK');
  assert.match(unknownParameter.message, /allowed: top_k, function_to_apply/);

  const badParameter = expectModaError(() => validateTaskInput('object-detection', [EXAMPLE_PNG], { threshold: 1.5 }), 'TASK_INPUT_INVALID');
  assert.equal(badParameter.details?.path, '/parameters/threshold');
  assert.match(badParameter.message, /must be <= 1/);

  const noLabels = expectModaError(() => validateTaskInput('zero-shot-classification', ['hi'], undefined), 'TASK_INPUT_INVALID');
  assert.equal(noLabels.details?.path, '/parameters/candidate_labels');
  const emptyLabels = expectModaError(() => validateTaskInput('zero-shot-image-classification', [EXAMPLE_PNG], { candidate_labels: [] }), 'TASK_INPUT_INVALID');
  assert.equal(emptyLabels.details?.path, '/parameters/candidate_labels');

  const role = expectModaError(() => validateTaskInput('text-generation', [{ messages: [{ role: 'bot', content: 'hi' }] }], {}), 'TASK_INPUT_INVALID');
  assert.equal(role.details?.path, '/inputs/0/messages/0/role');
  assert.match(role.message, /must be one of "system", "user", "assistant"/);
  const neither = expectModaError(() => validateTaskInput('text-generation', [7], {}), 'TASK_INPUT_INVALID');
  assert.match(neither.message, /\/inputs\/0 must be string or object/);
  // A prompt and a chat are both single inputs.
  assert.equal(validateTaskInput('text-generation', ['Once upon a time', { messages: [{ role: 'user', content: 'hi' }] }], { max_new_tokens: 8 }).inputs.length, 2);
});

void test('an output that breaks its schema is reported with its path', () => {
  const wrong = expectModaError(
    () => validateTaskOutput('object-detection', [[{ label: 'cat', score: 1.5, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }]]),
    'MODEL_INFERENCE_FAILED',
  );
  assert.equal(wrong.details?.path, '/outputs/0/0/score');
  const missingBox = expectModaError(() => validateTaskOutput('ocr', [{ text: 'a', lines: [{ text: 'a', score: 0.9, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }] }]), 'MODEL_INFERENCE_FAILED');
  assert.equal(missingBox.details?.path, '/outputs/0/lines/0/box/polygon', 'OCR lines always carry a polygon');
  const segmentation = validateTaskOutput('image-segmentation', [[{ label: 'wall', score: null, mask: EXAMPLE_MASK_PNG }, { label: 'cat', score: 0.9, mask: EXAMPLE_MASK_PNG }]]);
  assert.equal(segmentation[0]?.length, 2);
  assert.deepEqual(validateTaskOutput('feature-extraction', [{ embedding: [[0.1, 0.2], [0.3, 0.4]] }]), [{ embedding: [[0.1, 0.2], [0.3, 0.4]] }], 'pooling none: one vector per token');
});
