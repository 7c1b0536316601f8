// Benchmark: Moda's `ppocr` pipeline against @gutenye/ocr-node (the same PP-OCRv4 ONNX weights,
// with its own pre/post-processing) on 50 rendered images of Chinese, English and mixed lines:
// throughput, character accuracy of each, and the share of Moda's time spent outside the networks.
// Part of `npm run bench`, or alone: `node --import tsx bench/ocr.ts` prints its markdown section.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadPpocr, type OcrResult, type PpocrReader } from '../src/pipelines/ocr/ppocr-pipeline.js';
import { catalogSnapshot } from '../test/helpers/catalog-snapshot.js';
import { cjkFont, editDistance, renderTextLines, withoutSpaces, type TextImage } from '../test/fixtures/render-text-image.js';
import type { BenchContext, BenchResult, Benchmark } from './lib/bench-types.js';
import { median } from './lib/stats.js';
import { seededRandom, type Random } from './lib/seeded-random.js';
import { tableOf } from './lib/render-results.js';

const IMAGES = 50;
const ROUNDS = 2;
const SEED = 20260512;
const BATCH = 4;
const PRE_POST_TARGET_PERCENT = 20;

const CHINESE = [
  '深度学习模型服务平台',
  '今天天气很好',
  '我们去公园散步吧',
  '人工智能正在改变世界',
  '欢迎使用开源模型仓库',
  '请在下方输入您的问题',
  '北京市海淀区中关村大街',
  '上海浦东国际机场',
  '会议将于明天上午九点开始',
  '本产品支持中文和英文识别',
  '数据集已经上传完成',
  '模型推理速度提升了两倍',
  '春眠不觉晓处处闻啼鸟',
  '床前明月光疑是地上霜',
  '合计金额人民币',
  '购物小票',
  '发票号码',
  '营业执照',
  '联系电话',
  '注意安全',
  '禁止吸烟',
  '出口',
  '图书馆开放时间',
  '学习使我快乐',
  '计算机视觉与自然语言处理',
  '语音识别和文字识别',
  '服务器内存不足',
  '请稍后再试',
  '下载进度',
  '中华人民共和国',
];

const ENGLISH = [
  'model', 'server', 'Hello', 'world', 'open', 'source', 'image', 'text', 'speech', 'vision', 'deep', 'learning', 'data', 'set',
  'inference', 'batch', 'latency', 'token', 'upload', 'download', 'Moda', 'hub', 'pipeline', 'version', 'release', 'report',
  'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'Total', 'Price', 'Invoice', 'Date', 'Welcome', 'Exit', 'Street',
];

function englishPhrase(random: Random): string {
  const words = Array.from({ length: 2 + random.int(4) }, () => ENGLISH[random.int(ENGLISH.length)]!);
  if (random.chance(0.4)) words.push(String(random.int(10_000)));
  return words.join(' ');
}

function lineText(random: Random): string {
  switch (random.int(3)) {
    case 0:
      return random.chance(0.3) ? `${CHINESE[random.int(CHINESE.length)]!}${CHINESE[random.int(CHINESE.length)]!}` : CHINESE[random.int(CHINESE.length)]!;
    case 1:
      return englishPhrase(random);
    default:
      return `${CHINESE[random.int(CHINESE.length)]!} ${englishPhrase(random)}`;
  }
}

/** The evaluation set: the same 50 images on every run (seeded), 1–4 lines each, 18–40 px text. */
export async function ocrBenchImages(count = IMAGES): Promise<TextImage[]> {
  const random = seededRandom(SEED);
  const images: TextImage[] = [];
  for (let index = 0; index < count; index++) {
    const lines = Array.from({ length: 1 + random.int(4) }, () => ({ text: lineText(random), size: 18 + random.int(23) }));
    images.push(await renderTextLines(lines, { margin: 16 + random.int(24), gap: 10 + random.int(20) }));
  }
  return images;
}

interface Scored {
  distance: number;
  length: number;
}

