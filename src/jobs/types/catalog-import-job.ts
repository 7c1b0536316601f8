// `catalog-import`: imports the starter catalog (catalog/) into the hub, one commit per entry, as
// the first start of a server does. Progress is entries done of entries; each entry's commit is
// atomic, so a cancel or crash leaves whole entries or none, and a re-run skips finished ones.
import { isDeepStrictEqual } from 'node:util';
import { Type } from '@sinclair/typebox';
import { importCatalog, type CatalogImportResult } from '../../catalog/import-catalog.js';
import { catalogDigest } from '../../catalog/catalog-digest.js';
import { CATALOG_DIR } from '../../catalog/read-catalog.js';
import { cancelJob, createJob, listJobs, type JobInfo } from '../../client/jobs-client.js';
import type { ModaClient } from '../../client/moda-client.js';
import { isModaError } from '../../errors/moda-error.js';
import { pinDatasetRevision } from '../../tuning/pin-dataset-revision.js';
import { defineJobType } from '../job-type.js';

export const catalogImportJob = defineJobType({
  type: 'catalog-import',
  description: 'Import the starter models (catalog/) into the hub as moda/ repos',
  paramsSchema: Type.Object({ only: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: 'entry names or repo ids; default all' })) }, { additionalProperties: false }),
  maxAttempts: 3,
  backoff: { delayMs: 5_000, factor: 2 },
  adminOnly: true,
  async run({ params, signal, progress, log, hub, actor, client }) {
    const catalogDir = hub.config.catalogDir || CATALOG_DIR;
    // The digest of a whole import lets the next start skip it when nothing changed (register-jobs.ts).
    const digest = params.only?.length ? undefined : await catalogDigest(catalogDir);
    const results = await importCatalog(hub, {
      catalogDir,
      only: params.only,
      signal,
      startTuneJob: async (_entry, tuneParams) => startTuneJob(client, await pinDatasetRevision(hub, actor, tuneParams as TuneDatasetParams), log),
      onProgress(done, total, entry, last) {
        if (last) log(describe(last));
        progress(total === 0 ? 1 : done / total, entry ? `importing ${entry.repo} (${done + 1} of ${total})` : `${total} entries`);
      },
    });
    const count = (status: CatalogImportResult['status']) => results.filter((result) => result.status === status).length;
    return { ...(digest && { digest }), imported: count('imported'), updated: count('updated'), unchanged: count('unchanged'), skipped: count('skipped'), queued: count('queued'), repos: results };
  },
});

type TuneDatasetParams = Record<string, unknown> & { dataset: string; dataset_revision?: string };

/**
 * Starter tuned models are built by ordinary `tune` jobs through the server's API (checked like any
 * user's). A job already queued or running for the same repo with the same params (an import after a
 * restart) is reused; `params` come pinned to the dataset commit the entry names now, as a tune job's
 * stored params are, so the comparison covers the data too. One with other params is stale — the
 * entry changed, or its dataset was imported anew, before it finished — and would commit a model of
 * the old entry or data: it is cancelled (a tune job never commits after its cancel) and a job with
 * the entry's params now is queued instead.
 */
async function startTuneJob(client: ModaClient, params: Record<string, unknown>, log: (line: string) => void): Promise<string> {
  const pending: JobInfo[] = [];
  for (const state of ['queued', 'running'] as const) pending.push(...(await listJobs(client, { type: 'tune', state, limit: 500 })).filter((job) => job.params.output_repo === params.output_repo));
  const current = pending.find((job) => isDeepStrictEqual(job.params, params));
  for (const stale of pending.filter((job) => job !== current)) {
    try {
      await cancelJob(client, stale.id);
      log(`${String(params.output_repo)}: cancelled tune job ${stale.id} (${stale.state}), its params or dataset commit are not the entry's any more`);
    } catch (error) {
      // It ended between the listing and the cancel; the job queued below retrains over its model.
      if (!(isModaError(error) && error.code === 'JOB_ALREADY_FINISHED')) throw error;
    }
  }
  return current?.id ?? (await createJob(client, 'tune', params)).id;
}

function describe(result: CatalogImportResult): string {
  if (result.status === 'queued') return `${result.repo}: queued (${result.reason ?? 'tune job'})`;
  if (result.status === 'skipped') return `${result.repo}: skipped (${result.reason ?? 'not installed'})`;
  return `${result.repo}: ${result.status}${result.commit ? ` at ${result.commit.slice(0, 12)}` : ''}`;
}
