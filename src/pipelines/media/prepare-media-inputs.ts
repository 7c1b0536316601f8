// Turns the media values of one request into bytes before the request joins a batch: URLs are
// fetched here, under the request's own timeouts and cancellation, so a slow URL holds up only
// its own caller and never the model's batch; base64 and data: URIs are decoded once; and each
// value's header tells how much memory decoding it will take, so the request can be refused
// before any pixel is decoded.
import sharp, { type Metadata } from 'sharp';
import { ModaError } from '../../errors/moda-error.js';
import type { TaskDefinition } from '../../tasks/task-definition.js';
import { audioBytes, readWavShape } from './decode-audio.js';
import { imageBytes } from './decode-image.js';
import { fetchInput, type InputFetchOptions } from './fetch-input.js';
import { readImageHeader } from './read-image-header.js';

export interface MediaInputOptions {
  /** False: URL inputs are refused with INPUT_FETCH_DISABLED. */
  fetchInputs: boolean;
  fetch: Omit<InputFetchOptions, 'signal' | 'timeoutMs' | 'shared'>;
  /** Longest time all the fetches of the request may take together. */
  fetchTimeoutMs: number;
  /** Most bytes all the URLs of the request may bring together (no more than a request body may carry). */
  fetchTotalBytes: number;
  maxImagePixels: number;
  signal?: AbortSignal;
}

export interface PreparedInputs {
  inputs: unknown[];
  /** What the media values will take decoded, judged from their headers. */
  decodeBytes: number;
}

type MediaKind = 'image' | 'audio';

interface MediaSlot {
  kind: MediaKind;
  /** Property of an object input holding the value; undefined when the input is the value. */
  property?: string;
}

/** Where media values sit in a task's input: the input itself, or named properties of it. */
function mediaSlots(task: TaskDefinition): MediaSlot[] {
  const schema = task.input as { 'x-media'?: MediaKind; properties?: Record<string, { 'x-media'?: MediaKind }> };
  if (schema['x-media']) return [{ kind: schema['x-media'] }];
  return Object.entries(schema.properties ?? {}).flatMap(([property, value]) => (value['x-media'] ? [{ kind: value['x-media'], property }] : []));
}

const FETCH_CONCURRENCY = 4;
/** Decoded audio: mono float samples at the file's rate, then resampled to 16 kHz. */
const TARGET_RATE = 16_000;

/** Width, height and bands from the header: PNG and JPEG read directly, other formats by libvips. */
async function imageShape(bytes: Buffer): Promise<{ width: number; height: number; channels: number } | undefined> {
  const header = readImageHeader(bytes);
  if (header) return header;
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return undefined;
  }
  return { width: metadata.width ?? 0, height: metadata.height ?? 0, channels: metadata.channels ?? 3 };
}

async function imageDecodeBytes(bytes: Buffer, maxPixels: number): Promise<number> {
  const metadata = await imageShape(bytes);
  // Not an image that can be read: the pipeline explains it, decoding nothing.
  if (!metadata) return 0;
  const { width, height } = metadata;
  if (width * height > maxPixels) throw new ModaError('IMAGE_TOO_LARGE', `the image has ${width}×${height} pixels, more than the ${maxPixels} allowed`);
  // libvips holds the image at its own channel count (alpha included) before it becomes RGB.
  return width * height * Math.max(3, metadata.channels);
}

function audioDecodeBytes(bytes: Buffer): number {
  try {
    const { frames, sampleRate } = readWavShape(bytes);
    return frames * 4 + Math.ceil((frames * TARGET_RATE) / sampleRate) * 4;
  } catch {
    return 0;
  }
}

/** Runs `work` on every item, at most `limit` at once; the first failure wins. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

export async function prepareMediaInputs(task: TaskDefinition, inputs: readonly unknown[], options: MediaInputOptions): Promise<PreparedInputs> {
  const slots = mediaSlots(task);
  if (slots.length === 0) return { inputs: [...inputs], decodeBytes: 0 };
  const prepared = inputs.map((input) => (slots[0]?.property === undefined ? input : { ...(input as Record<string, unknown>) }));
  const jobs: { index: number; slot: MediaSlot; value: string | Uint8Array }[] = [];
  prepared.forEach((input, index) => {
    for (const slot of slots) {
      const value = slot.property === undefined ? input : (input as Record<string, unknown>)[slot.property];
      if (typeof value === 'string' || value instanceof Uint8Array) jobs.push({ index, slot, value });
    }
  });
  const started = performance.now();
  let decodeBytes = 0;
  const fetched = new Map<(typeof jobs)[number], Buffer>();
  const urls = jobs.filter((job) => typeof job.value === 'string' && /^https?:\/\//i.test(job.value));
  if (urls.length > 0 && !options.fetchInputs) throw new ModaError('INPUT_FETCH_DISABLED');
  // Fetches first and together, under what is left of the request's fetch time, and all of them
  // under one byte budget taken as bytes arrive.
  const shared = { bytesLeft: options.fetchTotalBytes };
  await eachLimited(urls, FETCH_CONCURRENCY, async (job) => {
    const timeoutMs = Math.max(1, options.fetchTimeoutMs - (performance.now() - started));
    fetched.set(job, await fetchInput(job.value as string, { ...options.fetch, shared, timeoutMs, ...(options.signal && { signal: options.signal }) }));
  });
  for (const job of jobs) {
    const bytes = fetched.get(job) ?? (job.slot.kind === 'image' ? await imageBytes(job.value, { maxPixels: options.maxImagePixels }) : audioBytes(job.value));
    decodeBytes += job.slot.kind === 'image' ? await imageDecodeBytes(bytes, options.maxImagePixels) : audioDecodeBytes(bytes);
    const value = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (job.slot.property === undefined) prepared[job.index] = value;
    else (prepared[job.index] as Record<string, unknown>)[job.slot.property] = value;
  }
  return { inputs: prepared, decodeBytes };
}
