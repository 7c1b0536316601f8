// Runs `moda serve` as a real child process (its own process group) so a test can SIGKILL the
// server together with the git processes it spawned, as a crash or the OOM killer would.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const live = new Set<ChildProcess>();
// A failed assertion must not leave servers behind that keep the test runner alive.
process.once('exit', () => {
  for (const child of live) killGroup(child);
});

export interface ModaProcess {
  url: string;
  pid: number;
  /** fetch with `Authorization: Bearer <token>` (the admin token unless `token` is given; null: none). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /**
   * SIGKILL the server and every process it started (a crash of the machine's processes), or with
   * `onlyServer` just the server (as the OOM killer would), leaving its git children orphaned.
   * Resolves once the server is gone.
   */
  kill(options?: { onlyServer?: boolean }): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
}

export interface ModaProcessOptions {
  home: string;
  adminToken: string;
  /** Extra MODA_* variables. */
  env?: Record<string, string>;
}

/** A port nobody listens on right now (the OS picks it; `--port 0` would not tell us which). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export async function startModaProcess(options: ModaProcessOptions): Promise<ModaProcess> {
  // Another process may grab the free port between close and listen; then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('EADDRINUSE')) throw error;
    }
  }
}

async function startOnce(options: ModaProcessOptions, port: number): Promise<ModaProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MODA_')) env[key] = value;
  Object.assign(env, { MODA_HOME: options.home, MODA_ADMIN_TOKEN: options.adminToken, MODA_LOG_LEVEL: 'silent', MODA_CATALOG: '0' }, options.env);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(() => live.delete(child));
  const url = `http://127.0.0.1:${port}`;

  let running = true;
  void exited.then(() => (running = false));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running) throw new Error(`moda serve exited during start-up:\n${output}`);
    // The start-up line first: should another process have taken the port, its /healthz is not ours.
    const healthy =
      output.includes(`listening on ${url}`) &&
      (await fetch(`${url}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      ));
    if (healthy) break;
    if (Date.now() > deadline) {
      killGroup(child);
      throw new Error(`moda serve did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    pid: child.pid ?? 0,
    request(path, init = {}) {
      const { token = options.adminToken, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    async kill({ onlyServer = false } = {}) {
      if (running && onlyServer) child.kill('SIGKILL');
      else if (running) killGroup(child);
      await exited;
    },
    async stop() {
      if (running) child.kill('SIGTERM');
      await exited;
    },
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
