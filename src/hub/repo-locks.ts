// Serialises multi-step writes per key (a branch's ref update and the index rows that follow it).
// In one process a keyed mutex is enough; replicas sharing a database add a lock in that database.
export interface RepoLocks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
