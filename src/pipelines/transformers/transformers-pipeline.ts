// Hugging Face-layout repos (config.json + onnx/*.onnx + tokenizer or processor files) run through
// transformers.js, which owns tokenizers, image processors and generation; this file adapts its
// per-task outputs to Moda's task schemas. The snapshot is loaded as a local folder only.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as transformersPipeline, RawImage, Tensor } from '@huggingface/transformers';
import { ModaError } from '../../errors/moda-error.js';
import type { ModelSnapshot } from '../../runtime/model-snapshot.js';
import { withoutServerPaths } from '../../runtime/without-server-paths.js';
import type { TaskId } from '../../tasks/catalog.js';
import type { ImageSource } from '../../tasks/values.js';
import { decodeImage } from '../media/decode-image.js';
import { pipelineLimits, type PipelineLimits } from '../limits/pipeline-limits.js';
import type { ChatTurn, GenerateResult, LoadedPipeline, LoadOptions, PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { checkTokenizerFiles } from './check-tokenizer-files.js';
import { encodePngMask } from './encode-png-mask.js';
import { generateText, type CausalLmParts } from './generate-text.js';
import { TRANSFORMERS_TASK, TRANSFORMERS_TASKS } from './transformers-tasks.js';

type Callable = (input: unknown, optionsOrLabels?: unknown, options?: Record<string, unknown>) => Promise<unknown>;
interface TransformersPipeline {
  dispose(): Promise<void>;
}


interface LabelScore {
  label: string;
  score: number;
}

const byScore = (a: { score: number }, b: { score: number }) => b.score - a.score;

function option(parameters: Readonly<Record<string, unknown>>, ...names: string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (parameters[name] !== undefined) picked[name] = parameters[name];
  return picked;
}

/** transformers.js returns a bare result for one input and an array for many; make it one per input. */
function perInput(result: unknown, count: number, single: (value: unknown) => boolean): unknown[] {
  if (count === 1 && single(result)) return [result];
  if (!Array.isArray(result) || result.length !== count) throw new ModaError('MODEL_INFERENCE_FAILED', 'transformers.js returned an unexpected number of results');
  return result;
}

const isLabelList = (value: unknown) => Array.isArray(value) && (value.length === 0 || (typeof value[0] === 'object' && value[0] !== null && !Array.isArray(value[0])));
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

async function onnxBytes(dir: string): Promise<number> {
  const entries = await readdir(join(dir, 'onnx')).catch(() => [] as string[]);
  const sizes = await Promise.all(entries.filter((name) => name.endsWith('.onnx') || name.endsWith('.onnx_data')).map((name) => stat(join(dir, 'onnx', name)).then((info) => info.size)));
  return sizes.reduce((total, size) => total + size, 0);
}

/** fp32 when `onnx/model.onnx` exists, else the quantised export most repos ship. */
async function pickDtype(dir: string): Promise<'fp32' | 'q8' | 'fp16'> {
  const entries = new Set(await readdir(join(dir, 'onnx')).catch(() => [] as string[]));
  if ([...entries].some((name) => name.endsWith('.onnx') && !/_(quantized|q8|int8|uint8|fp16|q4|q4f16|bnb4)\.onnx$/.test(name))) return 'fp32';
  if ([...entries].some((name) => name.endsWith('_quantized.onnx'))) return 'q8';
  if ([...entries].some((name) => name.endsWith('_fp16.onnx'))) return 'fp16';
  throw new ModaError('MODEL_NOT_RUNNABLE', 'the repo has a config.json but no ONNX weights under onnx/');
}

async function toRawImages(inputs: readonly unknown[], context: RunContext): Promise<RawImage[]> {
  return Promise.all(
    inputs.map(async (input) => {
      const image = await decodeImage(input as ImageSource, { maxPixels: context.maxImagePixels, fetch: context.fetch, ...(context.signal && { signal: context.signal }) });
      return new RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height, 3);
    }),
  );
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function rows(tensor: unknown): number[][] {
  if (!(tensor instanceof Tensor)) throw new ModaError('MODEL_INFERENCE_FAILED', 'feature-extraction did not return a tensor');
  return tensor.tolist() as number[][];
}

interface RawEntity {
  entity?: string;
  entity_group?: string;
  score: number;
  word: string;
  index?: number;
  start?: number | null;
  end?: number | null;
}

/**
 * transformers.js v4 reports one entity per word piece (`shang`, `##hai`) without offsets; pieces
 * that continue the previous token are joined into one word, with the mean score.
 */
function joinWordPieces(entities: RawEntity[]): { entity: string; score: number; word: string; start?: number | null; end?: number | null }[] {
  const words: { entity: string; score: number; word: string; pieces: number; index?: number; start?: number | null; end?: number | null }[] = [];
  for (const piece of entities) {
    const previous = words.at(-1);
    const continues = piece.word.startsWith('##') && previous !== undefined && (piece.index === undefined || previous.index === undefined || piece.index === previous.index + 1);
    if (continues) {
      previous.word += piece.word.slice(2);
      previous.score = (previous.score * previous.pieces + piece.score) / (previous.pieces + 1);
      previous.pieces += 1;
      if (piece.index !== undefined) previous.index = piece.index;
      if (typeof piece.end === 'number') previous.end = piece.end;
    } else {
      words.push({ entity: piece.entity ?? piece.entity_group ?? 'O', score: piece.score, word: piece.word, pieces: 1, ...(piece.index !== undefined && { index: piece.index }), start: piece.start ?? null, end: piece.end ?? null });
    }
  }
  return words.map(({ entity, score, word, start, end }) => ({ entity, score, word, start, end }));
}

/** Character offsets for entities that transformers.js returned without them, found left to right. */
function withOffsets(text: string, entities: { word: string; start?: number | null; end?: number | null }[]): { start: number; end: number }[] {
  const lower = text.toLowerCase();
  let cursor = 0;
  return entities.map((entity) => {
    if (typeof entity.start === 'number' && typeof entity.end === 'number') return { start: entity.start, end: entity.end };
    const word = entity.word.replace(/^##/, '').toLowerCase();
    const at = lower.indexOf(word, cursor);
    if (at < 0) return { start: cursor, end: cursor };
    cursor = at + word.length;
    return { start: at, end: cursor };
  });
}

/** A request's top_k, or the server's default, never past the server's cap (models may declare millions of classes). */
function cappedTopK(parameters: Readonly<Record<string, unknown>>, fallback: number | undefined, limits: PipelineLimits): number {
  const asked = typeof parameters.top_k === 'number' ? parameters.top_k : (fallback ?? limits.maxLabels);
  return Math.min(asked, limits.maxLabels);
}

async function runTask(task: TaskId, pipe: Callable, inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext, limits: PipelineLimits): Promise<unknown[]> {
  const count = inputs.length;
  switch (task) {
    case 'text-classification': {
      const result = await pipe(inputs, { top_k: cappedTopK(parameters, undefined, limits) });
      return perInput(result, count, isLabelList).map((labels) => (labels as LabelScore[]).map(({ label, score }) => ({ label, score })).sort(byScore));
    }
    case 'token-classification': {
      const result = await pipe(inputs, option(parameters, 'ignore_labels'));
      return perInput(result, count, isLabelList).map((entities, index) => {
        const words = joinWordPieces(entities as RawEntity[]);
        const offsets = withOffsets(inputs[index] as string, words);
        return words.map((entity, at) => ({ entity: entity.entity, score: entity.score, word: entity.word, start: offsets[at]?.start ?? 0, end: offsets[at]?.end ?? 0 }));
      });
    }
    case 'fill-mask': {
      const result = await pipe(inputs, { top_k: cappedTopK(parameters, 5, limits) });
      return perInput(result, count, isLabelList).map((list) => (list as { token_str: string; score: number; sequence: string; token: number }[]).map(({ token_str, score, sequence, token }) => ({ token_str, score, sequence, token })));
    }
    case 'question-answering': {
      const outputs: unknown[] = [];
      for (const input of inputs as { question: string; context: string }[]) {
        const answer = (await pipe(input.question, { top_k: cappedTopK(parameters, 1, limits), context: input.context })) as { answer: string; score: number } | { answer: string; score: number }[];
        const best = Array.isArray(answer) ? answer[0] : answer;
        const text = best?.answer ?? '';
        const start = Math.max(0, input.context.indexOf(text));
        outputs.push({ answer: text, score: best?.score ?? 0, start, end: start + text.length });
      }
      return outputs;
    }
    case 'feature-extraction': {
      const pooling = (parameters.pooling as string | undefined) ?? 'mean';
      const normalize = (parameters.normalize as boolean | undefined) ?? true;
      const tensor = await pipe(inputs, { pooling, normalize });
      const list = rows(tensor);
      return list.map((embedding) => ({ embedding }));
    }
    case 'sentence-similarity': {
      const outputs: unknown[] = [];
      for (const input of inputs as { source_sentence: string; sentences: string[] }[]) {
        const [source, ...others] = rows(await pipe([input.source_sentence, ...input.sentences], { pooling: 'mean', normalize: true }));
        outputs.push({ scores: others.map((row) => cosine(source ?? [], row)) });
      }
      return outputs;
    }
    case 'zero-shot-classification': {
      const result = await pipe(inputs, option(parameters, 'candidate_labels', 'multi_label', 'hypothesis_template'));
      return perInput(result, count, isObject).map((value) => {
        const { labels, scores } = value as { labels: string[]; scores: number[] };
        return labels.map((label, index) => ({ label, score: scores[index] ?? 0 })).sort(byScore);
      });
    }
    case 'text-generation': {
      // One prompt at a time through the same path as streaming, so stop strings and seeds work here too.
      const outputs: unknown[] = [];
      for (const input of inputs) {
        const prompt = typeof input === 'string' ? input : (input as { messages: ChatTurn[] }).messages;
        const result = await generateText(pipe as unknown as CausalLmParts, { prompt, parameters, ...(context.signal && { signal: context.signal }) }, limits);
        outputs.push({ generated_text: result.text });
      }
      return outputs;
    }
    case 'text2text-generation':
    case 'summarization':
    case 'translation': {
      const key = task === 'summarization' ? 'summary_text' : task === 'translation' ? 'translation_text' : 'generated_text';
      const result = await pipe(inputs, option(parameters, 'max_new_tokens', 'src_lang', 'tgt_lang', 'num_beams'));
      return perInput(result, count, isLabelList).map((value) => {
        const first = (Array.isArray(value) ? value[0] : value) as Record<string, string> | undefined;
        return { [key]: first?.[key] ?? first?.generated_text ?? '' };
      });
    }
    case 'image-classification': {
      const result = await pipe(await toRawImages(inputs, context), { top_k: cappedTopK(parameters, 5, limits) });
      return perInput(result, count, isLabelList).map((labels) => (labels as LabelScore[]).map(({ label, score }) => ({ label, score })).sort(byScore));
    }
    case 'object-detection': {
      const images = await toRawImages(inputs, context);
      const outputs: unknown[] = [];
      for (const image of images) {
        const found = (await pipe(image, { threshold: (parameters.threshold as number | undefined) ?? 0.5 })) as { label: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }[];
        outputs.push(found.map(({ label, score, box }) => ({ label, score, box: { xmin: box.xmin, ymin: box.ymin, xmax: box.xmax, ymax: box.ymax } })).sort(byScore).slice(0, limits.maxLabels));
      }
      return outputs;
    }
    case 'image-segmentation': {
      const images = await toRawImages(inputs, context);
      const outputs: unknown[] = [];
      for (const image of images) {
        const segments = (await pipe(image, option(parameters, 'threshold'))) as { label: string | null; score: number | null; mask: RawImage }[];
        outputs.push(await Promise.all(segments.slice(0, limits.maxLabels).map(async (segment) => ({ label: segment.label ?? 'segment', score: segment.score, mask: await encodePngMask(segment.mask.data, segment.mask.width, segment.mask.height, segment.mask.channels) }))));
      }
      return outputs;
    }
    case 'image-to-text': {
      const images = await toRawImages(inputs, context);
      const outputs: unknown[] = [];
      for (const image of images) {
        const result = (await pipe(image, option(parameters, 'max_new_tokens'))) as { generated_text: string }[];
        outputs.push({ generated_text: result[0]?.generated_text ?? '' });
      }
      return outputs;
    }
    case 'zero-shot-image-classification': {
      const images = await toRawImages(inputs, context);
      const labels = parameters.candidate_labels;
      const outputs: unknown[] = [];
      for (const image of images) {
        const result = (await pipe(image, labels, option(parameters, 'hypothesis_template'))) as LabelScore[];
        outputs.push(result.map(({ label, score }) => ({ label, score })).sort(byScore));
      }
      return outputs;
    }
    default:
      throw new ModaError('TASK_MISMATCH', `transformers.js models cannot run ${task} in Moda yet`);
  }
}

/** A config.json may declare any number of classes; past the server's cap it is refused before loading. */
function checkDeclaredClasses(snapshot: ModelSnapshot, limits: PipelineLimits): void {
  for (const key of ['id2label', 'label2id'] as const) {
    const table = snapshot.hfConfig?.[key];
    const count = table && typeof table === 'object' ? Object.keys(table).length : 0;
    if (count > limits.maxModelClasses) throw new ModaError('MODEL_FILE_TOO_LARGE', `config.json declares ${count} classes in ${key}; the server allows at most ${limits.maxModelClasses}`);
  }
  const declared = snapshot.hfConfig?.num_labels;
  if (typeof declared === 'number' && declared > limits.maxModelClasses) throw new ModaError('MODEL_FILE_TOO_LARGE', `config.json declares ${declared} labels; the server allows at most ${limits.maxModelClasses}`);
}

export const transformersJsPipeline: PipelineImplementation = {
  type: 'transformers.js',
  tasks: TRANSFORMERS_TASKS,
  engine: 'onnx',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const hfTask = TRANSFORMERS_TASK[options.task];
    if (!hfTask) throw new ModaError('TASK_MISMATCH', `Hugging Face-layout models cannot run ${options.task} in Moda yet`);
    const limits = pipelineLimits(options.limits);
    checkDeclaredClasses(snapshot, limits);
    await checkTokenizerFiles(snapshot.dir, limits);
    const dtype = await pickDtype(snapshot.dir);
    let instance: TransformersPipeline;
    try {
      instance = (await transformersPipeline(hfTask as 'text-classification', snapshot.dir, {
        local_files_only: true,
        dtype,
        device: options.device === 'cuda' ? 'cuda' : 'cpu',
        ...(options.threads > 0 && { session_options: { intraOpNumThreads: options.threads } }),
      })) as unknown as TransformersPipeline;
    } catch (error) {
      throw new ModaError('MODEL_LOAD_FAILED', `transformers.js could not load ${snapshot.repo}: ${withoutServerPaths((error as Error).message, snapshot.dir)}`, { cause: error });
    }
    const pipe = instance as unknown as Callable;
    const failed = (error: unknown) => (error instanceof ModaError ? error : new ModaError('MODEL_INFERENCE_FAILED', `transformers.js failed: ${withoutServerPaths((error as Error).message, snapshot.dir)}`, { cause: error }));
    // Generations run beside the batcher, so the cache may unload the model during one; it is
    // disposed only after they finish.
    const generating = new Set<Promise<GenerateResult>>();
    const tokenizer = (instance as { tokenizer?: { encode(text: string): number[]; model_max_length: number } }).tokenizer;
    return {
      task: options.task,
      type: 'transformers.js',
      engine: 'onnx',
      memoryBytes: await onnxBytes(snapshot.dir),
      async run(inputs, parameters, context) {
        try {
          return await runTask(options.task, pipe, inputs, parameters, context, limits);
        } catch (error) {
          throw failed(error);
        }
      },
      ...(options.task === 'text-generation' && {
        async generate(request) {
          const pending = generateText(instance as unknown as CausalLmParts, request, limits).catch((error: unknown) => Promise.reject(failed(error)));
          generating.add(pending);
          try {
            return await pending;
          } finally {
            generating.delete(pending);
          }
        },
      }),
      // Truncated as the pipelines truncate their inputs.
      ...(tokenizer && { countTokens: async (texts: readonly string[]) => texts.map((text) => Math.min(tokenizer.encode(text).length, tokenizer.model_max_length)) }),
      async dispose() {
        await Promise.allSettled([...generating]);
        await instance.dispose();
      },
    };
  },
};
