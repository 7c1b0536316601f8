// Loaded models, one instance per repo@commit and task, shared by every request: single-flight
// loading, a memory budget kept by evicting the least recently used idle models, keep-alive expiry,
// and MODEL_MEMORY_EXHAUSTED (503) — never a crash — when a model cannot fit. Each instance runs in
// a child process of its own; a model whose process dies is dropped and loaded again after a
// backoff, and one that stops its process while loading `crashLimit` times in a row is quarantined.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModaError, isModaError } from '../errors/moda-error.js';
import type { PipelineLimits } from '../pipelines/limits/pipeline-limits.js';
import type { Device, GenerateRequest, GenerateResult, LoadedPipeline } from '../pipelines/pipeline-implementation.js';
import { availableParallelism } from 'node:os';
import { kvCacheBytes } from '../pipelines/llm/gguf-shape.js';
import { LLAMA_CPP_TYPE } from '../pipelines/llm/resolve-gguf-variant.js';
import { planModel, type ModelPlan } from '../runtime/load-model.js';
import type { ModelSnapshot } from '../runtime/model-snapshot.js';
import type { TaskId } from '../tasks/catalog.js';
import { Batcher, type BatcherOptions, type SubmitOptions } from './batcher.js';
import { DEFAULT_CHILD_LIMITS, loadInChild, type ChildLimits } from './load-in-child.js';
import { ReplicaSet } from './replica-set.js';

export interface ServedModel {
  key: string;
  repo: string;
  commit: string;
  task: TaskId;
  snapshot: ModelSnapshot;
  /** Its instances (one unless scaled); runs each batch on the least busy. */
  model: ReplicaSet;
  batcher: Batcher;
  loadMs: number;
  lastUsed: number;
  /** Deployments pin their model: never evicted, never expired. */
  pinned: boolean;
  /** Idle time before an unpinned model is unloaded; default the cache's (MODA_KEEP_ALIVE). */
  keepAliveMs?: number;
  /** GGUF models: the file served, its sequences and the KV cache they hold. */
  llm?: ServedLlm;
  /** Generations in flight through generate() (beyond the sequences they wait in the model's queue). */
  generating?: number;
}

export interface ServedLlm {
  quant: string;
  file: string;
  sequences: number;
  contextSize: number;
  kvBytesPerSequence: number;
}

export interface LlmCacheOptions {
  /** Sequences per GGUF model; 0 = automatic (from cores and the memory budget). */
  parallel: number;
  contextSize: number;
  maxQueue: number;
}

export interface ModelCacheOptions {
  maxMemoryBytes: number;
  keepAliveMs: number;
  device: Device;
  threads: number;
  /** ONNX Runtime sessions: whether idle intra-op threads spin (unset: ONNX Runtime's default). */
  onnxSpinning?: boolean;
  batching: BatcherOptions;
  /**
   * Run each model instance in a supervised child process (the default). `false` loads models into
   * the server process itself: for unit tests of the cache only, never for untrusted models.
   */
  isolated?: boolean;
  /** Memory, heap and time limits of each model process. */
  limits?: ChildLimits;
  /** What each model may return and run inside its process (labels, output bytes, templates, external programs); unset fields keep the defaults. */
  pipelineLimits?: Partial<PipelineLimits>;
  /** Load crashes in a row before a model is quarantined (default 3). */
  crashLimit?: number;
  /** Instances per model; 0 = automatic (one per core for single-threaded engines, else one). */
  replicas?: number;
  /** Cores the automatic replica count spreads over. */
  cores?: number;
  /** GGUF models' sequences, context and queue. */
  llm?: LlmCacheOptions;
}

/**
 * Engines that run a model on one thread (tfjs's wasm backend, fastText, jieba): one instance per
 * core keeps the cores busy. ONNX Runtime spreads one run over MODA_THREADS intra-op threads instead.
 */
export interface AcquireOptions {
  /** Deployments pin their model. */
  pinned?: boolean;
  batching?: Partial<BatcherOptions>;
  /** Instances when the model is loaded now; default: defaultReplicas(). */
  replicas?: number;
}