function score(images: readonly TextImage[], texts: readonly string[]): Scored {
  let distance = 0;
  let length = 0;
  images.forEach((image, index) => {
    const expected = withoutSpaces(image.lines.map((line) => line.text).join(''));
    distance += Math.min(editDistance(expected, withoutSpaces(texts[index] ?? '')), [...expected].length);
    length += [...expected].length;
  });
  return { distance, length };
}

/** What one side did over a round: time per image, text per image, and (Moda) time inside ONNX Runtime. */
interface Side {
  latencies: number[];
  texts: string[];
  inferenceMs: number;
}

const runContext = { maxImagePixels: 100_000_000, fetch: globalThis.fetch };

interface GutenyeLine {
  text: string;
}
interface GutenyeOcr {
  detect(path: string): Promise<GutenyeLine[]>;
}

/**
 * One pass over the images, each read by Moda and by the reference back to back (who goes first
 * alternates), so both see the same load on a shared machine.
 */
async function round(reader: PpocrReader, ocr: GutenyeOcr, images: readonly TextImage[], paths: readonly string[]): Promise<{ moda: Side; reference: Side }> {
  const moda: Side = { latencies: [], texts: [], inferenceMs: 0 };
  const reference: Side = { latencies: [], texts: [], inferenceMs: 0 };
  const readModa = async (index: number) => {
    const begin = performance.now();
    const [result] = await reader.read([images[index]!.png], {}, runContext, moda);
    moda.latencies.push(performance.now() - begin);
    moda.texts.push((result as OcrResult).text);
  };
  const readReference = async (index: number) => {
    const begin = performance.now();
    const lines = await ocr.detect(paths[index]!);
    reference.latencies.push(performance.now() - begin);
    reference.texts.push(lines.map((line) => line.text).join('\n'));
  };
  for (let index = 0; index < images.length; index++) {
    if (index % 2 === 0) {
      await readModa(index);
      await readReference(index);
    } else {
      await readReference(index);
      await readModa(index);
    }
  }
  return { moda, reference };
}

async function modaBatchedMs(reader: PpocrReader, images: readonly TextImage[]): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < images.length; start += BATCH) {
    await reader.read(images.slice(start, start + BATCH).map((image) => image.png), {}, runContext);
  }
  return performance.now() - started;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function percent(scored: Scored): number {
  return 100 * (1 - scored.distance / scored.length);
}

