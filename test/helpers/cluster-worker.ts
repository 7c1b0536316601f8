// `moda worker` processes for the cluster job tests (test/cluster-jobs*.test.ts): started with a
// cluster's settings (test/helpers/cluster.ts) and the test job types, stopped by a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { startCluster, type ModaCluster } from './cluster.js';
import { TEST_JOB_MODULE } from './jobs.js';
import { ADMIN_TOKEN } from './moda-server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerOptions {
  /** The server URL jobs call back (default the cluster's nginx). */
  publicUrl?: string;
  /** Extra environment (MODA_NODE_NAME, MODA_CLUSTER_LEASE, …). */
  env?: Record<string, string>;
}

export interface ClusterWorker {
  process: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
}

/** Starts the worker processes of one test file and kills those still running at its end. */
export class ClusterWorkers {
  private readonly started: ChildProcess[] = [];

  constructor(private readonly cluster: () => ModaCluster) {}

  /** A `moda worker`; resolves once it says it runs jobs. */
  async start(options: WorkerOptions = {}): Promise<ClusterWorker> {
    const cluster = this.cluster();
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MODA_')) env[key] = value;
    Object.assign(env, {
      MODA_HOME: cluster.home,
      MODA_GIT_ROOT: cluster.gitRoot,
      MODA_DATABASE_URL: cluster.postgres.url,
      MODA_REDIS_URL: cluster.redis.url,
      MODA_ADMIN_TOKEN: ADMIN_TOKEN,
      MODA_PUBLIC_URL: options.publicUrl ?? cluster.url,
      MODA_MIGRATE_ON_START: '0',
      MODA_CATALOG: '0',
      MODA_JOB_MODULES: TEST_JOB_MODULE,
      MODA_JOB_CONCURRENCY: '2',
      ...options.env,
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.push(child);
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Moda worker running jobs')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`moda worker exited with ${code}: ${output}`)));
    });
    return { process: child, output: () => output };
  }

  /** Sends `signal` and waits for the exit (nothing when it has already exited). */
  async stop(worker: ClusterWorker, signal: NodeJS.Signals): Promise<void> {
    const child = worker.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Kills every worker still running (the test file's `after`). */
  killAll(): void {
    for (const child of this.started) child.kill('SIGKILL');
  }
}

/**
 * One replica with no job worker of its own and a short member lease, for the tests of `moda worker`
 * processes that die or stall (test/cluster-jobs-lost, test/cluster-jobs-stalled): started before the
 * file's tests, its workers killed and the cluster stopped after them.
 */
export function leasedWorkerCluster(lease: string) {
  let started: ModaCluster | undefined;
  const cluster = (): ModaCluster => {
    if (!started) throw new Error('the cluster starts in before()');
    return started;
  };
  const workers = new ClusterWorkers(cluster);
  before(async () => {
    started = await startCluster({ replicas: 1, nginx: false, env: { MODA_JOB_WORKER: '0', MODA_JOB_MODULES: TEST_JOB_MODULE, MODA_CLUSTER_LEASE: lease } });
  });
  after(async () => {
    workers.killAll();
    await started?.stop();
  });
  return {
    cluster,
    workers,
    /** A worker on host `node` (its own lease) that calls the replica back directly. */
    startWorker: (node: string) => workers.start({ publicUrl: cluster().replicas[0]!.url, env: { MODA_NODE_NAME: node, MODA_CLUSTER_LEASE: lease } }),
    /** The API of the replica, as the admin unless `token` says otherwise. */
    api: (path: string, init?: RequestInit & { token?: string | null }) => cluster().request(path, { ...init, base: cluster().replicas[0]!.url }),
  };
}
