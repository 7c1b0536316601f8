// Starts the built Moda server (`node dist/cli/main.js serve`) as a child process on a free
// loopback port, so the benchmark client and the server do not share an event loop.
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startService, type Service } from './child-process.js';

export const ADMIN_TOKEN = 'hf_bench_admin';

export interface ModaServer {
  url: string;
  home: string;
  token: string;
  /** Milliseconds from spawn to "listening" (includes start-up recovery over every repo row). */
  startMs: number;
  service: Service;
  stop(): Promise<void>;
}

export interface StartModaOptions {
  repoRoot: string;
  /** MODA_HOME; reused as is, so a server can be restarted over the same data. */
  home: string;
  /** Extra node flags, e.g. `--cpu-prof` when profiling. */
  nodeFlags?: string[];
  /** Import the starter catalog on start (MODA_CATALOG=1); off by default. /readyz says when it is done. */
  catalog?: boolean;
  timeoutMs?: number;
  /** Extra environment, e.g. MODA_BLOB_STORE and the S3 settings. */
  env?: Record<string, string>;
}

export async function startModa(options: StartModaOptions): Promise<ModaServer> {
  const port = await freePort();
  const started = performance.now();
  const { service } = await startService(
    process.execPath,
    [...(options.nodeFlags ?? []), join(options.repoRoot, 'dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--home', options.home],
    {
      cwd: options.repoRoot,
      env: { ...process.env, MODA_HOME: options.home, MODA_ADMIN_TOKEN: ADMIN_TOKEN, MODA_LOG_LEVEL: 'warn', MODA_PUBLIC_URL: '', MODA_CATALOG: options.catalog ? '1' : '0', ...options.env },
      ready: /Moda listening on (\S+)/,
      timeoutMs: options.timeoutMs ?? 120_000,
    },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    home: options.home,
    token: ADMIN_TOKEN,
    startMs: performance.now() - started,
    service,
    stop: () => service.stop(),
  };
}
