// Hands out the sequences of one llama.cpp context to requests: a request takes a free sequence and
// its tokens join the context's next batch (continuous batching, done by llama.cpp's scheduler);
// beyond the sequences, up to `maxQueue` requests wait in order, and more are refused with
// QUEUE_FULL (429 + Retry-After) instead of piling up without bound.
import { ModaError } from '../../errors/moda-error.js';

export interface SequencePoolStats {
  sequences: number;
  inUse: number;
  queued: number;
}

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: unknown): void;
}

export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiting: Waiter<T>[] = [];

  constructor(
    private readonly items: readonly T[],
    private readonly maxQueue: number,
    /** Makes a returned item clean for the next request (clears its KV cache). */
    private readonly reset: (item: T) => Promise<void>,
  ) {
    this.free = [...items];
  }

  stats(): SequencePoolStats {
    return { sequences: this.items.length, inUse: this.items.length - this.free.length, queued: this.waiting.length };
  }

  /** A free item now, or after the requests ahead of this one; rejects when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(new ModaError('QUEUE_FULL', `all ${this.items.length} sequences of this model are generating and ${this.waiting.length} requests wait; retry shortly`, { details: { retryAfterSeconds: 1 } }));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (taken) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(taken);
        },
        reject,
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Gives an item back: it is reset, then goes to the first waiting request or back to the free list. */
  async release(item: T): Promise<void> {
    try {
      await this.reset(item);
    } finally {
      const next = this.waiting.shift();
      if (next) next.resolve(item);
      else this.free.push(item);
    }
  }
}

/** Why a wait or a generation stopped: the deadline (504) or the client leaving (499). */
export function abortError(signal: AbortSignal | undefined): ModaError {
  if (signal?.reason === 'deadline') return new ModaError('INFERENCE_TIMEOUT', 'the generation ran past its deadline and was stopped');
  return new ModaError('REQUEST_CANCELLED');
}
