// Starts a throwaway redis-server on a free 127.0.0.1 port in a temp dir for a test. Redis must be
// installed (CI's .ci/run installs Debian's `redis-server`): a missing server is an error, never a
// skip. `noeviction` as BullMQ needs it; no persistence, since a test's Redis lives for one test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface RedisTestServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`), keeping its port for restart(). */
  kill(hard?: boolean): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  const launch = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    const failed = new Promise<never>((_resolve, reject) => {
      started.once('error', (error) => reject(new Error('redis-server could not start; install it (Debian: apt-get install -y redis-server; .ci/run does this)', { cause: error })));
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it answered`)));
    });
    await Promise.race([waitForPort(port), failed]);
  };
  const kill = async (hard = false) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill(true);
      process.off('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (10 s at most). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
