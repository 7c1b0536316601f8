// One preparation of a commit at a time among the processes that share a dataset cache: a push starts
// a `dataset-prepare` job in a job process while the viewer's first request prepares lazily in the
// server, and both used to convert the same files side by side, each at half the machine (the 1 GiB
// bench: 28.8 s where one alone took 16 s). The holder creates `<commit>.lock` exclusively and
// touches it while it works; the others wait for its manifest, and take over when the holder ends
// without one (cancelled, failed) or stops touching the file (its process died).
import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { ModaError } from '../errors/moda-error.js';

export interface PreparationLockOptions {
  signal?: AbortSignal;
  /** How often a waiter looks for the holder's result. */
  pollMs?: number;
  /** A lock untouched this long belongs to a process that died on another host. */
  staleMs?: number;
}

const HOST = hostname();

/** Whether the lock's holder is gone: a dead process on this host, or no touch for `staleMs`. */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  const [info, text] = await Promise.all([stat(path).catch(() => undefined), readFile(path, 'utf8').catch(() => undefined)]);
  if (!info || text === undefined) return false;
  if (Date.now() - info.mtimeMs > staleMs) return true;
  const [host, pid] = text.split('\n');
  if (host !== HOST || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `work` holding the lock at `path`, or returns what `finished()` finds once another process's
 * preparation ends with a result. `finished` is asked before each try, so a result that is already
 * there costs no lock.
 */
export async function withPreparationLock<T>(path: string, finished: () => Promise<T | undefined>, work: () => Promise<T>, options: PreparationLockOptions = {}): Promise<T> {
  const pollMs = options.pollMs ?? 200;
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    const done = await finished();
    if (done !== undefined) return done;
    if (options.signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'dataset preparation was cancelled');
    const handle = await open(path, 'wx').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return undefined;
    });
    if (handle) {
      try {
        await handle.writeFile(`${HOST}\n${process.pid}\n`);
      } finally {
        await handle.close();
      }
      const touch = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => undefined), Math.max(1000, Math.floor(staleMs / 4)));
      try {
        return await work();
      } finally {
        clearInterval(touch);
        await unlink(path).catch(() => undefined);
      }
    }
    // Two waiters may both find a dead holder: the second removal can then take the first's new
    // lock, and both prepare; the rename into place keeps that correct, only the work is doubled.
    if (await isStale(path, staleMs)) await unlink(path).catch(() => undefined);
    else await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
