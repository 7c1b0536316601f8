// Dynamic batching for one loaded model. While the model is busy, requests queue; when it frees,
// waiting inputs with the same parameters run together, up to the batch size. A model with several
// instances runs up to that many batches at once (`maxConcurrency`). An idle model runs a
// request at once, so a lone client pays no batching delay. The queue is bounded (429), each request
// may carry a deadline (504) and an AbortSignal (its queued work is dropped when the client leaves),
// and a batch that fails is retried request by request, so one bad input fails only its own request.
import { ModaError, isModaError } from '../errors/moda-error.js';
import { DrainRate } from './drain-rate.js';

/** Bounds of the Retry-After a refused request is given, in seconds. */
const MIN_RETRY_AFTER_S = 1;
const MAX_RETRY_AFTER_S = 30;

/** What the batcher knows of a batch as it starts it. */
export interface BatchInfo {
  /** Nothing else runs or waits: the batch may have every core to itself. */
  alone: boolean;
}

export type RunBatch = (inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, info: BatchInfo) => Promise<unknown[]>;

export interface BatcherOptions {
  maxBatchSize: number;
  /** How long the first waiting request may wait for others when the model is idle; 0 = never. */
  maxQueueDelayMs: number;
  /** Most inputs waiting; more get QUEUE_FULL. */
  maxQueue: number;
  /** Batches run at the same time (one per model instance); default 1. */
  maxConcurrency?: number;
}

export interface SubmitOptions {
  signal?: AbortSignal;
  /** Absolute time (performance.now()) after which the request gets INFERENCE_TIMEOUT. */
  deadline?: number;
}

interface Waiting {
  inputs: readonly unknown[];
  parameters: Readonly<Record<string, unknown>>;
  key: string;
  enqueuedAt: number;
  resolve(outputs: unknown[]): void;
  reject(error: unknown): void;
  cleanup(): void;
  settled: boolean;
}

export interface BatcherStats {
  queuedInputs: number;
  running: boolean;
  /** Batches running now. */
  runningBatches: number;
  batches: number;
  /** Count of batches by size, for the metrics histogram. */
  batchSizes: Map<number, number>;
}

/** Whether a batch failed because its model's process ended (load-in-child.ts marks those errors). */
function processEnded(error: unknown): boolean {
  return isModaError(error) && (error.details?.crash !== undefined || error.details?.requeue === true);
}

export class Batcher {
  private readonly queue: Waiting[] = [];
  private queuedInputs = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private batches = 0;
  private readonly batchSizes = new Map<number, number>();
  private idleWaiters: (() => void)[] = [];
  private readonly drain = new DrainRate();
  /** Told each batch's input count as the batch starts (the metrics' batch-size histogram). */
  onBatch: ((size: number) => void) | undefined;

  constructor(
    private readonly run: RunBatch,
    private options: BatcherOptions,
  ) {}

  /** New batching settings (a deployment's), applied from the next batch on. */
  reconfigure(options: BatcherOptions): void {
    this.options = { ...options };
    this.schedule();
  }

  get settings(): Readonly<BatcherOptions> {
    return this.options;
  }

