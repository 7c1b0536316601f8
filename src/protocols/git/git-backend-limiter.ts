// Caps the `git http-backend` processes (each with an upload-pack or receive-pack below it) that
// run at once, in all and per client address: a slow clone holds two processes for as long as its
// client likes (measured: 300 connections → 760 processes). Beyond the caps a request gets 503
// (all slots taken) or 429 (this address holds its share), with Retry-After.
import { ModaError } from '../../errors/moda-error.js';

/** Seconds a refused client is told to wait: a transfer slot frees up about this often under load. */
const RETRY_AFTER_SECONDS = 5;

export class GitBackendLimiter {
  private running = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerClient: number,
  ) {}

  /** Takes a slot for `client` or throws; the returned function gives it back (once). */
  acquire(client: string): () => void {
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.maxPerClient) {
      throw new ModaError('GIT_CLIENT_BUSY', `this address already runs ${held} git transfers (at most ${this.maxPerClient})`, { details: { retryAfterSeconds: RETRY_AFTER_SECONDS } });
    }
    if (this.running >= this.max) {
      throw new ModaError('GIT_BACKEND_BUSY', `${this.running} git transfers are running (at most ${this.max})`, { details: { retryAfterSeconds: RETRY_AFTER_SECONDS } });
    }
    this.running++;
    this.perClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
  }

  get size(): number {
    return this.running;
  }
}
