// Puts the job runner into the app: job types, the embedded queue, the routes and metrics. The queue
// starts once the server listens (jobs reach the hub through its HTTP API); the starter catalog
// import is then enqueued as a `catalog-import` job whose progress /healthz and the home page show.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../hub/context.js';
import { BullmqJobQueue } from '../jobs/bullmq-job-queue.js';
import { EmbeddedJobQueue } from '../jobs/embedded-job-queue.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { registerJobMetrics } from '../jobs/job-metrics.js';
import { JobService } from '../jobs/job-service.js';
import { findJobRow } from '../jobs/job-store.js';
import { catalogDigest } from '../catalog/catalog-digest.js';
import { CATALOG_DIR } from '../catalog/read-catalog.js';
import { loadJobTypes } from '../jobs/register-job-types.js';
import { onDefaultBranchCommit } from '../hub/repos/reindex-repo.js';
import { registerJobRoutes } from '../protocols/moda/job-routes.js';
import { registerTuneRoutes } from '../protocols/moda/tune-routes.js';
import { registerJobArtifactRoute } from '../protocols/moda/job-artifact-route.js';
import { registerJobPredictionsRoute } from '../protocols/moda/job-predictions-route.js';
import { registerEvaluationRoutes } from '../protocols/moda/evaluation-routes.js';
import { metricsRegistryOf } from './metrics.js';
import { enqueueStarterEvaluations, STARTER_NAMESPACE } from '../evaluation/starter-evaluations.js';

/** The cluster's starter-catalog import, one per catalog digest: sorts before every time-ordered id (job-store.ts). */
const CLUSTER_CATALOG_JOB_PREFIX = '000000000catalog';

/**
 * The last whole import that succeeded, when it imported this same catalog (`digest`): a restart
 * with an unchanged catalog queues no new job. An admin who wants it run anyway starts a
 * catalog-import job through the API.
 */
async function lastImportOf(hub: HubContext, digest: string): Promise<string | undefined> {
  const rows = await hub.db.selectFrom('jobs').select(['id', 'result']).where('type', '=', 'catalog-import').where('state', '=', 'succeeded').orderBy('id', 'desc').limit(20).execute();
  for (const row of rows) {
    const result = row.result === null ? undefined : (JSON.parse(row.result) as { digest?: unknown });
    // Imports of a few entries (`only`) carry no digest and say nothing about the whole catalog.
    if (typeof result?.digest !== 'string') continue;
    return result.digest === digest ? row.id : undefined;
  }
  return undefined;
}

export interface StarterCatalogStatus {
  /** off: MODA_CATALOG=0; importing: queued or running; done; failed (or cancelled). */
  state: 'off' | 'importing' | 'done' | 'failed';
  job_id: string | null;
  progress: { fraction: number | null; message: string | null } | null;
}

export interface AppJobs {
  service: JobService;
  starterCatalog(): Promise<StarterCatalogStatus>;
}

/** The URL jobs call this server at: its listen address, loopback for a wildcard one. */
function listenUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) return 'http://127.0.0.1';
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function registerJobs(app: FastifyInstance, hub: HubContext): Promise<AppJobs> {
  const registry = await loadJobTypes(hub.config.jobModules);
  const logError = (message: string, error: unknown) => app.log.error({ err: error }, message);
  // With Redis (a cluster) BullMQ hands jobs to whichever process runs jobs; without it this server runs them.
  const queue: JobQueue = hub.config.redisUrl ? new BullmqJobQueue(hub, registry, logError, { redisUrl: hub.config.redisUrl, worker: hub.config.jobWorker }) : new EmbeddedJobQueue(hub, registry, logError);
  const service = new JobService(hub, queue, registry);
  registerJobRoutes(app, service);
  registerTuneRoutes(app);
  registerJobArtifactRoute(app, service);
  registerJobPredictionsRoute(app, service);
  registerEvaluationRoutes(app, hub);
  const metrics = metricsRegistryOf(app);
  if (metrics) registerJobMetrics(metrics, service);

  let catalogJobId: string | undefined;
  app.addHook('onListen', async () => {
    await queue.start({ serverUrl: listenUrl(app) });
    if (!hub.config.catalog) return;
    const maxAttempts = registry.get('catalog-import')?.maxAttempts ?? 1;
    const digest = await catalogDigest(hub.config.catalogDir || CATALOG_DIR);
    // In a cluster every replica starting asks for the import: an id fixed by the catalog's digest
    // makes it one job per catalog version (run on the first start after the catalog changed).
    if (hub.config.redisUrl) {
      catalogJobId = (await queue.enqueue({ id: `${CLUSTER_CATALOG_JOB_PREFIX}${digest.slice(0, 16)}`, type: 'catalog-import', params: {}, owner: 'admin', tokenId: null, maxAttempts })).id;
      return;
    }
    // A start after a crash may find the last import re-queued: that one counts.
    const pending = await hub.db.selectFrom('jobs').select('id').where('type', '=', 'catalog-import').where('state', 'in', ['queued', 'running']).orderBy('id', 'desc').executeTakeFirst();
    catalogJobId = pending?.id ?? (await lastImportOf(hub, digest)) ?? (await queue.enqueue({ type: 'catalog-import', params: {}, owner: 'admin', tokenId: null, maxAttempts })).id;
  });
  app.addHook('onClose', () => queue.close());

  // A commit to a dataset's default branch starts its viewer preparation, owned by whoever
  // committed (they can read it). The viewer's routes prepare lazily when this has not run yet.
  const stopFollowing = onDefaultBranchCommit(hub, (repo, head, by) => {
    if (repo.type !== 'dataset' || by.user === null) return;
    const params = { dataset: repo.fullName, revision: head };
    void queue
      .enqueue({ type: 'dataset-prepare', params, owner: by.user, tokenId: by.tokenId, maxAttempts: registry.get('dataset-prepare')?.maxAttempts ?? 1 })
      .catch((error: unknown) => app.log.error({ err: error, dataset: repo.fullName }, 'could not start dataset-prepare'));
  });
  app.addHook('onClose', async () => stopFollowing());

  // Starter evaluations: once the catalog import has succeeded, and whenever a starter model or
  // benchmark gets a new commit over HTTP (a tuned starter model pushed later); one job per pair ever.
  if (hub.config.catalog && hub.config.starterEvals) {
    const startEvaluations = () =>
      void enqueueStarterEvaluations(hub, queue, registry).catch((error: unknown) => app.log.error({ err: error }, 'could not start the starter evaluations'));
    const stopWatching = queue.subscribe((event) => {
      if (event.kind === 'job' && event.job.type === 'catalog-import' && event.job.state === 'succeeded') startEvaluations();
    });
    const stopFollowingStarters = onDefaultBranchCommit(hub, (repo) => {
      if (repo.row.namespace === STARTER_NAMESPACE) startEvaluations();
    });
    app.addHook('onClose', async () => {
      stopWatching();
      stopFollowingStarters();
    });
  }

  return {
    service,
    async starterCatalog() {
      if (!hub.config.catalog) return { state: 'off', job_id: null, progress: null };
      const row = catalogJobId === undefined ? undefined : await findJobRow(hub.db, catalogJobId);
      // Not enqueued yet (the server is starting) counts as importing.
      if (!row) return { state: 'importing', job_id: catalogJobId ?? null, progress: null };
      const state = row.state === 'queued' || row.state === 'running' ? 'importing' : row.state === 'succeeded' ? 'done' : 'failed';
      return { state, job_id: row.id, progress: { fraction: row.progress_fraction, message: row.progress_message } };
    },
  };
}
