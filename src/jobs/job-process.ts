// Entry point of a job process: the server forks one per running job (embedded-job-queue.ts), so a
// job's CPU, memory and native crashes never touch the HTTP thread. It opens the hub itself (its own
// database connection and blob store), acts as the job's owner through a token of the owner's
// rights, runs the job type's code, and reports progress, log lines and the outcome over IPC.
import { ModaClient } from '../client/moda-client.js';
import { isPostgresUrl, openDatabase } from '../db/open-database.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import { authenticate } from '../hub/actor.js';
import { createHubContext } from '../hub/context.js';
import { PgAdvisoryLocks } from '../hub/pg-advisory-locks.js';
import { openBlobStore } from '../storage/open-blob-store.js';
import type { FromJobProcess, JobFailure, JobStart, ToJobProcess } from './job-messages.js';
import { holdsJob } from './job-store.js';
import { loadJobType } from './register-job-types.js';

const controller = new AbortController();

function send(message: FromJobProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function failureOf(error: unknown): JobFailure {
  if (controller.signal.aborted) return { code: 'JOB_CANCELLED', message: 'the job was cancelled', retryable: false };
  if (isModaError(error)) return { code: error.code, message: error.message, retryable: error.retryable };
  // An unexpected error is a bug in the job's code: running it again will not help.
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), retryable: false };
}

async function run(start: JobStart): Promise<void> {
  // The job type's code is imported while the database opens: only that type's, not every type's.
  const jobTypeLoaded = loadJobType(start.type, start.config.jobModules);
  jobTypeLoaded.catch(() => undefined);
  const db = await openDatabase(start.config);
  // The same blob store (local files or S3) and, on PostgreSQL, the same cross-process write locks
  // as the server's replicas: a job's commits are ordered with theirs.
  const commitLocks = isPostgresUrl(start.config.databaseUrl) ? new PgAdvisoryLocks(start.config.databaseUrl) : undefined;
  try {
    const fence = { runner: start.runner, attempt: start.attempt };
    // A commit of an attempt that another worker took over (this one stalled past its lease) is refused.
    const writeFence = async () => {
      if (!(await holdsJob(db, start.jobId, fence))) throw new ModaError('JOB_LEASE_LOST', `attempt ${start.attempt} of job ${start.jobId} was taken over by another worker; nothing is written`);
    };
    const hub = createHubContext(db, await openBlobStore(start.config), start.config, { commitLocks, memberId: start.runner, writeFence });
    const jobType = await jobTypeLoaded;
    if (!jobType) throw new ModaError('JOB_TYPE_UNKNOWN', `job type ${start.type} is not registered in the job process`);
    const actor = await authenticate(hub, start.token);
    const result = await jobType.run({
      jobId: start.jobId,
      attempt: start.attempt,
      params: start.params,
      signal: controller.signal,
      progress: (fraction, message) => void send({ kind: 'progress', fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)), message: message ?? null }),
      log: (line) => void send({ kind: 'log', line }),
      actor,
      client: new ModaClient({ endpoint: start.serverUrl, token: start.token }),
      hub,
      tempDir: start.tempDir,
    });
    controller.signal.throwIfAborted();
    await send({ kind: 'succeeded', result: result ?? null });
  } finally {
    await commitLocks?.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  }
}

process.on('message', (message: ToJobProcess) => {
  if (message.kind === 'abort') controller.abort();
  else
    void run(message)
      .catch((error: unknown) => send({ kind: 'failed', error: failureOf(error) }))
      .finally(() => process.exit(0));
});
// The server died (SIGKILL, OOM): a job must not outlive it and write behind the next start's back.
process.on('disconnect', () => process.exit(70));
