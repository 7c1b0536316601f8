// Starts a Moda server from a config: opens the database and blob store under MODA_HOME, creates
// the admin user (with MODA_ADMIN_TOKEN), recovers from any crash, then listens.
import { ModaError } from '../errors/moda-error.js';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { isPostgresUrl, openDatabase } from '../db/open-database.js';
import { newTokenSecret, registerToken } from '../hub/accounts/tokens.js';
import { ensureAdminUser } from '../hub/accounts/users.js';
import { createHubContext, type HubContext } from '../hub/context.js';
import { PgAdvisoryLocks } from '../hub/pg-advisory-locks.js';
import { recoverHub } from '../hub/recover.js';
import { openBlobStore } from '../storage/open-blob-store.js';
import { liveMembers, MemberLease } from '../cluster/member-lease.js';
import { sweepScratch } from '../cluster/sweep-scratch.js';
import { buildApp } from './build-app.js';
import { connectCacheInvalidation, type CacheInvalidation } from './cache-invalidation.js';
import { drainServer } from './graceful-shutdown.js';
import { RedisRateLimitStore } from './rate-limit/redis-rate-limit-store.js';

export interface RunningServer {
  app: FastifyInstance;
  hub: HubContext;
  url: string;
  close(): Promise<void>;
  /** SIGTERM: readiness 503, requests in flight finish (MODA_SHUTDOWN_DELAY/_TIMEOUT), then close(). */
  drain(): Promise<void>;
}

export async function openHub(config: Config): Promise<HubContext> {
  await mkdir(config.home, { recursive: true });
  const db = await openDatabase(config);
  // Replicas sharing a PostgreSQL database share their write locks through it.
  const commitLocks = isPostgresUrl(config.databaseUrl) ? new PgAdvisoryLocks(config.databaseUrl) : undefined;
  const hub = createHubContext(db, await openBlobStore(config), config, { commitLocks });
  await ensureAdminUser(hub);
  if (config.adminToken) await registerToken(hub, 'admin', 'MODA_ADMIN_TOKEN', 'admin', config.adminToken);
  else await ensureGeneratedAdminToken(hub, config.home);
  const alone = await registerProcess(config.home);
  // Another server of this same process (tests run several) counts as a live writer too. Replicas of
  // a cluster (MODA_REDIS_URL) may write the shared folders from other hosts, whose processes
  // cannot be seen from here: their leftovers are never taken for garbage.
  const exclusive = alone && !openHomes.has(config.home) && !config.redisUrl;
  openHomes.set(config.home, (openHomes.get(config.home) ?? 0) + 1);
  // In a cluster the scratch folders this process makes are its own only while its lease lives.
  if (config.redisUrl) {
    const lease = new MemberLease(db, hub.memberId, 'hub', config.clusterLeaseMs);
    await lease.start();
    hub.lease = lease;
  }
  await recoverHub(hub, exclusive);
  return hub;
}

/**
 * Cluster mode: removes scratch and trash folders of replicas whose lease ran out, and temp uploads
 * untouched for MODA_SCRATCH_MAX_AGE (start-up recovery may not: other replicas share the folders).
 */
function sweepScratchEvery(hub: HubContext, everyMs: number, warn: (message: string, error?: unknown) => void): () => void {
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await sweepScratch(hub, { live: await liveMembers(hub.db) });
    } catch (error) {
      warn('could not sweep the scratch folders', error);
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}

const openHomes = new Map<string, number>();

function releaseHome(home: string): void {
  const count = (openHomes.get(home) ?? 1) - 1;
  if (count > 0) openHomes.set(home, count);
  else {
    openHomes.delete(home);
    rmSync(join(home, 'run', `${process.pid}.pid`), { force: true });
  }
}

/**
 * Registers this process under $MODA_HOME/run and tells whether it is the only live one. Crash
 * leftovers (locks, temp files) are only garbage when no other server may be writing them.
 */
