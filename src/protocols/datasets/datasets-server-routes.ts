// The dataset viewer API under `/datasets-server`, wire-compatible with the Hugging Face dataset
// viewer (splits, first-rows, rows, info, size, statistics, search, filter) plus Moda's read-only
// SQL route. Each route finds the repo as the hub's other routes do (a private dataset the caller
// cannot read is a 404), resolves `revision` (default main) to a commit and prepares that commit on
// first use; the DuckDB work runs on DuckDB's threads, bounded in time. A request holds its commit's
// cache while it runs, and the cache is swept (bounded size, deleted repos) after new preparations.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { findRepoOrMirror, resolveRevisionOrMirror } from '../../mirror/find-repo-or-mirror.js';
import { closeDatasetEngines } from '../../datasets/dataset-engine.js';
import { ensureMeasured, ensurePrepared } from '../../datasets/ensure-prepared.js';
import type { PreparedDataset } from '../../datasets/prepared-dataset.js';
import { readRows } from '../../datasets/read-rows.js';
import { queryRows } from '../../datasets/query-rows.js';
import { splitStatistics } from '../../datasets/column-statistics.js';
import { runDatasetSql } from '../../datasets/run-dataset-sql.js';
import { holdCommit, markCommitUse } from '../../datasets/dataset-cache-use.js';
import { sweepDatasetsCache } from '../../datasets/sweep-datasets-cache.js';
import { onRepoDeleted } from '../../hub/repos/delete-repo.js';
import { infoResponse, sizeResponse, splitsResponse } from '../../datasets/dataset-summaries.js';
import { archiveMemberUrl, registerArchiveMemberRoute } from './archive-member-route.js';

/** Hugging Face's limit on `length` for /rows, /search and /filter. */
export const MAX_ROWS_PER_PAGE = 100;
/** Rows /first-rows returns. */
const FIRST_ROWS = 100;

interface ViewerQuery {
  dataset?: string;
  config?: string;
  split?: string;
  revision?: string;
  offset?: string;
  length?: string;
  query?: string;
  where?: string;
  orderby?: string;
}

interface Opened {
  dataset: string;
  commit: string;
  manifest: PreparedDataset;
  fileUrl: (path: string) => string;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new ModaError('VALIDATION_FAILED', `parameter ${name} is required`);
  return value;
}