  stats(): BatcherStats {
    return { queuedInputs: this.queuedInputs, running: this.running > 0, runningBatches: this.running, batches: this.batches, batchSizes: new Map(this.batchSizes) };
  }

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return this.running === 0 && this.queue.length === 0;
  }

  /** Resolves once the batcher is idle. */
  whenIdle(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True when `count` more inputs would not be let into the queue now. */
  full(count: number): boolean {
    return this.queuedInputs + count > this.options.maxQueue && this.queue.length > 0;
  }

  /**
   * QUEUE_FULL when `count` more inputs would not fit in the queue, else undefined. A request is
   * always let in when nothing waits, so a batch larger than the queue still runs. Retry-After is
   * the time the waiting inputs take to drain at the model's recent pace (1–30 s), so refused
   * clients come back when there is room rather than all at once a second later.
   */
  refusal(count: number): ModaError | undefined {
    if (!this.full(count)) return undefined;
    const retryAfterSeconds = this.drain.secondsToDrain(this.queuedInputs, MIN_RETRY_AFTER_S, MAX_RETRY_AFTER_S);
    return new ModaError('QUEUE_FULL', `${this.queuedInputs} inputs are already waiting for this model; retry in ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
  }

  submit(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, options: SubmitOptions = {}): Promise<unknown[]> {
    if (inputs.length === 0) return Promise.reject(new ModaError('BATCH_EMPTY'));
    if (options.signal?.aborted) return Promise.reject(new ModaError('REQUEST_CANCELLED'));
    const refusal = this.refusal(inputs.length);
    if (refusal) return Promise.reject(refusal);
    return new Promise<unknown[]>((resolve, reject) => {
      const entry: Waiting = {
        inputs,
        parameters,
        key: JSON.stringify(parameters),
        enqueuedAt: performance.now(),
        settled: false,
        resolve: (outputs) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.cleanup();
          resolve(outputs);
        },
        reject: (error) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.cleanup();
          reject(error);
        },
        cleanup: () => undefined,
      };
      const drop = (error: ModaError) => {
        const index = this.queue.indexOf(entry);
        if (index >= 0) {
          this.queue.splice(index, 1);
          this.queuedInputs -= entry.inputs.length;
        }
        // A request already running cannot be interrupted; it is only answered early.
        entry.reject(error);
        this.notifyIdle();
      };
      const onAbort = () => drop(new ModaError('REQUEST_CANCELLED'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const timeout = options.deadline === undefined ? undefined : setTimeout(() => drop(new ModaError('INFERENCE_TIMEOUT')), Math.max(0, options.deadline - performance.now()));
      entry.cleanup = () => {
        options.signal?.removeEventListener('abort', onAbort);
        if (timeout) clearTimeout(timeout);
      };
      this.queue.push(entry);
      this.queuedInputs += inputs.length;
      this.schedule();
    });
  }

  private get concurrency(): number {
    return Math.max(1, this.options.maxConcurrency ?? 1);
  }

  private schedule(): void {
    if (this.running >= this.concurrency || this.queue.length === 0 || this.timer) return;
    const waited = performance.now() - (this.queue[0]?.enqueuedAt ?? 0);
    const delay = this.queuedInputs >= this.options.maxBatchSize ? 0 : this.options.maxQueueDelayMs - waited;
    if (delay <= 0) {
      void this.runNext();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runNext();
    }, delay);
  }

  /** Takes the head request and every following one with the same parameters that fits. */
  private takeBatch(): Waiting[] {
    const head = this.queue[0];
    if (!head) return [];
    const batch: Waiting[] = [];
    let size = 0;
    for (let index = 0; index < this.queue.length; ) {
      const entry = this.queue[index];
      if (!entry) break;
      const fits = batch.length === 0 || size + entry.inputs.length <= this.options.maxBatchSize;
      if (entry.key === head.key && fits) {
        batch.push(entry);
        size += entry.inputs.length;
        this.queue.splice(index, 1);
        this.queuedInputs -= entry.inputs.length;
        if (size >= this.options.maxBatchSize) break;
      } else {
        index++;
      }
    }
    return batch;
  }

  private async runNext(): Promise<void> {
    if (this.running >= this.concurrency) return;
    const batch = this.takeBatch();
    if (batch.length === 0) return this.notifyIdle();
    const alone = this.running === 0 && this.queue.length === 0;
    this.running++;
    // Another instance may be free: let the next batch start beside this one.
    if (this.queue.length > 0) queueMicrotask(() => this.schedule());
    try {
      const inputs = batch.flatMap((entry) => entry.inputs);
      this.batches++;
      this.batchSizes.set(inputs.length, (this.batchSizes.get(inputs.length) ?? 0) + 1);
      this.onBatch?.(inputs.length);
      try {
        const outputs = await this.run(inputs, batch[0]?.parameters ?? {}, { alone });
        this.drain.record(inputs.length);
        let offset = 0;
        for (const entry of batch) {
          entry.resolve(outputs.slice(offset, offset + entry.inputs.length));
          offset += entry.inputs.length;
        }
      } catch (error) {
        // A batch whose model process ended (its deadline, a crash) is not split: each request of it
        // would only meet the stopped process again, or stop the restarted one for as long once more.
        if (batch.length === 1 || processEnded(error)) for (const entry of batch) entry.reject(error);
        // One request's bad input must not fail the others that happened to share its batch.
        else for (const entry of batch) await this.run(entry.inputs, entry.parameters, { alone: false }).then(entry.resolve, entry.reject);
      }
    } finally {
      this.running--;
      if (this.queue.length > 0) this.schedule();
      else this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
