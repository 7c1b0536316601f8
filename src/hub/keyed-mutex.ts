// Serialises async work per key inside one process (e.g. commits to one branch), so concurrent
// writers queue instead of racing. Cross-process safety comes from compare-and-swap refs and, on
// PostgreSQL, from advisory locks (pg-advisory-locks.ts).
import { lockOrder, type RepoLocks } from './repo-locks.js';

export class KeyedMutex implements RepoLocks {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T> {
    const [first, ...rest] = lockOrder(keys);
    if (first === undefined) return work();
    return this.runOne(first, () => (rest.length === 0 ? work() : this.run(rest, work)));
  }

  private async runOne<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