const SINGLE_THREADED_ENGINES = new Set(['tfjs', 'fasttext', 'jieba']);
/** Tasks the OpenAI routes reach through generate()/countTokens() of the first instance: one instance, of the weights alone. */
const ONE_INSTANCE_TASKS = new Set<string>(['text-generation', 'feature-extraction', 'sentence-similarity']);
/** ONNX models up to this size get one single-threaded session per core; larger ones one session. */
const PER_CORE_ONNX_MAX_BYTES = 256 * 1024 * 1024;
const SWEEP_INTERVAL_MS = 1000;
/** Automatic sequences per GGUF model: batching gained up to 1.45× at 8 sequences on 2 cores (bench/RESULTS.md), little past it. */
const MAX_AUTO_SEQUENCES = 8;
const DEFAULT_LLM: LlmCacheOptions = { parallel: 0, contextSize: 4096, maxQueue: 32 };
/** Backoff after a model's process died: 1 s, doubling per crash in a row, at most a minute. */
const CRASH_BACKOFF_MS = 1000;
const MAX_CRASH_BACKOFF_MS = 60_000;

/** What the cache remembers of a model whose process died. */
export interface ModelFailure {
  /** Crashes in a row, loading or running; sets the backoff. */
  crashes: number;
  /** Crashes in a row while loading; at the limit the model is quarantined. */
  loadCrashes: number;
  /** performance.now() before which the model is not loaded again. */
  retryAt: number;
  reason: ModaError;
  quarantined: boolean;
}

/** A failure that came from the model's process dying (not a clean load error or a bad input). */
function isCrash(error: unknown): error is ModaError {
  return isModaError(error) && error.details?.crash === true;
}