function integer(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new ModaError('VALIDATION_FAILED', `parameter ${name} must be a non-negative integer`);
  if (number > max) throw new ModaError('VALIDATION_FAILED', `parameter ${name} must not be greater than ${max}`);
  return number;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** How often the cache is swept besides after each new preparation and repo deletion. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

export function registerDatasetsServerRoutes(app: FastifyInstance, hub: HubContext, baseUrl: (request: FastifyRequest) => string): void {
  // The commits each request holds (dataset-cache-use.ts), released when its answer is built.
  const holds = new WeakMap<FastifyRequest, (() => void)[]>();
  const releaseHolds = (request: FastifyRequest) => {
    for (const release of holds.get(request) ?? []) release();
    holds.delete(request);
  };

  // Commits this process has served: the first use of another one may have prepared it.
  const seen = new Set<string>();
  let sweeping: Promise<void> | undefined;
  let sweepAgain = false;
  const scheduleSweep = () => {
    if (sweeping) {
      sweepAgain = true;
      return;
    }
    sweeping = (async () => {
      do {
        sweepAgain = false;
        const result = await sweepDatasetsCache(hub).catch((error: unknown) => {
          app.log.warn({ err: error }, 'sweeping the datasets cache failed');
          return undefined;
        });
        // A removed commit's next view prepares it again, and that should sweep again.
        for (const commit of result?.removed ?? []) seen.delete(commit);
        if (result && result.removed.length > 0) app.log.info({ removed: result.removed.length, bytes: result.bytes }, 'datasets cache swept');
      } while (sweepAgain);
    })().finally(() => {
      sweeping = undefined;
    });
  };
  async function open(request: FastifyRequest, dataset: string | undefined, revision: string | undefined): Promise<Opened> {
    const id = required(dataset, 'dataset');
    const repo = await findRepoOrMirror(hub, request.actor, 'dataset', id);
    const { commit } = await resolveRevisionOrMirror(hub, repo, revision || 'main');
    const release = await holdCommit(hub, commit);
    holds.set(request, [...(holds.get(request) ?? []), release]);
    const manifest = await ensurePrepared(hub, repo, commit);
    await markCommitUse(hub, commit, repo.id);
    if (!seen.has(commit)) {
      if (seen.size >= 100_000) seen.clear();
      seen.add(commit);
      scheduleSweep();
    }
    const base = baseUrl(request);
    const root = `${base}/datasets/${encodePath(repo.fullName)}/resolve/${commit}/`;
    // Members of zip archives are `<archive>/<member>`; git cannot hold a file and a folder of one name, so the prefix is unambiguous.
    const archives = [...new Set(manifest.configs.flatMap((config) => config.splits.flatMap((split) => split.archives ?? [])))];
    const fileUrl = (path: string) => {
      const archive = archives.find((candidate) => path.startsWith(`${candidate}/`));
      return archive ? archiveMemberUrl(base, repo.fullName, commit, archive, path.slice(archive.length + 1)) : root + encodePath(path);
    };
    return { dataset: repo.fullName, commit, manifest, fileUrl };
  }

  /** The config asked for, or the first (default) one. */
  function configOf(opened: Opened, config: string | undefined): string {
    if (config) return config;
    const first = opened.manifest.configs[0];
    if (!first) throw new ModaError('DATASET_NO_DATA_FILES', 'the dataset has no readable config');
    return first.config;
  }

  const route = <T>(path: string, handler: (request: FastifyRequest<{ Querystring: ViewerQuery }>) => Promise<T>) =>
    app.get<{ Querystring: ViewerQuery }>(`/datasets-server/${path}`, async (request, reply) => {
      try {
        const body = await handler(request);
        reply.header('cache-control', 'private, max-age=0, must-revalidate');
        return body;
      } finally {
        releaseHolds(request);
      }
    });

  route('splits', async (request) => {
    const opened = await open(request, request.query.dataset, request.query.revision);
    return splitsResponse(opened.dataset, opened.manifest);
  });

  route('first-rows', async (request) => {
    const { query } = request;
    const opened = await open(request, query.dataset, query.revision);
    const config = configOf(opened, query.config);
    const split = required(query.split, 'split');
    const page = await readRows(hub, opened.manifest, { config, split, offset: 0, length: FIRST_ROWS, fileUrl: opened.fileUrl });
    return { dataset: opened.dataset, config, split, features: page.features, rows: page.rows, truncated: page.num_rows_total > page.rows.length };
  });

  route('rows', async (request) => {
    const { query } = request;
    const opened = await open(request, query.dataset, query.revision);
    const offset = integer(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const length = integer(query.length, 'length', MAX_ROWS_PER_PAGE, MAX_ROWS_PER_PAGE);
    return readRows(hub, opened.manifest, { config: configOf(opened, query.config), split: required(query.split, 'split'), offset, length, fileUrl: opened.fileUrl });
  });

  route('search', async (request) => {
    const { query } = request;
    const opened = await open(request, query.dataset, query.revision);
    const text = required(query.query, 'query');
    const offset = integer(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const length = integer(query.length, 'length', MAX_ROWS_PER_PAGE, MAX_ROWS_PER_PAGE);
    return queryRows(hub, opened.manifest, { config: configOf(opened, query.config), split: required(query.split, 'split'), offset, length, query: text, fileUrl: opened.fileUrl });
  });

  route('filter', async (request) => {
    const { query } = request;
    const opened = await open(request, query.dataset, query.revision);
    const offset = integer(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const length = integer(query.length, 'length', MAX_ROWS_PER_PAGE, MAX_ROWS_PER_PAGE);
    const where = query.where === undefined || query.where === '' ? undefined : query.where;
    const orderby = query.orderby === undefined || query.orderby === '' ? undefined : query.orderby;
    if (where === undefined && orderby === undefined) throw new ModaError('VALIDATION_FAILED', 'give where, orderby or both');
    return queryRows(hub, opened.manifest, { config: configOf(opened, query.config), split: required(query.split, 'split'), offset, length, fileUrl: opened.fileUrl, ...(where !== undefined && { where }), ...(orderby !== undefined && { orderby }) });
  });

  route('info', async (request) => {
    const opened = await open(request, request.query.dataset, request.query.revision);
    return infoResponse(opened.dataset, await ensureMeasured(hub, opened.manifest), request.query.config || undefined);
  });

  route('size', async (request) => {
    const opened = await open(request, request.query.dataset, request.query.revision);
    return sizeResponse(opened.dataset, await ensureMeasured(hub, opened.manifest), request.query.config || undefined);
  });

  route('statistics', async (request) => {
    const { query } = request;
    const opened = await open(request, query.dataset, query.revision);
    return splitStatistics(hub, opened.manifest, configOf(opened, query.config), required(query.split, 'split'));
  });

  app.post<{ Body: { dataset: string; revision?: string; config?: string; query: string } }>(
    '/datasets-server/sql',
    {
      schema: {
        body: {
          type: 'object',
          required: ['dataset', 'query'],
          additionalProperties: false,
          properties: { dataset: { type: 'string', minLength: 1, maxLength: 300 }, revision: { type: 'string', maxLength: 300 }, config: { type: 'string', maxLength: 300 }, query: { type: 'string', minLength: 1 } },
        },
      },
    },
    async (request, reply) => {
      try {
        const opened = await open(request, request.body.dataset, request.body.revision);
        reply.header('cache-control', 'no-store');
        return await runDatasetSql(hub, opened.manifest, configOf(opened, request.body.config), request.body.query);
      } finally {
        releaseHolds(request);
      }
    },
  );

  registerArchiveMemberRoute(app, hub);

  const timer = setInterval(scheduleSweep, SWEEP_INTERVAL_MS);
  timer.unref();
  const stopFollowing = onRepoDeleted(hub, (repo) => {
    if (repo.type === 'dataset') scheduleSweep();
  });
  app.addHook('onReady', async () => scheduleSweep());
  app.addHook('onClose', async () => {
    clearInterval(timer);
    stopFollowing();
    await sweeping;
    await closeDatasetEngines(hub.config.home);
  });
}
