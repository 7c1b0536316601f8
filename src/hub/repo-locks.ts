// Serialises multi-step writes per key (a repo's ref updates and the index rows that follow them).
// In one process a keyed mutex is enough; replicas sharing a database add a lock in that database.
export interface RepoLocks {
  /**
   * Runs `work` holding every key. Several keys (a repo move holds the repo and its new name) are
   * taken in sorted order, whoever asks, so two writers can never each hold one and wait for the other.
   */
  run<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The keys of a `run` call, distinct and in the one order every caller takes them. */
export function lockOrder(keys: string | readonly string[]): string[] {
  return [...new Set(typeof keys === 'string' ? [keys] : keys)].sort();
}
