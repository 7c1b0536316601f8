// The Tesseract starter model (moda/ocr-tesseract-chi-sim) on rendered Chinese and English lines:
// checked text and boxes, batches in order, cancellation, and broken images, repos and installs
// (including language data that would make tesseract write files) failing with catalog error codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isModaError } from '../src/errors/moda-error.js';
import type { LoadedPipeline, RunContext } from '../src/pipelines/pipeline-implementation.js';
import { findImplementation } from '../src/pipelines/registry.js';
import { joinWords, readTesseractTsv } from '../src/pipelines/tesseract/read-tesseract-tsv.js';
import { runTesseract } from '../src/pipelines/tesseract/run-tesseract.js';
import { loadTesseract, type TesseractResult } from '../src/pipelines/tesseract/tesseract-pipeline.js';
import { openSnapshot, type ModelSnapshot } from '../src/runtime/model-snapshot.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';
import { characterAccuracy, cjkFont, renderTextLines, type TextImage } from './fixtures/render-text-image.js';

const context: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
const scratchDirs: string[] = [];
let snapshot: ModelSnapshot | undefined;
let ocr: LoadedPipeline | undefined;
let page: TextImage | undefined;
let english: TextImage | undefined;

const PAGE_LINES = [
  { text: '今天天气很好，我们去公园散步。', size: 32 },
  { text: 'The quick brown fox jumps over 13 lazy dogs.', size: 28 },
  { text: '人工智能正在改变世界', size: 30 },
  { text: 'Invoice total: 128.50', size: 26 },
];

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-tesseract-test-'));
  scratchDirs.push(dir);
  return dir;
}

function assertCodeRejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(isModaError(error), `expected a ModaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const ENTRIES = 24;
const CONFIG_ENTRY = 0;
const VERSION_ENTRY = 23;

/** A traineddata file of the given components, laid out as combine_tessdata writes them. */
function traineddata(components: ReadonlyMap<number, Buffer>): Buffer {
  const header = Buffer.alloc(4 + 8 * ENTRIES);
  header.writeInt32LE(ENTRIES, 0);
  let offset = header.length;
  const parts: Buffer[] = [header];
  for (let entry = 0; entry < ENTRIES; entry++) {
    const data = components.get(entry);
    header.writeBigInt64LE(data ? BigInt(offset) : -1n, 4 + 8 * entry);
    if (data) {
      parts.push(data);
      offset += data.length;
    }
  }
  return Buffer.concat(parts);
}

/** `file`'s components with its config replaced by `config`. */
function withConfig(file: Buffer, config: string): Buffer {
  const count = file.readInt32LE(0);
  const offsets = Array.from({ length: count }, (_, entry) => Number(file.readBigInt64LE(4 + 8 * entry)));
  const components = new Map<number, Buffer>();
  offsets.forEach((offset, entry) => {
    if (offset < 0) return;
    const next = offsets.slice(entry + 1).find((candidate) => candidate >= 0) ?? file.length;
    components.set(entry, file.subarray(offset, next));
  });
  components.set(CONFIG_ENTRY, Buffer.from(config));
  return traineddata(components);
}

/** A copy of the catalog snapshot with some files replaced, reopened so configuration.json is re-read. */
async function alteredSnapshot(files: Record<string, string | Buffer>): Promise<ModelSnapshot> {
  assert.ok(snapshot);
  const dir = await scratch();
  await cp(snapshot.dir, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  return openSnapshot(dir, 'test/altered-tesseract', '1'.repeat(40));
}

before(async () => {
  snapshot = await catalogSnapshot('ocr-tesseract-chi-sim');
  scratchDirs.push(snapshot.dir);
  const implementation = findImplementation(snapshot.configuration!.pipeline!.type);
  assert.ok(implementation, 'the tesseract pipeline is registered');
  ocr = await implementation.load(snapshot, { task: 'ocr', device: 'cpu', threads: 0 });
  page = await renderTextLines(PAGE_LINES);
  english = await renderTextLines([{ text: 'Moda serves models offline', size: 30 }]);
});

after(async () => {
  await ocr?.dispose();
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

void test('reads rendered Chinese and English lines with their boxes where they were drawn', async (t) => {
  assert.ok(ocr && page);
  const [result] = (await ocr.run([page.png], {}, context)) as TesseractResult[];
  assert.ok(result);
  const expected = PAGE_LINES.map((line) => line.text).join('\n');
  const accuracy = characterAccuracy(expected, result.text);
  t.diagnostic(`character accuracy ${accuracy.toFixed(4)} (${cjkFont().family}); read: ${JSON.stringify(result.text)}`);
  assert.ok(accuracy >= 0.85, `character accuracy ${accuracy} for ${JSON.stringify(result.text)}`);
  assert.equal(result.text, result.lines.map((line) => line.text).join('\n'));
  assert.equal(result.lines.length, PAGE_LINES.length, JSON.stringify(result.lines.map((line) => line.text)));
  result.lines.forEach((line, index) => {
    const drawn = page!.lines[index]!;
    assert.ok(characterAccuracy(drawn.text, line.text) >= 0.8, `line ${index}: ${line.text} for ${drawn.text}`);
    assert.ok(line.score > 0.5 && line.score <= 1, `line ${index} score ${line.score}`);
    // Pango's layout box holds the ink plus line spacing, so each edge of the read box lies within
    // half a font size of it.
    const slack = PAGE_LINES[index]!.size / 2;
    for (const edge of ['xmin', 'ymin', 'xmax', 'ymax'] as const) {
      assert.ok(Math.abs(line.box[edge] - drawn.box[edge]) <= slack, `line ${index} ${edge}: read ${line.box[edge]}, drawn ${drawn.box[edge]}`);
    }
    const { xmin, ymin, xmax, ymax } = line.box;
    assert.deepEqual(line.box.polygon, [
      [xmin, ymin],
      [xmax, ymin],
      [xmax, ymax],
      [xmin, ymax],
    ]);
  });
  // Chinese characters are joined without spaces, English words with one.
  assert.ok(!/\p{Script=Han} \p{Script=Han}/u.test(result.text), result.text);
  assert.match(result.lines[1]!.text, /quick brown fox/);
});

void test('a batch of two returns two results in input order; a score threshold drops lines', async () => {
  assert.ok(ocr && page && english);
  const results = (await ocr.run([english.png, page.png], {}, context)) as TesseractResult[];
  assert.equal(results.length, 2);
  assert.ok(characterAccuracy('Moda serves models offline', results[0]!.text) >= 0.85, results[0]!.text);
  assert.equal(results[0]!.lines.length, 1);
  assert.ok(characterAccuracy(PAGE_LINES.map((line) => line.text).join(''), results[1]!.text) >= 0.85, results[1]!.text);
  const [strict] = (await ocr.run([english.png], { threshold: 1 }, context)) as TesseractResult[];
  assert.ok(strict!.lines.every((line) => line.score >= 1));
  await assertCodeRejects(ocr.run([english.png], { psm: 1 }, context), 'TASK_INPUT_INVALID');
});

void test('a cancelled batch stops its tesseract processes and rejects REQUEST_CANCELLED', async () => {
  assert.ok(ocr && page);
  const controller = new AbortController();
  const running = ocr.run([page.png, page.png, page.png, page.png], {}, { ...context, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('the client went away')), 50);
  const started = performance.now();
  await assertCodeRejects(running, 'REQUEST_CANCELLED');
  // Four pages take seconds to read; the processes were killed instead.
  assert.ok(performance.now() - started < 1500, `took ${performance.now() - started} ms`);
});

void test('preprocessor.scale enlarges the image for tesseract and maps the boxes back', async () => {
  assert.ok(snapshot && english);
  const configuration = { ...snapshot.configuration!, preprocessor: { ...snapshot.configuration!.preprocessor, scale: 2 } };
  const enlarged = await loadTesseract(await alteredSnapshot({ 'configuration.json': JSON.stringify(configuration) }), { threads: 0 });
  const [result] = await enlarged.read([english.png], {}, context);
  assert.equal(result?.lines.length, 1, JSON.stringify(result));
  const [line] = result.lines;
  assert.ok(characterAccuracy('Moda serves models offline', line!.text) >= 0.85, line!.text);
  const drawn = english.lines[0]!.box;
  for (const edge of ['xmin', 'ymin', 'xmax', 'ymax'] as const) assert.ok(Math.abs(line!.box[edge] - drawn[edge]) <= 15, `${edge}: read ${line!.box[edge]}, drawn ${drawn[edge]}`);
});

void test('a truncated PNG or bytes of no image are IMAGE_DECODE_FAILED, a value of no image TASK_INPUT_INVALID', async () => {
  assert.ok(ocr && page);
  await assertCodeRejects(ocr.run([page.png.subarray(0, Math.floor(page.png.length / 2))], {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(ocr.run([Buffer.from('not an image at all')], {}, context), 'IMAGE_DECODE_FAILED');
  await assertCodeRejects(ocr.run([42], {}, context), 'TASK_INPUT_INVALID');
});

void test('garbage, truncated-to-nothing or broken language data and bad settings fail the load with MODEL_LOAD_FAILED', async () => {
  assert.ok(snapshot);
  const chiSim = await readFile(join(snapshot.dir, 'chi_sim.traineddata'));
  const load = async (files: Record<string, string | Buffer>) => loadTesseract(await alteredSnapshot(files), { threads: 0 });
  await assertCodeRejects(load({ 'chi_sim.traineddata': Buffer.alloc(200_000, 0x5a) }), 'MODEL_LOAD_FAILED', /chi_sim\.traineddata is not a Tesseract traineddata file/);
  await assertCodeRejects(load({ 'eng.traineddata': Buffer.alloc(0) }), 'MODEL_LOAD_FAILED', /eng\.traineddata is not a Tesseract traineddata file/);
  // A sound component table over garbage: tesseract itself aborts on an assertion.
  const garbled = Buffer.concat([chiSim.subarray(0, 400), Buffer.alloc(chiSim.length - 400, 0x5a)]);
  await assertCodeRejects(load({ 'chi_sim.traineddata': garbled }), 'MODEL_LOAD_FAILED', /tesseract/);
  // Version only, no recogniser: tesseract prints "Failed loading language" and carries on with eng
  // (exit status 0); Moda must not.
  await assertCodeRejects(load({ 'chi_sim.traineddata': traineddata(new Map([[VERSION_ENTRY, Buffer.from('4.00.00alpha:chi_sim')]])) }), 'MODEL_LOAD_FAILED', /chi_sim\.traineddata: missing, or not Tesseract language data/);
  const configuration = (model: Record<string, unknown>, preprocessor: Record<string, unknown> = {}) =>
    JSON.stringify({ framework: 'tesseract', task: 'ocr', pipeline: { type: 'tesseract' }, model, preprocessor });
  // A language that is not in the repo, a language name that is a path, a mode needing osd.traineddata.
  for (const [model, preprocessor] of [[{ languages: 'chi_sim+jpn' }], [{ languages: '../chi_sim' }], [{ languages: 'eng' }, { psm: 1 }]] as const) {
    await assertCodeRejects(load({ 'configuration.json': configuration(model, preprocessor) }), 'MODEL_LOAD_FAILED');
  }
});

void test('language data that would make tesseract write files or read as an archive is refused', async () => {
  assert.ok(snapshot);
  const eng = await readFile(join(snapshot.dir, 'eng.traineddata'));
  const dir = await scratch();
  const target = join(dir, 'written-by-tesseract.txt');
  const evil = withConfig(eng, `# looks like tuning\npreserve_interword_spaces 1\ndebug_file ${target}\n`);
  await assertCodeRejects(loadTesseract(await alteredSnapshot({ 'eng.traineddata': evil }), { threads: 0 }), 'MODEL_LOAD_FAILED', /eng\.traineddata sets tesseract parameter "debug_file"/);
  await assertCodeRejects(
    loadTesseract(await alteredSnapshot({ 'eng.traineddata': withConfig(eng, 'textord_tabfind_show_vlines 1\n') }), { threads: 0 }),
    'MODEL_LOAD_FAILED',
    /textord_tabfind_show_vlines/,
  );
  // A plain table whose last component ends in a zip directory: libarchive would read it as a zip.
  const zipTail = Buffer.concat([eng, Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
  await assertCodeRejects(loadTesseract(await alteredSnapshot({ 'eng.traineddata': zipTail }), { threads: 0 }), 'MODEL_LOAD_FAILED', /zip/);
  await assertCodeRejects(loadTesseract(await alteredSnapshot({ 'eng.traineddata': Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), eng]) }), { threads: 0 }), 'MODEL_LOAD_FAILED', /archives are not accepted/);
  // The second guard: handed such a file anyway, tesseract as Moda runs it writes nothing, where
  // tesseract run plainly does (the control shows the attack is real).
  assert.ok(english);
  const tessdata = await scratch();
  const image = join(dir, 'page.png');
  await writeFile(join(tessdata, 'eng.traineddata'), evil);
  await writeFile(image, english.png);
  await promisify(execFile)('tesseract', [image, '-', '--tessdata-dir', tessdata, '-l', 'eng', '--oem', '1'], { cwd: dir });
  assert.ok(existsSync(target), 'control: tesseract follows debug_file from the traineddata config');
  await rm(target);
  await runTesseract({ tessdataDir: tessdata, languages: 'eng', psm: 3, oem: 1, dpi: undefined, input: image, cwd: dir, timeoutMs: 30_000, maxOutputBytes: 1 << 20 });
  assert.equal(existsSync(target), false, 'tesseract wrote the file the config named');
});

