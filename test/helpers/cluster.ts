// A whole Moda cluster on one machine for a test: PostgreSQL, Redis, `moda migrate`, N `moda serve`
// replicas as real processes sharing one MODA_HOME (blobs, server secret) and one MODA_GIT_ROOT, and
// nginx in front with the shipped deploy/nginx/moda.conf — all on free 127.0.0.1 ports in a temp
// dir, and all of it removed by stop(). Every tool must be installed (.ci/run installs them):
// a missing one is an error, never a skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { ADMIN_TOKEN } from './moda-server.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { startRedisServer, waitForPort, type RedisTestServer } from './redis-server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Replica {
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** Sends `signal` and waits for the exit; resolves with the exit code (null when killed). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  /** Starts the replica again on the same port and waits until it is ready. */
  restart(): Promise<void>;
}

export interface ModaCluster {
  /** nginx: what clients talk to. */
  url: string;
  replicas: Replica[];
  home: string;
  gitRoot: string;
  postgres: PostgresCluster;
  redis: RedisTestServer;
  /** `moda <args>` as a process with the cluster's environment; resolves with its exit and output. */
  moda(args: string[]): Promise<{ code: number | null; output: string }>;
  /** fetch through nginx with the admin token unless `token` is given (null: anonymous). */
  request(path: string, init?: RequestInit & { token?: string | null; base?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  replicas?: number;
  /** Extra environment for every replica. */
  env?: Record<string, string>;
  /** Start nginx in front (default true). */
  nginx?: boolean;
}

export async function startCluster(options: ClusterOptions = {}): Promise<ModaCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-cluster-'));
  const home = join(dir, 'home');
  const gitRoot = join(dir, 'git');
  await mkdir(home, { recursive: true });
  await mkdir(gitRoot, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [postgres, redis] = await Promise.all([startPostgresCluster(), startRedisServer()]);
    cleanups.push(() => postgres.stop(), () => redis.stop());
    // Distinct ports up front: a port just released may be handed out again.
    const ports = new Set<number>();
    while (ports.size < (options.replicas ?? 2) + 1) ports.add(await freePort());
    const [nginxPort = 0, ...replicaPorts] = [...ports];
    const url = `http://127.0.0.1:${nginxPort}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MODA_')) env[key] = value;
    Object.assign(env, {
      MODA_HOME: home,
      MODA_GIT_ROOT: gitRoot,
      MODA_DATABASE_URL: postgres.url,
      MODA_REDIS_URL: redis.url,
      MODA_ADMIN_TOKEN: ADMIN_TOKEN,
      MODA_PUBLIC_URL: options.nginx === false ? '' : url,
      MODA_CATALOG: '0',
      MODA_LOG_LEVEL: 'warn',
      MODA_MIGRATE_ON_START: '0',
      // Longer than nginx's upstream keepalive_timeout (2 s in deploy/nginx/moda.conf), as deployed.
      MODA_SHUTDOWN_DELAY: '3s',
      MODA_TRUST_PROXY: '127.0.0.1',
      ...options.env,
    });
    const moda = (args: string[]) => runModa(args, env);
    const migrated = await moda(['migrate']);
    if (migrated.code !== 0) throw new Error(`moda migrate failed: ${migrated.output}`);
    const replicas: Replica[] = [];
    for (const [index, port] of replicaPorts.entries()) replicas.push(replicaOf(`web-${index + 1}`, port, env));
    cleanups.push(() => Promise.all(replicas.map((replica) => replica.stop('SIGKILL'))));
    await Promise.all(replicas.map((replica) => replica.restart()));
    if (options.nginx !== false) {
      const nginx = await startNginx(join(dir, 'nginx'), nginxPort, replicas.map((replica) => replica.port));
      cleanups.push(nginx);
    }
    return {
      url,
      replicas,
      home,
      gitRoot,
      postgres,
      redis,
      moda,
      request(path, init = {}) {
        const { token = ADMIN_TOKEN, base = url, ...rest } = init;
        const headers = new Headers(rest.headers);
        if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
        return fetch(`${base}${path}`, { ...rest, headers });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runModa(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

function replicaOf(name: string, port: number, env: NodeJS.ProcessEnv): Replica {
  let child: ChildProcess | undefined;
  let output = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  const replica: Replica = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    get process() {
      if (!child) throw new Error(`${name} is not running`);
      return child;
    },
    output: () => output,
    async stop(signal) {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return running?.exitCode ?? null;
      const exited = once(running, 'exit') as Promise<[number | null]>;
      running.kill(signal);
      const [code] = await exited;
      if (signal === 'SIGKILL') process.off('exit', killOnExit);
      return code;
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) await replica.stop('SIGKILL');
      process.on('exit', killOnExit);
      const started = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      for (let waited = 0; ; waited += 100) {
        if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode} while starting:\n${output.slice(-3000)}`);
        if (waited > 90_000) throw new Error(`${name} was not ready after 90 s:\n${output.slice(-3000)}`);
        const ready = await fetch(`${replica.url}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  return replica;
}

/** The shipped nginx config with this cluster's replicas and port, run as a non-daemon master. */
async function startNginx(dir: string, port: number, replicaPorts: number[]): Promise<() => Promise<void>> {
  const which = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const binary = which.stdout.trim().split('\n')[0];
  if (which.status !== 0 || !binary) throw new Error('nginx is not installed (Debian: apt-get install -y nginx; .ci/run does this)');
  await mkdir(join(dir, 'temp'), { recursive: true });
  const shipped = await readFile(join(REPO_ROOT, 'deploy/nginx/moda.conf'), 'utf8');
  const servers = replicaPorts.map((replicaPort) => `server 127.0.0.1:${replicaPort} max_fails=1 fail_timeout=1s;`).join('\n    ');
  const site = shipped.replaceAll('server moda-web:8080 max_fails=1 fail_timeout=1s;', servers).replace('listen 8080;', `listen 127.0.0.1:${port};`);
  if (site === shipped || !site.includes(`127.0.0.1:${port}`)) throw new Error('deploy/nginx/moda.conf no longer has the lines the test harness replaces');
  await writeFile(join(dir, 'moda.conf'), site);
  // Everything nginx writes goes under the temp dir; as root it must not switch to a missing user.
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      // One worker: on a 2-core machine a second one only competes with the replicas and wrk.
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'events { worker_connections 1024; }',
      'http {',
      `  access_log off;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, 'temp', kind)};`),
      `  include ${join(dir, 'moda.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const failed = once(child, 'exit').then(async () => {
    throw new Error(`nginx exited while starting: ${errors}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
  });
  await Promise.race([waitForPort(port), failed]);
  failed.catch(() => undefined);
  return async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGQUIT');
      await exited;
    }
  };
}