async function run(context: BenchContext): Promise<BenchResult> {
  context.log(`ocr: rendering ${IMAGES} images`);
  const images = await ocrBenchImages();
  const paths: string[] = [];
  for (const [index, image] of images.entries()) {
    const path = join(context.workDir, `ocr-${index}.png`);
    await writeFile(path, image.png);
    paths.push(path);
  }
  const threads = availableParallelism();
  const snapshot = await catalogSnapshot('ocr-ppocrv4-zh');
  const reader = await loadPpocr(snapshot, { device: 'cpu', threads });
  // The reference reads the same ONNX files from its package; give its sessions the same options as Moda's.
  const { default: GutenyeOcrClass } = (await import('@gutenye/ocr-node')) as unknown as { default: { create(options: object): Promise<GutenyeOcr> } };
  const gutenye = await GutenyeOcrClass.create({ onnxOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } });
  try {
    context.log('ocr: warm-up');
    await round(reader, gutenye, images.slice(0, 3), paths.slice(0, 3));
    const rounds: { moda: Side; reference: Side }[] = [];
    for (let index = 0; index < ROUNDS; index++) {
      context.log(`ocr: round ${index + 1} of ${ROUNDS}`);
      rounds.push(await round(reader, gutenye, images, paths));
    }
    const batchedMs = await modaBatchedMs(reader, images);
    const modaMs = sum(rounds.map((each) => sum(each.moda.latencies)));
    const referenceMs = sum(rounds.map((each) => sum(each.reference.latencies)));
    const modaScore = score(images, rounds[0]!.moda.texts);
    const referenceScore = score(images, rounds[0]!.reference.texts);
    const prePostPercent = (100 * (modaMs - sum(rounds.map((each) => each.moda.inferenceMs)))) / modaMs;
    const lines = images.reduce((total, image) => total + image.lines.length, 0);
    return {
      id: 'ocr',
      title: 'OCR (PP-OCRv4 zh/en) vs @gutenye/ocr-node',
      method: [
        `${IMAGES} PNGs rendered with sharp/Pango and ${cjkFont().family} (seed ${SEED}): ${lines} lines of Chinese, English and mixed text, 18–40 px, 1–4 lines per image, black on white.`,
        `Moda: the ppocr pipeline on moda/ocr-ppocrv4-zh as the starter catalog ships it (det limit 960, no direction classifier), image bytes in; @gutenye/ocr-node ${await packageVersion(context.repoRoot)}: Ocr.detect(path) on the same weights. Both ONNX Runtime sessions use ${threads} intra-op threads.`,
        `One image per call, ${ROUNDS} rounds over all ${IMAGES} images after a 3-image warm-up; each image goes to Moda and to the reference back to back (who goes first alternates), so both meet the same machine load. Throughput is images over the summed per-image times.`,
        'Character accuracy: 1 − Levenshtein distance / expected length over all images, each image’s lines concatenated in reading order, whitespace removed (the reference joins lines of a row with spaces).',
        'Pre/post-processing share: Moda’s wall time outside session.run (decode, resize, normalise, box finding, line sampling, CTC decoding) over its total, both rounds.',
      ],
      rows: [
        { metric: 'throughput, one image per call', unit: 'img/s', value: (1000 * IMAGES * ROUNDS) / modaMs, baseline: (1000 * IMAGES * ROUNDS) / referenceMs, target: { kind: 'ratio-at-least', min: 1 } },
        { metric: 'character accuracy', unit: '%', value: percent(modaScore), baseline: percent(referenceScore), target: { kind: 'info' } },
        { metric: 'pre/post-processing share of Moda time', unit: '%', value: prePostPercent, target: { kind: 'below', max: PRE_POST_TARGET_PERCENT } },
        { metric: 'latency per image, p50', unit: 'ms', value: median(rounds.flatMap((each) => each.moda.latencies)), baseline: median(rounds.flatMap((each) => each.reference.latencies)), target: { kind: 'info' } },
        { metric: `throughput, ${BATCH} images per call`, unit: 'img/s', value: (1000 * IMAGES) / batchedMs, target: { kind: 'info' } },
      ],
      notes: [
        `Rounds (ms for ${IMAGES} images): Moda ${rounds.map((each) => sum(each.moda.latencies).toFixed(0)).join(', ')}; reference ${rounds.map((each) => sum(each.reference.latencies).toFixed(0)).join(', ')}.`,
        `Edit distance: Moda ${modaScore.distance}, reference ${referenceScore.distance}, over ${modaScore.length} characters.`,
      ],
    };
  } finally {
    await reader.dispose();
    await rm(snapshot.dir, { recursive: true, force: true });
  }
}

async function packageVersion(repoRoot: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(repoRoot, 'node_modules/@gutenye/ocr-node/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

export const ocrVsGutenye: Benchmark = { id: 'ocr', run };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const workDir = await mkdtemp(join(tmpdir(), 'moda-bench-ocr-'));
  try {
    const result = await run({
      workDir,
      repoRoot: fileURLToPath(new URL('..', import.meta.url)),
      modaNodeFlags: [],
      bigFile: () => Promise.reject(new Error('the OCR benchmark needs no big file')),
      log: (message) => process.stderr.write(`[bench] ${message}\n`),
    });
    process.stdout.write([`## ${result.title}`, '', ...result.method.map((line) => `- ${line}`), '', tableOf(result), '', ...result.notes.map((note) => `- ${note}`), ''].join('\n'));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
