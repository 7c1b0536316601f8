// Describes the machine a run happened on, so numbers in RESULTS.md can be compared across runs.
import { readFile } from 'node:fs/promises';
import { availableParallelism, release } from 'node:os';
import { runCommand } from './child-process.js';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  tools: string[];
}

/** 1/5/15-minute load averages: other work on the machine skews every number. */
export async function loadAverage(): Promise<string> {
  const text = await readFile('/proc/loadavg', 'utf8').catch(() => '');
  return text.split(' ').slice(0, 3).join(' ');
}

async function firstLine(command: string, args: string[]): Promise<string> {
  // Not the exit code: `wrk -v` prints its version and exits with 1.
  const result = await runCommand(command, args, { timeoutMs: 10_000 }).catch(() => undefined);
  const text = (result?.stdout || result?.stderr || '').trim();
  return text === '' ? `${command}: not available` : (text.split('\n')[0] ?? '');
}

export async function describeMachine(): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  return {
    date: await firstLine('date', ['-u']),
    cpus: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memory: `${(memKb / 1024 / 1024).toFixed(1)} GiB`,
    kernel: release(),
    node: process.version,
    // nginx prints its version on stderr; firstLine takes whichever stream has text.
    tools: await Promise.all([firstLine('nginx', ['-v']), firstLine('wrk', ['-v']), firstLine('curl', ['--version']), firstLine('sha256sum', ['--version'])]),
  };
}
