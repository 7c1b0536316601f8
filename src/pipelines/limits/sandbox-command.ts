// Wraps an external program (tesseract, espeak-ng) in limits the server sets, whatever the model's
// configuration says: address space and CPU time through prlimit(1), no network through a new
// network namespace (unshare -n), and, when the server runs as root, the unprivileged `nobody`
// user through setpriv(1) with a cap on its process count. Each tool is used when it is installed
// (util-linux ships all three); without one, that limit is missing and the others still apply.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEFAULT_PIPELINE_LIMITS, type PipelineLimits } from './pipeline-limits.js';

export interface SandboxLimits {
  /** RLIMIT_AS of the program. */
  memoryBytes: number;
  /** RLIMIT_CPU of the program, in seconds of CPU time. */
  cpuSeconds: number;
  /** RLIMIT_NPROC of the unprivileged user the program runs as (only when it runs as `nobody`). */
  processes: number;
  /** Wall-clock time one run may take; the caller's timer kills it past this. */
  timeoutMs: number;
}

/** Processes (and threads) the `nobody` user may hold at once, all runs together. */
const NOBODY_PROCESSES = 64;

/** The server's limits for one external program run (MODA_EXTERNAL_PROGRAM_*), whatever a model's configuration asks. */
export function sandboxLimits(limits: Pick<PipelineLimits, 'externalMemoryBytes' | 'externalTimeoutMs'> = DEFAULT_PIPELINE_LIMITS): SandboxLimits {
  return {
    memoryBytes: limits.externalMemoryBytes,
    // A run cannot use more CPU than wall-clock time on one core; the floor of 1 s is prlimit's unit.
    cpuSeconds: Math.max(1, Math.ceil(limits.externalTimeoutMs / 1000)),
    processes: NOBODY_PROCESSES,
    timeoutMs: limits.externalTimeoutMs,
  };
}

/** The `nobody` user and group of Debian and most Linux distributions. */
export const NOBODY = 65534;

export interface SandboxedCommand {
  command: string;
  args: string[];
  /** What applies to this run, for logs and tests. */
  applied: { memory: boolean; network: boolean; user: boolean };
}

function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

let tools: { prlimit?: string; unshare?: string; setpriv?: string } | undefined;

function findTools(): NonNullable<typeof tools> {
  tools ??= Object.fromEntries((['prlimit', 'unshare', 'setpriv'] as const).flatMap((name) => {
    const file = onPath(name) ?? onPath(name, '/usr/bin:/bin:/usr/sbin:/sbin');
    return file ? [[name, file]] : [];
  }));
  return tools;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Whether a program started with `asNobody` runs as `nobody`: the server is root and setpriv is
 * installed. The files such a program reads must then be readable by `nobody`.
 */
export function dropsToNobody(): boolean {
  return isRoot() && findTools().setpriv !== undefined;
}

/**
 * `binary args…` as a command line that applies `limits` before the program starts. `asNobody`:
 * drop to `nobody` when the server is root (the program must then need no file of the server's).
 * A binary not on PATH is returned unwrapped, so spawning it fails with ENOENT as before.
 */
export function sandboxCommand(binary: string, args: readonly string[], options: { asNobody: boolean; limits?: SandboxLimits }): SandboxedCommand {
  const limits = options.limits ?? sandboxLimits();
  if (!binary.includes('/') && onPath(binary) === undefined) return { command: binary, args: [...args], applied: { memory: false, network: false, user: false } };
  const found = findTools();
  const root = isRoot();
  const chain: string[] = [];
  // Order matters: the namespace needs root, so it comes before dropping to nobody; prlimit comes
  // last so its limits are the program's own.
  const network = root && found.unshare !== undefined;
  if (network) chain.push(found.unshare as string, '--net', '--');
  const user = options.asNobody && root && found.setpriv !== undefined;
  if (user) chain.push(found.setpriv as string, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--');
  const memory = found.prlimit !== undefined;
  if (memory) chain.push(found.prlimit as string, `--as=${limits.memoryBytes}`, `--cpu=${limits.cpuSeconds}`, ...(user ? [`--nproc=${limits.processes}`] : []), '--');
  const [command = binary, ...rest] = [...chain, binary, ...args];
  return { command, args: rest, applied: { memory, network, user } };
}