async function registerProcess(home: string): Promise<boolean> {
  const run = join(home, 'run');
  await mkdir(run, { recursive: true });
  let others = 0;
  for (const name of await readdir(run)) {
    const pid = Number(name.replace(/\.pid$/, ''));
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (isAlive(pid)) others++;
    else await rm(join(run, name), { force: true });
  }
  const own = join(run, `${process.pid}.pid`);
  await writeFile(own, `${process.pid}\n`);
  process.once('exit', () => rmSync(own, { force: true }));
  return others === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Without MODA_ADMIN_TOKEN, the first start generates an admin token and keeps it in
 * $MODA_HOME/admin-token (mode 0600) so `npm start` is usable with no configuration.
 */
async function ensureGeneratedAdminToken(hub: HubContext, home: string): Promise<void> {
  const token = await readOrCreateSecretFile(join(home, 'admin-token'), newTokenSecret);
  await registerToken(hub, 'admin', 'generated admin token', 'admin', token);
}

/** The key that signs LFS URLs: generated once and kept under MODA_HOME so restarts keep links valid. */
async function serverSecret(home: string): Promise<string> {
  return readOrCreateSecretFile(join(home, 'server-secret'), () => randomBytes(32).toString('hex'));
}

/**
 * The secret kept in `path` (mode 0600), made by `make` if there is none. The new file is written
 * whole, then linked into place: of two processes starting on one MODA_HOME (replicas sharing it),
 * the second finds the first's secret (link fails with EEXIST) and never reads a half-written file.
 */
async function readOrCreateSecretFile(path: string, make: () => string): Promise<string> {
  const saved = await readFile(path, 'utf8').then((text) => text.trim(), () => '');
  if (saved) return saved;
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${make()}\n`, { mode: 0o600 });
  try {
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (!secret) throw new ModaError('CONFIG_INVALID', `${path} is empty: delete it and start again to make a new one`);
  return secret;
}

export async function startServer(config: Config, options: { logger?: boolean } = {}): Promise<RunningServer> {
  const hub = await openHub(config);
  // Redis connects before the app (and its logger) exists.
  const logTo: { app?: FastifyInstance } = {};
  const warn = (message: string, error?: unknown) => (logTo.app ? logTo.app.log.warn({ err: error }, message) : process.stderr.write(`${message}: ${String(error)}\n`));
  // Cluster mode: caches invalidated on every replica, rate-limit buckets shared.
  let invalidation: CacheInvalidation | undefined;
  let rateLimitRedis: Redis | undefined;
  if (config.redisUrl) {
    invalidation = await connectCacheInvalidation(hub, config.redisUrl, warn);
    rateLimitRedis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    rateLimitRedis.on('error', (error) => warn('redis (rate limits) connection error', error));
  }
  const stopSweeping = config.redisUrl ? sweepScratchEvery(hub, Math.max(1000, config.clusterLeaseMs), warn) : undefined;
  const app = await buildApp({
    hub,
    secret: await serverSecret(config.home),
    logger: options.logger,
    rateLimitStore: rateLimitRedis && new RedisRateLimitStore(rateLimitRedis, { onError: (error) => warn('rate limit not checked: redis unavailable', error) }),
    beforeReply: invalidation?.flush,
    changes: invalidation,
  });
  logTo.app = app;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopSweeping?.();
      await app.close();
      await invalidation?.close();
      await rateLimitRedis?.quit().catch(() => rateLimitRedis?.disconnect());
      await hub.commitLocks.close();
      await hub.lease?.close();
      await hub.db.destroy();
      releaseHome(config.home);
    })());
  return {
    app,
    hub,
    url: `http://${host}:${port}`,
    close,
    async drain() {
      const { timedOut } = await drainServer(app, { delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs });
      if (timedOut) app.log.warn('requests still in flight after MODA_SHUTDOWN_TIMEOUT; closing anyway');
      await close();
    },
  };
}
