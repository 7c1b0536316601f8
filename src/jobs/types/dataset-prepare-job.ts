// `dataset-prepare`: builds what the dataset viewer needs for one commit of a dataset repo (layout,
// Parquet conversion of text sources, row counts, features) ahead of the first page view. A push to
// a dataset repo's default branch starts one; the viewer's routes prepare lazily without it. The
// preparation renames its folder into place at the end, so a cancel or crash leaves nothing.
import { Type } from '@sinclair/typebox';
import { markCommitUse } from '../../datasets/dataset-cache-use.js';
import { measureDatasetMemory } from '../../datasets/measure-dataset-memory.js';
import { prepareDataset } from '../../datasets/prepare-dataset.js';
import { resolveRevision } from '../../hub/refs.js';
import { findRepo } from '../../hub/repos/repo-record.js';
import { defineJobType } from '../job-type.js';

export const datasetPrepareJob = defineJobType({
  type: 'dataset-prepare',
  description: 'Prepare a dataset repo at a revision for the dataset viewer (splits, Parquet, row counts)',
  paramsSchema: Type.Object(
    {
      dataset: Type.String({ minLength: 3, maxLength: 200, pattern: '^[^/]+/[^/]+$', description: 'namespace/name of a dataset repo' }),
      revision: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'branch, tag or commit; default main' })),
    },
    { additionalProperties: false },
  ),
  maxAttempts: 2,
  backoff: { delayMs: 5_000, factor: 2 },
  async run({ params, signal, progress, log, hub, actor }) {
    // The owner's rights decide: a dataset they cannot read does not exist for this job.
    const repo = await findRepo(hub, actor, 'dataset', params.dataset);
    const { commit } = await resolveRevision(repo.gitDir, params.revision ?? repo.row.default_branch);
    log(`preparing ${params.dataset} at ${commit.slice(0, 12)}`);
    const prepared = await prepareDataset(hub, repo, commit, {
      signal,
      onProgress: ({ fraction, message }) => progress(fraction, message),
    });
    // The cache sweep keeps a commit's preparation while a repo that used it exists.
    await markCommitUse(hub, commit, repo.id);
    // Second step, after /splits can answer: the Arrow sizes /info and /size give, whose scan of
    // the text columns reads the whole conversion once more.
    progress(1, 'measuring sizes');
    await measureDatasetMemory(hub, prepared, { signal });
    const splits = prepared.configs.flatMap((config) => config.splits.map((split) => ({ config: config.config, split: split.split, rows: split.numRows })));
    for (const split of splits) log(`${split.config}/${split.split}: ${split.rows} rows`);
    for (const failed of prepared.failed) log(`${failed.config}/${failed.split}: failed ${failed.code}: ${failed.message}`);
    if (prepared.error) log(`layout: ${prepared.error.code}: ${prepared.error.message}`);
    return { dataset: params.dataset, commit, splits, failed: prepared.failed, error: prepared.error ?? null };
  },
});
