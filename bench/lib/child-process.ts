// Runs the external programs of the benchmarks (curl, wrk, sha256sum, nginx, Moda itself) with a
// hard time limit each, and remembers long-running children so an interrupted run leaves none behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** From spawn to exit, measured here so every tool is timed the same way. */
  wallMs: number;
}

export interface CommandOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const live = new Set<ChildProcess>();

/** Kills every service still running; for the runner's exit and signal handlers. */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export async function runCommand(command: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    const result = { code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), wallMs: performance.now() - started };
    if (timedOut) throw new Error(`${command} ${args.join(' ')} ran past ${options.timeoutMs} ms`);
    return result;
  } finally {
    clearTimeout(timer);
    live.delete(child);
  }
}

/** Like runCommand, but a non-zero exit is an error that carries the tool's own message. */
export async function runChecked(command: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new Error(`${command} exited with ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
  return result;
}

export interface Service {
  child: ChildProcess;
  /** The last output of the service, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Readiness: a line of output matching this, or else a TCP port accepting connections. */
  ready: RegExp | { port: number };
  timeoutMs: number;
}

/** Starts a long-running program and resolves once it is ready to serve. */
export async function startService(command: string, args: string[], options: ServiceOptions): Promise<{ service: Service; match?: RegExpExecArray }> {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  // Keep draining both pipes for the service's whole life: a full pipe would block the server.
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');
  const service: Service = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return void live.delete(child);
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
      live.delete(child);
    },
  };
  const deadline = Date.now() + options.timeoutMs;
  const ready = options.ready;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited before it was ready:\n${output}`);
      if (ready instanceof RegExp) {
        const match = ready.exec(output);
        if (match) return { service, match };
      } else if (await accepts(ready.port)) {
        return { service };
      }
      await sleep(50);
    }
    throw new Error(`${command} was not ready after ${options.timeoutMs} ms:\n${output}`);
  } catch (error) {
    await service.stop();
    throw error;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
