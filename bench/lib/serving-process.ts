// What the serving benchmark watches in a server process: its resident memory (VmRSS in
// /proc/<pid>/status), read once or sampled while a load runs, and when it has gone idle again.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds } from './process-cpu.js';

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

export interface RssTrace {
  startBytes: number;
  endBytes: number;
  maxBytes: number;
}

/** Samples a process's resident memory every `intervalMs` until `stop()`, which returns the trace. */
export async function traceRss(pid: number, intervalMs = 250): Promise<{ stop(): Promise<RssTrace> }> {
  const startBytes = await rssBytes(pid);
  let maxBytes = startBytes;
  const timer = setInterval(() => {
    void rssBytes(pid).then(
      (bytes) => (maxBytes = Math.max(maxBytes, bytes)),
      () => undefined,
    );
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const endBytes = await rssBytes(pid);
      return { startBytes, endBytes, maxBytes: Math.max(maxBytes, endBytes) };
    },
  };
}

/**
 * Waits until a server has finished the work a load left behind (a naive route keeps running the
 * requests of clients that left; Moda finishes its current batch), so the next measurement does not
 * share the CPUs with it: until it uses under a tenth of a core over 300 ms, at most `timeoutMs`.
 */
export async function waitIdle(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let before = await cpuSeconds(pid);
  while (performance.now() < deadline) {
    await sleep(300);
    const now = await cpuSeconds(pid);
    if (now - before < 0.03) return;
    before = now;
  }
}
