// Runs every sample through the model the way users call it: one request per sample to
// `POST /api/v1/models/{model}/pipeline` at the pinned commit, `concurrency` in flight, so the
// server's batcher groups them exactly as it groups users' requests, and each sample succeeds or
// fails on its own. Transient refusals (a full queue, a rate limit, a model restarting) are retried;
// a sample that still fails is recorded with its error code. Errors that concern the model itself
// (not found, cannot load) stop the run: every other sample would only fail the same way.
import { isModaError, ModaError } from '../errors/moda-error.js';
import { epochMs, type EvalTimings } from './eval-timings.js';
import type { EvalSample } from './read-eval-samples.js';
import type { SampleSender } from './sample-sender.js';

export interface SampleOutcome {
  rowIdx: number;
  reference: unknown;
  output?: unknown;
  error?: { code: string; message: string };
  /** Milliseconds the request took. */
  ms: number;
}

export interface RunSamplesOptions {
  model: string;
  commit: string;
  task: string;
  concurrency: number;
  signal: AbortSignal;
  /** Called after each sample (done counts failures too). */
  onSample?(done: number, failed: number): void;
  /** Filled in as the loop goes: when its first request went out and its last answer came back. */
  timings?: Pick<EvalTimings, 'first_request_sent' | 'last_answer'>;
}

const TRANSIENT = new Set(['QUEUE_FULL', 'RATE_LIMITED', 'MODEL_CRASHED', 'MODEL_MEMORY_EXHAUSTED', 'UPSTREAM_UNAVAILABLE', 'INFERENCE_TIMEOUT']);
/** Failures of the model or its access, not of one input: the run stops with the error. */
const FATAL = new Set(['HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN', 'AUTH_INVALID_TOKEN', 'AUTH_TOKEN_EXPIRED', 'AUTH_TOKEN_SCOPE', 'MODEL_NOT_RUNNABLE', 'MODEL_LOAD_FAILED', 'MODEL_QUARANTINED', 'MODEL_FILE_INVALID', 'MODEL_FILE_TOO_LARGE', 'TASK_UNKNOWN', 'TASK_MISMATCH']);
const MAX_TRIES = 6;

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

async function requestOnce(sender: SampleSender, options: RunSamplesOptions, sample: EvalSample): Promise<unknown> {
  const path = `/api/v1/models/${options.model}/pipeline`;
  const what = `sample ${sample.rowIdx}`;
  if (typeof sample.input === 'string') {
    const answer = (await sender.send({ path, body: JSON.stringify({ input: sample.input, revision: options.commit, task: options.task }), contentType: 'application/json', signal: options.signal, what })) as { output?: unknown };
    return answer.output;
  }
  // Media as the raw body, as the serving benchmark and most clients send it: no base64 on either side.
  const query = new URLSearchParams({ revision: options.commit, task: options.task });
  const answer = (await sender.send({ path: `${path}?${query}`, body: sample.input, contentType: 'application/octet-stream', signal: options.signal, what })) as { output?: unknown };
  return answer.output;
}

async function runOne(sender: SampleSender, options: RunSamplesOptions, sample: EvalSample): Promise<SampleOutcome> {
  const started = performance.now();
  const outcome = (fields: Partial<SampleOutcome>): SampleOutcome => ({ rowIdx: sample.rowIdx, reference: sample.reference, ms: performance.now() - started, ...fields });
  if (sample.problem) return outcome({ error: sample.problem });
  for (let attempt = 1; ; attempt++) {
    try {
      if (options.timings && options.timings.first_request_sent === null) options.timings.first_request_sent = epochMs();
      return outcome({ output: await requestOnce(sender, options, sample) });
    } catch (error) {
      options.signal.throwIfAborted();
      if (!isModaError(error)) throw error;
      if (FATAL.has(error.code)) throw new ModaError(error.code, `${options.model}@${options.commit.slice(0, 12)}: ${error.message}`);
      if (TRANSIENT.has(error.code) && attempt < MAX_TRIES) {
        const retryAfter = Number((error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt, options.signal);
        continue;
      }
      return outcome({ error: { code: error.code, message: error.message.slice(0, 500) } });
    }
  }
}

/** Outcomes in row order. */
export async function runEvalSamples(sender: SampleSender, samples: AsyncIterable<EvalSample>, options: RunSamplesOptions): Promise<SampleOutcome[]> {
  const outcomes: SampleOutcome[] = [];
  const iterator = samples[Symbol.asyncIterator]();
  let failed = 0;
  // The workers share one reader: samples are read one at a time, in row order.
  let exhausted = false;
  let pending: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<EvalSample>> => {
    const result = pending.then(async (): Promise<IteratorResult<EvalSample>> => {
      if (exhausted) return { done: true, value: undefined };
      const item = await iterator.next();
      if (item.done) exhausted = true;
      return item;
    });
    pending = result.catch(() => undefined);
    return result;
  };
  // Samples read ahead of the workers (at most `concurrency` of them, on top of those in flight): a
  // worker whose answer arrives sends its next sample at once instead of waiting on the dataset
  // read (a page query, a blob from the store), so the answers of one batch come back as one burst
  // of new requests, as a load of independent clients sends them.
  const readAhead = Math.max(1, options.concurrency);
  const buffered: Promise<IteratorResult<EvalSample>>[] = [];
  const fill = () => {
    while (buffered.length < readAhead && !exhausted) {
      const read = next();
      // Awaited by a worker later; a failed read must not be an unhandled rejection meanwhile.
      read.catch(() => undefined);
      buffered.push(read);
    }
  };
  const take = (): Promise<IteratorResult<EvalSample>> => {
    fill();
    const read = buffered.shift() ?? next();
    fill();
    return read;
  };
  const worker = async () => {
    for (;;) {
      options.signal.throwIfAborted();
      const item = await take();
      if (item.done) return;
      const result = await runOne(sender, options, item.value);
      if (options.timings) options.timings.last_answer = epochMs();
      if (result.error) failed++;
      outcomes.push(result);
      options.onSample?.(outcomes.length, failed);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await iterator.return?.();
  }
  return outcomes.sort((a, b) => a.rowIdx - b.rowIdx);
}
