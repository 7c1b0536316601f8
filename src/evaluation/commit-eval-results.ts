// Writes an evaluation's results into the model repo as ONE commit on its default branch, through
// the hub's commit API with the job's token (so the author is the job's owner and the server checks
// their write access like any push). The commit is a compare-and-swap on the head it read: when
// someone pushes meanwhile, the files are rebuilt on the new head and the commit tried again.
import type { ModaClient } from '../client/moda-client.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { readSmallFile } from '../hub/list-files.js';
import { resolveRevision } from '../hub/refs.js';
import type { RepoRecord } from '../hub/repos/repo-record.js';
import { evalResultsPath, updateEvalResults, updateReadme, type EvalOutcome } from './eval-result-files.js';

const MAX_TRIES = 5;

export async function commitEvalResults(hub: HubContext, client: ModaClient, model: RepoRecord, outcome: EvalOutcome, signal: AbortSignal): Promise<{ oid: string; url: string }> {
  const branch = model.row.default_branch;
  const path = evalResultsPath(outcome.dataset);
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    const head = (await resolveRevision(model.gitDir, branch)).commit;
    const [readme, existing] = await Promise.all([readSmallFile(model.gitDir, head, 'README.md'), readSmallFile(model.gitDir, head, path)]);
    const encoder = new TextEncoder();
    const metrics = outcome.metrics.filter((metric) => metric.type !== 'throughput').map((metric) => `${metric.name} ${metric.value.toFixed(4)}`).join(', ');
    try {
      const result = await client.commit(
        model.fullName,
        [
          { kind: 'file', path: 'README.md', content: encoder.encode(updateReadme(readme?.toString('utf8'), outcome)) },
          { kind: 'file', path, content: encoder.encode(updateEvalResults(existing?.toString('utf8'), outcome)) },
        ],
        {
          revision: branch,
          parentCommit: head,
          summary: `Evaluation on ${outcome.dataset} (${outcome.config}/${outcome.split}): ${metrics}`,
          description: `Model ${outcome.model}@${outcome.modelCommit}\nDataset ${outcome.dataset}@${outcome.datasetCommit}\n${outcome.samples} samples, ${outcome.failed} failed (counted as wrong)\nSource: ${outcome.jobUrl}`,
          signal,
        },
      );
      return { oid: result.commitOid, url: result.commitUrl };
    } catch (error) {
      if (isModaError(error) && (error.code === 'HUB_PARENT_COMMIT_STALE' || error.code === 'HUB_COMMIT_CONFLICT') && attempt < MAX_TRIES) continue;
      if (isModaError(error) && error.code !== 'MODEL_CARD_INVALID') throw new ModaError(error.code, `committing the results to ${model.fullName}: ${error.message}`);
      throw error;
    }
  }
}