void test('a missing tesseract binary is ENGINE_UNAVAILABLE with an install hint', async () => {
  assert.ok(snapshot);
  await assert.rejects(loadTesseract(snapshot, { threads: 0 }, 'moda-no-such-tesseract-binary'), (error: unknown) => {
    assert.ok(isModaError(error));
    assert.equal(error.code, 'ENGINE_UNAVAILABLE');
    assert.match(error.message, /apt-get install tesseract-ocr/);
    return true;
  });
});

void test('TSV rows become lines: words grouped and joined by script, stray rows ignored', () => {
  assert.equal(joinWords(['今天', '天', '气', 'OCR', 'is', '98.5%', '，', 'ok']), '今天天气OCR is 98.5%，ok');
  const tsv = [
    'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
    '1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t',
    '4\t1\t1\t1\t1\t0\t10\t10\t100\t20\t-1\t',
    '5\t1\t1\t1\t1\t1\t10\t8\t40\t24\t90\t你好',
    '5\t1\t1\t1\t1\t2\t60\t10\t50\t20\t60\tworld',
    'Warning: not a row',
    '4\t1\t1\t1\t2\t0\t10\t50\t30\t20\t-1\t',
    '5\t1\t1\t1\t2\t1\t10\t50\t30\t20\t10\tx',
    '5\t2\t1\t1\t1\t1\t5\t5\t20\t10\t95\tsecond',
    '5\t3\t1\t1\t1\t1\t5\t5\t20\t10\t95\tno such page',
  ].join('\n');
  const [first, second] = readTesseractTsv(tsv, 2, 0.2);
  assert.deepEqual(first, [
    {
      text: '你好world',
      // Characters weigh the score: (2 × 90 + 5 × 60) / 7.
      score: 0.6857,
      box: { xmin: 10, ymin: 10, xmax: 110, ymax: 30, polygon: [[10, 10], [110, 10], [110, 30], [10, 30]] },
    },
  ]);
  assert.deepEqual(second?.map((line) => [line.text, line.box.xmax]), [['second', 25]]);
});
