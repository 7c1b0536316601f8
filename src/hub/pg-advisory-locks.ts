// Write locks that hold across replicas sharing one PostgreSQL database: each key is a
// transaction-scoped advisory lock (pg_advisory_xact_lock), so a replica that dies mid-write loses
// its lock with its connection (measured: free 0.3 s after a SIGKILL, reference/cluster.md) and
// nothing is left to clean up. The locks use their own small pool: a lock transaction stays open
// while the work it guards runs queries on the main pool, and sharing one pool could starve it.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { ModaError } from '../errors/moda-error.js';
import { KeyedMutex } from './keyed-mutex.js';
import { lockOrder, type RepoLocks } from './repo-locks.js';

/** PostgreSQL's SQLSTATE when lock_timeout runs out. */
const LOCK_NOT_AVAILABLE = '55P03';

/** A signed 64-bit lock id from a key of any length: advisory locks are keyed by one bigint. */
export function advisoryLockId(key: string): string {
  return createHash('sha256').update(`moda-repo-lock\0${key}`).digest().readBigInt64BE(0).toString();
}

export class PgAdvisoryLocks implements RepoLocks {
  // In-process waiters queue here first, so one process holds at most one connection per key.
  private readonly local = new KeyedMutex();
  private readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    private readonly options: { timeoutMs?: number; maxConnections?: number } = {},
  ) {
    this.pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 8 });
    // An idle client whose server went away must not crash the process; the next lock reconnects.
    this.pool.on('error', () => undefined);
  }

  run<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T> {
    const ordered = lockOrder(keys);
    // One connection takes every key, in order, inside one transaction.
    return this.local.run(ordered, async () => {
      const client = await this.pool.connect();
      let healthy = true;
      // A connection lost while checked out reports here, not on the pool; the lock is gone with it
      // and git's compare-and-swap still guards the ref.
      const lost = () => (healthy = false);
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('lock_timeout', $1, true)", [`${this.options.timeoutMs ?? 60_000}ms`]);
        try {
          for (const key of ordered) await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryLockId(key)]);
        } catch (error) {
          if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
            throw new ModaError('HUB_COMMIT_CONFLICT', 'another replica has held this branch for too long; try again', { cause: error });
          }
          throw error;
        }
        return await work();
      } finally {
        // COMMIT ends the transaction whatever happened in it, and with it the lock.
        if (healthy) await client.query('COMMIT').catch(() => (healthy = false));
        client.off('error', lost);
        client.release(!healthy);
      }
    });
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.pool.end();
  }
}
