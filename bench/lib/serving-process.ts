// What the serving benchmark watches in a server process: its resident memory (VmRSS in
// /proc/<pid>/status), read once or sampled while a load runs, and when it has gone idle again.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds } from './process-cpu.js';

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** VmRSS of `pid` and every process below it (a server's job and model processes). */
export async function treeRssBytes(pid: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // The parent pid is the 4th field of /proc/<pid>/stat, after the command name in parentheses.
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(parent)) parents.set(Number(name), parent);
  }
  const inTree = (candidate: number): boolean => {
    for (let current: number | undefined = candidate; current !== undefined && current > 1; current = parents.get(current)) if (current === pid) return true;
    return false;
  };
  let total = 0;
  for (const candidate of parents.keys()) if (inTree(candidate)) total += await rssBytes(candidate).catch(() => 0);
  return total;
}

export interface RssTrace {
  startBytes: number;
  endBytes: number;
  maxBytes: number;
}

/** Samples a process's resident memory every `intervalMs` until `stop()`, which returns the trace. */
export async function traceRss(pid: number, intervalMs = 250, options: { tree?: boolean } = {}): Promise<{ stop(): Promise<RssTrace> }> {
  const measure = options.tree ? treeRssBytes : rssBytes;
  const startBytes = await measure(pid);
  let maxBytes = startBytes;
  const timer = setInterval(() => {
    void measure(pid).then(
      (bytes) => (maxBytes = Math.max(maxBytes, bytes)),
      () => undefined,
    );
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const endBytes = await measure(pid);
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
