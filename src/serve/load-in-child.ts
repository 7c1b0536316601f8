// Loads a pipeline into a child process of its own (pipeline-child.ts) and returns a LoadedPipeline
// whose `run` sends each batch there over IPC. The child is supervised: its resident memory is read
// from /proc and it is killed past its limit; a batch past its deadline kills it too; when it dies
// for any reason (native abort, V8 fatal error, OOM kill, a signal) only the batches it held fail,
// and the model is marked `broken` so the model cache loads a fresh one (with backoff) next time.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModaError } from '../errors/moda-error.js';
import type { GenerateRequest, GenerateResult, LoadedPipeline, RunContext, TokenLogprob } from '../pipelines/pipeline-implementation.js';
import { deserializeError, type ChildSetup, type FromChild, type ToChild } from './child-messages.js';

const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
/** pipeline-child.js next to this file when built, pipeline-child.ts when run from source under tsx. */
const CHILD_PATH = fileURLToPath(new URL(`./pipeline-child${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
/** How often the child's resident memory is read while it loads or runs: a model allocating fast can pass its limit by what it gets in this time. */
const RSS_POLL_MS = 100;
/**
 * How often it is read while the child has nothing to do: an idle model does not allocate, and each
 * read wakes the server's thread (3 children at 100 ms were 30 wake-ups and ~7 ms of its CPU a second
 * on the 2-core bench machine, a cost every idle replica and the solo instance paid at 1 client).
 */
const RSS_IDLE_POLL_MS = 1000;
/** How long interruptible generation past its deadline may take to stop before its process is killed. */
const INTERRUPT_GRACE_MS = 5000;

export interface ChildLimits {
  /** Resident bytes (RSS) past which the child is killed. */
  maxRssBytes: number;
  /** V8 heap of the child, MiB (`--max-old-space-size`). */
  maxHeapMb: number;
  /**
   * Wall-clock time a batch (or a token count) may take before the child is killed; 0 = none. A
   * text generation is instead killed after this long without a token: one that keeps producing
   * tokens runs on (max_new_tokens and the context bound it), one that stalls is stopped.
   */
  batchTimeoutMs: number;
  /** Time the load may take before the child is killed. */
  loadTimeoutMs: number;
}

export const DEFAULT_CHILD_LIMITS: ChildLimits = { maxRssBytes: 8 * 1024 ** 3, maxHeapMb: 4096, batchTimeoutMs: 120_000, loadTimeoutMs: 300_000 };

export interface ChildPipeline extends LoadedPipeline {
  /** True once the child died without being disposed; the pipeline cannot run any more. */
  readonly broken: boolean;
  /** Why the child died, when it did: MODEL_CRASHED, MODEL_MEMORY_LIMIT or INFERENCE_TIMEOUT. */
  readonly failure: ModaError | undefined;
  readonly pid: number;
  /** The child's resident memory, last read from /proc (0 where /proc is missing). */
  readonly rssBytes: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
  /** Generation: the child reported progress, so its idle deadline starts again. */
  progressed?: () => void;
  /** Streaming generation's callbacks. */
  onStart?: (promptTokens: number) => void;
  onText?: (delta: string, logprobs?: readonly TokenLogprob[]) => void;
}

type Call = { kind: 'run'; inputs: readonly unknown[]; parameters: Readonly<Record<string, unknown>>; maxImagePixels: number } | { kind: 'generate'; prompt: GenerateRequest['prompt']; parameters: Readonly<Record<string, unknown>> } | { kind: 'count-tokens'; texts: readonly string[] };

/** Resident bytes of a process from /proc/<pid>/status; 0 where that cannot be read. */
export function readRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Environment names a model process must not see: the server's own settings and anything secret. */
const PRIVATE_ENV = /^MODA_|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|_KEY$|^AWS_|DATABASE_URL|REDIS/i;

/** The server's environment less its secrets, with a temporary folder of its own: a model process reads files, not credentials. */
function childEnv(tempDir: string): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !PRIVATE_ENV.test(name))), TMPDIR: tempDir };
}

/**
 * The child's TMPDIR: what it leaves there (tesseract's copy of its language data, a request's
 * images) goes with it even when it is killed and cleans up nothing. Others may pass through (0711)
 * to folders an external program running as `nobody` is given inside, but not list it.
 */
function makeChildTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moda-model-'));
  chmodSync(dir, 0o711);
  return dir;
}

/** Under tsx (tests, `npm run bench`) the child registers tsx's loader, as the server did. */
function startChild(limits: ChildLimits, tempDir: string): ChildProcess {
  const execArgv = [`--max-old-space-size=${Math.max(16, Math.floor(limits.maxHeapMb))}`];
  if (FROM_SOURCE) execArgv.push('--import', import.meta.resolve('tsx'));
  return spawn(process.execPath, [...execArgv, CHILD_PATH], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Structured clone: Uint8Array media and Float32Array tensors cross as bytes, not JSON arrays.
    serialization: 'advanced',
    env: childEnv(tempDir),
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  // 134: abort() (a native panic), 133/SIGTRAP: a V8 fatal error such as heap exhaustion.
  return `exited with code ${code ?? 'unknown'}`;
}

export function loadInChild(setup: ChildSetup, limits: ChildLimits = DEFAULT_CHILD_LIMITS): Promise<ChildPipeline> {
  const tempDir = makeChildTempDir();
  const child = startChild(limits, tempDir);
  // Whatever way the child ends (spawn failure, exit, kill), its temporary folder goes.
  child.once('close', () => rmSync(tempDir, { recursive: true, force: true }));
  const repo = setup.snapshot.repo;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let loaded = false;
  let exited = false;
  let failure: ModaError | undefined;
  /** Set just before the supervisor kills the child, so the exit is reported for what it was. */
  let killedFor: { reason: 'memory' | 'deadline' | 'load-timeout'; batch?: number; idle?: boolean } | undefined;
  let disposing: Promise<void> | undefined;
  let rssBytes = 0;
  /** Generation in this model stops at the next token when told (llama.cpp): a deadline cancels it instead of killing the process. */
  let interruptible = false;

  const send = (message: ToChild) => {
    if (child.connected) child.send(message);
  };
  const kill = (reason: NonNullable<typeof killedFor>) => {
    if (exited || killedFor) return;
    killedFor = reason;
    child.kill('SIGKILL');
  };

  // One timer, re-armed after each read: every RSS_POLL_MS while the child loads or holds calls, every
  // RSS_IDLE_POLL_MS otherwise; a call arriving at an idle child brings the next read forward.
  let watcher: NodeJS.Timeout | undefined;
  let watchDue = 0;
  let watching = true;
  const watchIn = (delayMs: number) => {
    if (!watching) return;
    if (watcher) clearTimeout(watcher);
    watchDue = performance.now() + delayMs;
    watcher = setTimeout(watch, delayMs);
    watcher.unref();
  };
  const watch = () => {
    watcher = undefined;
    if (child.pid === undefined || exited) return;
    rssBytes = readRssBytes(child.pid) || rssBytes;
    if (rssBytes > limits.maxRssBytes) kill({ reason: 'memory' });
    watchIn(!loaded || pending.size > 0 ? RSS_POLL_MS : RSS_IDLE_POLL_MS);
  };
  const stopWatching = () => {
    watching = false;
    if (watcher) clearTimeout(watcher);
  };
  watchIn(RSS_POLL_MS);

  return new Promise<ChildPipeline>((resolveLoad, rejectLoad) => {
    const loadTimer = setTimeout(() => kill({ reason: 'load-timeout' }), limits.loadTimeoutMs);
    loadTimer.unref();

    /** Sends one call to the child; it settles with the child's answer, or fails when the child dies or its deadline passes. */
    const call = <T>(message: Call, signal: AbortSignal | undefined, handlers: Pick<Pending, 'onStart' | 'onText'> = {}): Promise<T> => {
      // A batch that never reached the process did not cause its end: it goes again, on the model
      // loaded afresh (ModelCache.run), rather than sharing the failure of the batch that did.
      if (failure || disposing) return Promise.reject(new ModaError('MODEL_CRASHED', `${repo}: its process ${disposing ? 'was unloaded' : 'had stopped'} before this batch reached it`, { details: { retryAfterSeconds: 1, requeue: true, ...(failure && { reason: failure.code }) } }));
      if (signal?.aborted) return Promise.reject(new ModaError('REQUEST_CANCELLED'));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => send({ kind: 'cancel', id });
        signal?.addEventListener('abort', onAbort, { once: true });
        const entry: Pending = {
          ...handlers,
          resolve: (value) => settle(() => resolve(value as T)),
          reject: (error) => settle(() => reject(error)),
        };
        const settle = (then: () => void) => {
          signal?.removeEventListener('abort', onAbort);
          if (entry.timer) clearTimeout(entry.timer);
          then();
        };
        // Synchronous engine work cannot be interrupted inside the child: past the deadline the child goes.
        // Interruptible generation (llama.cpp) is told to stop first, and the child goes only if it does not within a grace.
        // Generation's deadline is one of idleness: each token reported starts it again.
        if (limits.batchTimeoutMs > 0) {
          const idle = message.kind === 'generate';
          let stopping = false;
          const expire = () => {
            if (!interruptible || message.kind !== 'generate') return kill({ reason: 'deadline', batch: id, idle });
            stopping = true;
            send({ kind: 'cancel', id, reason: 'deadline' });
            entry.timer = setTimeout(() => kill({ reason: 'deadline', batch: id, idle }), INTERRUPT_GRACE_MS);
          };
          const arm = () => {
            if (stopping) return;
            if (entry.timer) clearTimeout(entry.timer);
            entry.timer = setTimeout(expire, limits.batchTimeoutMs);
          };
          arm();
          if (idle) entry.progressed = arm;
        }
        pending.set(id, entry);
        if (watchDue - performance.now() > RSS_POLL_MS) watchIn(RSS_POLL_MS);
        send({ ...message, id });
      });
    };

    const pipelineOf = (message: Extract<FromChild, { kind: 'loaded' }>): ChildPipeline => ({
      task: setup.task,
      type: message.type,
      engine: message.engine,
      interruptible: message.interruptible === true,
      // What the model holds is what its process holds; the model's own estimate until /proc is read.
      get memoryBytes() {
        return rssBytes || message.memoryBytes;
      },
      get pid() {
        return child.pid ?? 0;
      },
      get rssBytes() {
        return rssBytes;
      },
      get broken() {
        return failure !== undefined && !disposing;
      },
      get failure() {
        return failure;
      },
      run(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext): Promise<unknown[]> {
        return call<unknown[]>({ kind: 'run', inputs, parameters, maxImagePixels: context.maxImagePixels }, context.signal);
      },
      // Chat templates, tokenizers and generation are model-controlled: they run in the child too.
      ...(message.generates && {
        generate(request: GenerateRequest): Promise<GenerateResult> {
          return call<GenerateResult>({ kind: 'generate', prompt: request.prompt, parameters: request.parameters }, request.signal, {
            ...(request.onStart && { onStart: request.onStart }),
            ...(request.onText && { onText: request.onText }),
          });
        },
      }),
      ...(message.countsTokens && {
        countTokens(texts: readonly string[]): Promise<number[]> {
          return call<number[]>({ kind: 'count-tokens', texts }, undefined);
        },
      }),
      dispose(): Promise<void> {
        disposing ??= new Promise<void>((resolve) => {
          stopWatching();
          if (exited) return resolve();
          child.once('exit', () => resolve());
          send({ kind: 'dispose' });
          // A model whose dispose hangs must not hold the server's shutdown.
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        });
        return disposing;
      },
    });

    child.on('message', (message: FromChild) => {
      switch (message.kind) {
        case 'ready':
          send({ kind: 'setup', setup });
          break;
        case 'loaded':
          loaded = true;
          interruptible = message.interruptible === true;
          clearTimeout(loadTimer);
          if (child.pid !== undefined) rssBytes = readRssBytes(child.pid);
          resolveLoad(pipelineOf(message));
          break;
        case 'load-failed':
          clearTimeout(loadTimer);
          // A load that failed cleanly (bad files) is not a crash: the child leaves by itself.
          failure = deserializeError(message.error);
          rejectLoad(failure);
          break;
        case 'result':
          pending.get(message.id)?.resolve(message.outputs);
          pending.delete(message.id);
          break;
        case 'generated':
          pending.get(message.id)?.resolve(message.result);
          pending.delete(message.id);
          break;
        case 'counted':
          pending.get(message.id)?.resolve(message.counts);
          pending.delete(message.id);
          break;
        case 'generate-start':
          pending.get(message.id)?.progressed?.();
          pending.get(message.id)?.onStart?.(message.promptTokens);
          break;
        case 'generate-text':
          for (const text of message.texts) {
            const entry = pending.get(text.id);
            entry?.progressed?.();
            entry?.onText?.(text.delta, text.logprobs);
          }
          break;
        case 'generate-progress':
          pending.get(message.id)?.progressed?.();
          break;
        case 'failed':
          pending.get(message.id)?.reject(deserializeError(message.error));
          pending.delete(message.id);
          break;
        case 'disposed':
          break;
      }
    });
    child.on('error', (error) => {
      // Spawning failed (no such executable, too many processes): a load failure, not the model's crash.
      if (exited) return;
      exited = true;
      stopWatching();
      clearTimeout(loadTimer);
      failure ??= new ModaError('MODEL_LOAD_FAILED', `${repo}: its process could not be started: ${error.message}`, { cause: error });
      if (!loaded) rejectLoad(failure);
      for (const entry of pending.values()) entry.reject(failure);
      pending.clear();
    });
    child.on('exit', (code, signal) => {
      exited = true;
      stopWatching();
      clearTimeout(loadTimer);
      if (disposing || (!loaded && failure)) {
        // Batches still in flight when a disposed child goes must not wait for ever.
        for (const entry of pending.values()) entry.reject(new ModaError('MODEL_CRASHED', `${repo}: its process was unloaded`, { details: { retryAfterSeconds: 1, requeue: true } }));
        pending.clear();
        return;
      }
      const how = describeExit(code, signal);
      const phase = loaded ? 'while running' : 'while loading';
      if (killedFor?.reason === 'memory') {
        failure = new ModaError('MODEL_MEMORY_LIMIT', `${repo}: its process went past its memory limit (${limits.maxRssBytes} bytes resident) ${phase} and was stopped`, { details: { crash: true, limitBytes: limits.maxRssBytes } });
      } else if (killedFor?.reason === 'load-timeout') {
        failure = new ModaError('MODEL_CRASHED', `${repo}: its process did not finish loading within ${limits.loadTimeoutMs} ms and was stopped`, { details: { crash: true, retryAfterSeconds: 1 } });
      } else if (killedFor?.reason === 'deadline') {
        const what = killedFor.idle ? `a generation produced no token for ${limits.batchTimeoutMs} ms` : `a batch ran past its deadline (${limits.batchTimeoutMs} ms)`;
        failure = new ModaError('INFERENCE_TIMEOUT', `${repo}: ${what}; the model's process was stopped`, { details: { crash: false } });
      } else {
        failure = new ModaError('MODEL_CRASHED', `${repo}: its process ${how} ${phase}; the model is being loaded again`, { details: { crash: true, retryAfterSeconds: 1 } });
      }
      if (!loaded) rejectLoad(failure);
      for (const [id, entry] of pending) {
        // The batch that ran out of time gets the 504; batches that only shared its process go again.
        if (killedFor?.reason === 'deadline' && id !== killedFor.batch) entry.reject(new ModaError('MODEL_CRASHED', `${repo}: another batch stopped the model's process`, { details: { retryAfterSeconds: 1, requeue: true } }));
        else entry.reject(failure);
      }
      pending.clear();
    });
  });
}
