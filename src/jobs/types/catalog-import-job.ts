// `catalog-import`: imports the starter catalog (catalog/) into the hub, one commit per entry, as
// the first start of a server does. Progress is entries done of entries; each entry's commit is
// atomic, so a cancel or crash leaves whole entries or none, and a re-run skips finished ones.
import { Type } from '@sinclair/typebox';
import { importCatalog, type CatalogImportResult } from '../../catalog/import-catalog.js';
import { catalogDigest } from '../../catalog/catalog-digest.js';
import { CATALOG_DIR } from '../../catalog/read-catalog.js';
import { createJob, listJobs } from '../../client/jobs-client.js';
import type { ModaClient } from '../../client/moda-client.js';
import { defineJobType } from '../job-type.js';

export const catalogImportJob = defineJobType({
  type: 'catalog-import',
  description: 'Import the starter models (catalog/) into the hub as moda/ repos',
  paramsSchema: Type.Object({ only: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: 'entry names or repo ids; default all' })) }, { additionalProperties: false }),
  maxAttempts: 3,
  backoff: { delayMs: 5_000, factor: 2 },
  adminOnly: true,
  async run({ params, signal, progress, log, hub, client }) {
    const catalogDir = hub.config.catalogDir || CATALOG_DIR;
    // The digest of a whole import lets the next start skip it when nothing changed (register-jobs.ts).
    const digest = params.only?.length ? undefined : await catalogDigest(catalogDir);
    const results = await importCatalog(hub, {
      catalogDir,
      only: params.only,
      signal,
      startTuneJob: (_entry, tuneParams) => startTuneJob(client, tuneParams),
      onProgress(done, total, entry, last) {
        if (last) log(describe(last));
        progress(total === 0 ? 1 : done / total, entry ? `importing ${entry.repo} (${done + 1} of ${total})` : `${total} entries`);
      },
    });
    const count = (status: CatalogImportResult['status']) => results.filter((result) => result.status === status).length;
    return { ...(digest && { digest }), imported: count('imported'), updated: count('updated'), unchanged: count('unchanged'), skipped: count('skipped'), queued: count('queued'), repos: results };
  },
});

/**
 * Starter tuned models are built by ordinary `tune` jobs through the server's API (checked like any
 * user's); one already queued or running for the same repo (an import after a restart) is reused.
 */
async function startTuneJob(client: ModaClient, params: Record<string, unknown>): Promise<string> {
  for (const state of ['queued', 'running'] as const) {
    const pending = (await listJobs(client, { type: 'tune', state, limit: 500 })).find((job) => job.params.output_repo === params.output_repo);
    if (pending) return pending.id;
  }
  return (await createJob(client, 'tune', params)).id;
}

function describe(result: CatalogImportResult): string {
  if (result.status === 'queued') return `${result.repo}: queued (${result.reason ?? 'tune job'})`;
  if (result.status === 'skipped') return `${result.repo}: skipped (${result.reason ?? 'not installed'})`;
  return `${result.repo}: ${result.status}${result.commit ? ` at ${result.commit.slice(0, 12)}` : ''}`;
}