/** What metrics and logs hear from the cache; every method is optional. */
export interface ModelCacheObserver {
  /** A caller got this model (loaded now, by another caller, or earlier). */
  acquired?(served: ServedModel): void;
  loaded?(served: ServedModel): void;
  unloaded?(served: ServedModel): void;
  /** One caller's inputs went through the model's queue and run; `failed` with the error thrown. */
  ran?(served: ServedModel, run: { inputs: number; ms: number; failed: boolean; error: unknown }): void;
  /** The model started a batch of this many inputs. */
  batched?(served: ServedModel, size: number): void;
  /** A request for this model was refused (QUEUE_FULL) before its body was read. */
  refusedEarly?(served: ServedModel): void;
  /** A generation finished: its token counts, time to its first text and the gaps between texts (ms). */
  generated?(served: ServedModel, generation: { promptTokens: number; completionTokens: number; firstTextMs: number | undefined; gapsMs: readonly number[] }): void;
  /** A process of this model died (loading or running); `quarantined` once it will not be loaded again. */
  crashed?(crash: { repo: string; commit: string; task: string; error: ModaError; quarantined: boolean }): void;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export class ModelCache {
  private readonly loaded = new Map<string, ServedModel>();
  private readonly loading = new Map<string, Promise<ServedModel>>();
  private readonly sweeper: NodeJS.Timeout;
  /** Memory promised to models still loading, so two loads cannot both take the last free bytes. */
  private reserved = 0;
  private readonly observers = new Set<ModelCacheObserver>();
  private readonly failures = new Map<string, ModelFailure>();

  constructor(private readonly options: ModelCacheOptions) {
    // Every second: models may carry keep-alives shorter than the cache's, and a sweep is a few compares.
    this.sweeper = setInterval(() => void this.expire(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Adds an observer; returns the function that removes it. */
  observe(observer: ModelCacheObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private notify(event: (observer: ModelCacheObserver) => void): void {
    for (const observer of this.observers) {
      try {
        event(observer);
      } catch {
        // A metrics or logging bug must not fail the inference it watches.
      }
    }
  }

  list(): ServedModel[] {
    return [...this.loaded.values()];
  }

  usedBytes(): number {
    let total = 0;
    for (const served of this.loaded.values()) total += served.model.memoryBytes;
    return total;
  }

  /**
   * The model already loaded for repo@commit — with this task, or the only one loaded for it when
   * no task is named — without loading anything or touching its keep-alive.
   */
  peek(repo: string, commit: string, task?: string): ServedModel | undefined {
    const prefix = `${repo}@${commit}#`;
    if (task !== undefined) return this.loaded.get(prefix + task);
    const matching = [...this.loaded.values()].filter((served) => served.key.startsWith(prefix));
    return matching.length === 1 ? matching[0] : undefined;
  }

  /** True when some loaded model could not take `count` more inputs now (most of the time none: a scan, no lookups). */
  anyFull(count: number): boolean {
    for (const served of this.loaded.values()) if (served.batcher.full(count)) return true;
    return false;
  }

  /** Tells the observers that a request was refused before it reached the model's queue. */
  refusedEarly(served: ServedModel): void {
    this.notify((observer) => observer.refusedEarly?.(served));
  }

  /** The loaded model for the snapshot and task, loading it (once, whoever asks) when needed. */
  async acquire(snapshot: ModelSnapshot, requestedTask: string | undefined, options: AcquireOptions = {}): Promise<ServedModel> {
    const plan = await planModel(snapshot, requestedTask);
    // Each quantisation of a GGUF repo is a model of its own.
    const key = `${snapshot.repo}${snapshot.gguf ? `:${snapshot.gguf.quant}` : ''}@${snapshot.commit}#${plan.task}`;
    const ready = this.loaded.get(key);
    if (ready) {
      ready.lastUsed = performance.now();
      if (options.pinned) ready.pinned = true;
      this.notify((observer) => observer.acquired?.(ready));
      return ready;
    }
    let pending = this.loading.get(key);
    if (!pending) {
      this.refuseFailed(key);
      pending = this.load(key, snapshot, plan, options)
        .then(
          (served) => {
            const failure = this.failures.get(key);
            if (failure) failure.loadCrashes = 0;
            return served;
          },
          (error: unknown) => {
            throw isCrash(error) ? this.recordCrash(key, error, 'load') : error;
          },
        )
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    const served = await pending;
    this.notify((observer) => observer.acquired?.(served));
    return served;
  }

  /** The model's failure record, if its process died recently or it is quarantined. */
  failureOf(repo: string, commit: string, task: string): ModelFailure | undefined {
    return this.failures.get(`${repo}@${commit}#${task}`);
  }

  /** Quarantines a model without loading it (a deployment found quarantined at start). */
  quarantine(repo: string, commit: string, task: string, reason: ModaError): void {
    this.failures.set(`${repo}@${commit}#${task}`, { crashes: 0, loadCrashes: 0, retryAt: 0, reason, quarantined: true });
  }

  /** Forgets a model's crashes and quarantine (it was redeployed): the next request loads it again. */
  forgive(repo: string, commit: string, task: string): void {
    this.failures.delete(`${repo}@${commit}#${task}`);
  }

  /** Throws for a quarantined model, or one still in its backoff after its process died. */
  private refuseFailed(key: string): void {
    const failure = this.failures.get(key);
    if (!failure) return;
    if (failure.quarantined) throw new ModaError('MODEL_QUARANTINED', `${key.replace('#', ' (')}) is quarantined: ${failure.reason.message}`, { details: { reason: failure.reason.code } });
    const waitMs = failure.retryAt - performance.now();
    if (waitMs > 0) throw new ModaError('MODEL_CRASHED', `${failure.reason.message}; it is loaded again in ${Math.ceil(waitMs / 1000)} s`, { details: { retryAfterSeconds: Math.ceil(waitMs / 1000), reason: failure.reason.code } });
  }

  /** Counts a crash; returns the error the caller gets (MODEL_QUARANTINED at the limit of load crashes). */
  private recordCrash(key: string, error: ModaError, phase: 'load' | 'run'): ModaError {
    const failure = this.failures.get(key) ?? { crashes: 0, loadCrashes: 0, retryAt: 0, reason: error, quarantined: false };
    failure.crashes++;
    if (phase === 'load') failure.loadCrashes++;
    failure.reason = error;
    failure.retryAt = performance.now() + Math.min(MAX_CRASH_BACKOFF_MS, CRASH_BACKOFF_MS * 2 ** (failure.crashes - 1));
    this.failures.set(key, failure);
    const [model = key, task = ''] = key.split('#');
    const [repo = model, commit = ''] = model.split('@');
    const quarantined = failure.loadCrashes >= (this.options.crashLimit ?? 3);
    this.notify((observer) => observer.crashed?.({ repo, commit, task, error, quarantined }));
    if (quarantined) {
      failure.quarantined = true;
      return new ModaError('MODEL_QUARANTINED', `${key.replace('#', ' (')}) stopped its process ${failure.loadCrashes} times in a row while loading and is quarantined: ${error.message}`, { details: { reason: error.code } });
    }
    const retryAfterSeconds = Math.ceil((failure.retryAt - performance.now()) / 1000);
    return new ModaError(error.code, error.message, { details: { ...error.details, retryAfterSeconds } });
  }

  private get cores(): number {
    return Math.max(1, this.options.cores ?? availableParallelism());
  }

  /** How many instances a model gets when nothing asks for a number. */
  defaultReplicas(plan: ModelPlan, modelBytes: number): number {
    const configured = this.options.replicas ?? 0;
    if (!this.scalable(plan)) return 1;
    if (configured > 0) return configured;
    if (SINGLE_THREADED_ENGINES.has(plan.implementation.engine)) return this.cores;
    return this.perCoreOnnx(plan, modelBytes) ? this.cores : 1;
  }

  /**
   * One single-threaded ONNX Runtime session per core outruns one session spread over every core
   * once requests queue (no thread waits for the slowest at each operator): +22 % for the PP-OCRv4
   * recogniser on 2 cores. Large weights stay one copy.
   */
  private perCoreOnnx(plan: ModelPlan, modelBytes: number): boolean {
    return plan.implementation.engine === 'onnx' && this.options.device === 'cpu' && this.options.threads === 0 && modelBytes <= PER_CORE_ONNX_MAX_BYTES && this.cores > 1;
  }

  /**
   * Whether a model also gets a solo session over every core, for batches that run alone: with one
   * thread a lone request took 3–4 ms longer (the recogniser on 2 cores, bench/RESULTS.md). Only
   * when the instance count is automatic; a count asked for is exactly that many instances.
   */
  private wantsSolo(plan: ModelPlan, modelBytes: number, options: AcquireOptions): boolean {
    return this.scalable(plan) && options.replicas === undefined && (this.options.replicas ?? 0) === 0 && this.perCoreOnnx(plan, modelBytes);
  }

  /** Whether the model may have several instances (each a child process). */
  private scalable(plan: ModelPlan): boolean {
    return (this.options.isolated ?? true) && !ONE_INSTANCE_TASKS.has(plan.task);
  }

  /** Threads each instance's session gets: MODA_THREADS, else the cores shared among the instances. */
  private instanceThreads(instances: number): number {
    return this.options.threads > 0 ? this.options.threads : Math.max(1, Math.floor(this.cores / Math.max(1, instances)));
  }

  /**
   * Sequences and context of a GGUF model: MODA_LLM_PARALLEL, else twice the cores (at most 8) and
   * no more than the memory budget holds beside the weights. Each sequence's KV cache is counted.
   */
  private llmPlan(snapshot: ModelSnapshot, plan: ModelPlan): ServedLlm | undefined {
    const gguf = snapshot.gguf;
    if (!gguf || plan.implementation.type !== LLAMA_CPP_TYPE) return undefined;
    const settings = this.options.llm ?? DEFAULT_LLM;
    const contextSize = Math.max(1, Math.min(settings.contextSize, gguf.shape.contextLength));
    const kvBytesPerSequence = kvCacheBytes(gguf.shape, contextSize);
    let sequences = plan.task === 'feature-extraction' ? 1 : settings.parallel;
    if (sequences <= 0) {
      const fits = Math.floor((this.options.maxMemoryBytes - gguf.bytes) / Math.max(1, kvBytesPerSequence));
      sequences = Math.max(1, Math.min(MAX_AUTO_SEQUENCES, this.cores * 2, fits));
    }
    return { quant: gguf.quant, file: gguf.file, sequences, contextSize, kvBytesPerSequence };
  }

  private loadInstance(snapshot: ModelSnapshot, plan: ModelPlan, threads: number, llm?: ServedLlm): Promise<LoadedPipeline> {
    const settings = this.options.llm ?? DEFAULT_LLM;
    const loadOptions = { task: plan.task, device: this.options.device, threads, ...(this.options.onnxSpinning !== undefined && { spinning: this.options.onnxSpinning }), ...(this.options.pipelineLimits && { limits: this.options.pipelineLimits }), ...(llm && { llm: { sequences: llm.sequences, contextSize: llm.contextSize, maxQueue: settings.maxQueue } }) };
    return (this.options.isolated ?? true) ? loadInChild({ snapshot, implementationType: plan.implementation.type, ...loadOptions }, this.options.limits ?? DEFAULT_CHILD_LIMITS) : plan.implementation.load(snapshot, loadOptions);
  }

  private async load(key: string, snapshot: ModelSnapshot, plan: ModelPlan, options: AcquireOptions): Promise<ServedModel> {
    const llm = this.llmPlan(snapshot, plan);
    // A GGUF repo holds several quantisations: only the one served loads, with its KV cache.
    const modelBytes = llm && snapshot.gguf ? snapshot.gguf.bytes + llm.kvBytesPerSequence * llm.sequences : await directoryBytes(snapshot.dir);
    const replicas = this.scalable(plan) ? (options.replicas ?? this.defaultReplicas(plan, modelBytes)) : 1;
    const solo = this.wantsSolo(plan, modelBytes, options);
    const estimate = modelBytes * (replicas + (solo ? 1 : 0));
    await this.makeRoom(estimate, llm ? `${snapshot.repo}:${llm.quant} (${llm.sequences} × ${llm.contextSize}-token KV cache of ${llm.kvBytesPerSequence} bytes each)` : snapshot.repo);
    this.reserved += estimate;
    const started = performance.now();
    let model: ReplicaSet;
    try {
      // Instances added later (a deployment's max_concurrency) share the cores among the new count.
      model = new ReplicaSet(await this.loadInstance(snapshot, plan, this.instanceThreads(replicas), llm), (instances) => this.loadInstance(snapshot, plan, this.instanceThreads(instances), llm));
      try {
        if (replicas > 1) await model.resize(replicas);
        if (solo) model.setSolo(await this.loadInstance(snapshot, plan, this.cores));
      } catch (error) {
        await model.dispose();
        throw error;
      }
    } finally {
      this.reserved -= estimate;
    }
    const served: ServedModel = {
      key,
      repo: snapshot.repo,
      commit: snapshot.commit,
      task: plan.task,
      snapshot,
      model,
      batcher: new Batcher((inputs, parameters, info) => model.run(inputs, parameters, this.runContext, info), { ...this.options.batching, ...options.batching, maxConcurrency: model.size }),
      loadMs: performance.now() - started,
      lastUsed: performance.now(),
      pinned: options.pinned ?? false,
      ...(llm && { llm }),
    };
    served.batcher.onBatch = (size) => this.notify((observer) => observer.batched?.(served, size));
    this.loaded.set(key, served);
    this.notify((observer) => observer.loaded?.(served));
    return served;
  }

  /** Grows or shrinks a loaded model to `count` instances (a deployment's max_concurrency). */
  async scale(served: ServedModel, count: number): Promise<void> {
    const target = Math.max(1, Math.floor(count));
    // A count asked for is exactly that many instances, so a solo session loaded beside them goes.
    await served.model.dropSolo();
    if (target === served.model.size) return;
    if (target > served.model.size) {
      const extra = (served.model.memoryBytes / served.model.size) * (target - served.model.size);
      await this.makeRoom(extra, served.repo, served);
    }
    await served.model.resize(target);
    served.batcher.reconfigure({ ...served.batcher.settings, maxConcurrency: served.model.size });
  }

  /** Set by the server: how pipelines fetch image URLs and bound pixels. */
  runContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };

  private async makeRoom(bytes: number, repo: string, keep?: ServedModel): Promise<void> {
    const budget = this.options.maxMemoryBytes;
    if (bytes > budget) throw new ModaError('MODEL_MEMORY_EXHAUSTED', `${repo} needs about ${bytes} bytes, more than the whole model memory budget (MODA_MAX_MODEL_MEMORY = ${budget})`);
    const candidates = [...this.loaded.values()].filter((served) => served !== keep && !served.pinned && served.batcher.idle && !served.generating).sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.usedBytes() + this.reserved + bytes > budget) {
      const victim = candidates.shift();
      if (!victim) {
        throw new ModaError('MODEL_MEMORY_EXHAUSTED', `${repo} does not fit next to the models in use (${this.usedBytes()} of ${budget} bytes held); retry later or raise MODA_MAX_MODEL_MEMORY`, { details: { retryAfterSeconds: 5 } });
      }
      await this.unload(victim);
    }
  }

  /**
   * Runs inputs through the model's queue. A batch whose process was stopped by another batch (past
   * its deadline) runs once more, on the model loaded afresh.
   */
  async run(served: ServedModel, inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, options: SubmitOptions = {}): Promise<unknown[]> {
    try {
      return await this.runOnce(served, inputs, parameters, options);
    } catch (error) {
      if (!isModaError(error) || error.details?.requeue !== true || options.signal?.aborted) throw error;
      const fresh = await this.acquire(served.snapshot, served.task);
      return this.runOnce(fresh, inputs, parameters, options);
    }
  }

  private async runOnce(served: ServedModel, inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, options: SubmitOptions): Promise<unknown[]> {
    served.lastUsed = performance.now();
    const started = served.lastUsed;
    let failed = false;
    let error: unknown;
    try {
      return await served.batcher.submit(inputs, parameters, options);
    } catch (caught) {
      failed = true;
      error = caught;
      throw caught;
    } finally {
      served.lastUsed = performance.now();
      this.notify((observer) => observer.ran?.(served, { inputs: inputs.length, ms: served.lastUsed - started, failed, error }));
      // A model whose process died is dropped, so the next request loads it afresh (after a backoff when it crashed).
      if (served.model.broken) this.dropBroken(served);
      else if (!failed) this.failures.delete(served.key);
      if (this.keepAliveOf(served) === 0 && !served.pinned) void this.expire();
    }
  }

  /**
   * One generation through the model's generate(), counted while it runs: a generation ends only
   * once the model process has stopped it and freed its sequence, so the count is what the
   * deployments page and /api/ps show as sequences in use.
   */
  async generate(served: ServedModel, request: GenerateRequest): Promise<GenerateResult> {
    const generate = served.model.generate;
    if (!generate) throw new ModaError('TASK_MISMATCH', `${served.repo} does not generate text`);
    served.generating = (served.generating ?? 0) + 1;
    served.lastUsed = performance.now();
    const started = served.lastUsed;
    let lastText: number | undefined;
    let firstTextMs: number | undefined;
    const gapsMs: number[] = [];
    const onText = request.onText;
    try {
      const result = await generate({
        ...request,
        onText: (delta, logprobs) => {
          const now = performance.now();
          if (lastText === undefined) firstTextMs = now - started;
          else gapsMs.push(now - lastText);
          lastText = now;
          onText?.(delta, logprobs);
        },
      });
      this.notify((observer) => observer.generated?.(served, { promptTokens: result.promptTokens, completionTokens: result.completionTokens, firstTextMs, gapsMs }));
      return result;
    } finally {
      served.generating -= 1;
      served.lastUsed = performance.now();
    }
  }

  private dropBroken(served: ServedModel): void {
    if (this.loaded.get(served.key) !== served) return;
    const failure = served.model.failure;
    if (isCrash(failure)) this.recordCrash(served.key, failure, 'run');
    void this.unload(served);
  }

  async unload(served: ServedModel): Promise<void> {
    if (this.loaded.get(served.key) !== served) return;
    this.loaded.delete(served.key);
    this.notify((observer) => observer.unloaded?.(served));
    await served.batcher.whenIdle();
    await served.model.dispose();
  }

  /** How long the model may stay idle before it is unloaded (pinned models excepted). */
  keepAliveOf(served: ServedModel): number {
    return served.keepAliveMs ?? this.options.keepAliveMs;
  }

  /** Unloads idle, unpinned models not used for keep-alive, and models whose process died outside a batch (generation, token counts). */
  async expire(now = performance.now()): Promise<void> {
    for (const served of [...this.loaded.values()]) {
      if (served.model.broken) this.dropBroken(served);
      if (!served.pinned && served.batcher.idle && !served.generating && now - served.lastUsed >= this.keepAliveOf(served)) await this.unload(served);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.loading.values()]);
    await Promise.all([...this.loaded.values()].map((served) => this.unload(served)));
  }
}
