// A model's evaluation results as its default branch holds them (`.eval_results/*.yaml`), each
// marked `older_revision` when the model changed after the commit it was computed on — changes to
// the card or to the results themselves do not count, since they leave the weights as they were.
// The web UI lists them with a Re-run button; leaderboards show the mark beside the number.
import { parse as parseYaml } from 'yaml';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { gitText } from '../hub/git.js';
import { listFiles, readBlobs } from '../hub/list-files.js';
import { commitExists, resolveRevision } from '../hub/refs.js';
import { findRepo } from '../hub/repos/repo-record.js';
import { EVAL_SOURCE_NAME } from './eval-result-files.js';

export interface ModelEvaluation {
  dataset: string;
  task_id: string;
  dataset_revision: string | null;
  metric: string | null;
  value: unknown;
  date: string | null;
  /** Computed by this server (verified) or written by the authors (self-reported). */
  verified: boolean;
  source: { url: string | null; name: string | null };
  model_revision: string | null;
  /** The model changed since model_revision (null: unknown, a self-reported result names none). */
  older_revision: boolean | null;
  file: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Paths whose change leaves a model as it was evaluated. */
function isResultsOrCard(path: string): boolean {
  return path === 'README.md' || path.startsWith('.eval_results/');
}

export async function listModelEvaluations(hub: HubContext, actor: Actor, model: string): Promise<{ model: string; head: string; evaluations: ModelEvaluation[] }> {
  const repo = await findRepo(hub, actor, 'model', model);
  const head = (await resolveRevision(repo.gitDir, repo.row.default_branch)).commit;
  const files = (await listFiles(repo.gitDir, head)).filter((file) => file.path.startsWith('.eval_results/') && /\.ya?ml$/.test(file.path) && !file.lfs && file.size <= 1024 * 1024);
  const contents = await readBlobs(repo.gitDir, files.map((file) => file.blobId));
  const staleness = new Map<string, boolean | null>();
  const olderThanHead = async (revision: string | null): Promise<boolean | null> => {
    if (revision === null || !/^[0-9a-f]{40}$/.test(revision)) return null;
    if (!staleness.has(revision)) {
      if (revision === head) staleness.set(revision, false);
      else if (!(await commitExists(repo.gitDir, revision))) staleness.set(revision, true);
      else {
        const changed = (await gitText(repo.gitDir, ['diff', '--name-only', '--no-renames', revision, head])).split('\n').filter(Boolean);
        staleness.set(revision, changed.some((path) => !isResultsOrCard(path)));
      }
    }
    return staleness.get(revision) ?? null;
  };
  const evaluations: ModelEvaluation[] = [];
  for (const file of files) {
    let entries: unknown;
    try {
      entries = parseYaml(contents.get(file.blobId)?.toString('utf8') ?? '', { maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (!Array.isArray(entries)) continue;
    for (const entry of entries.filter(isObject)) {
      const dataset = isObject(entry.dataset) ? entry.dataset : {};
      const source = isObject(entry.source) ? entry.source : {};
      const modelRevision = text(entry.model_revision);
      const ours = source.name === EVAL_SOURCE_NAME && entry.verified === true;
      evaluations.push({
        dataset: text(dataset.id) ?? '',
        task_id: text(dataset.task_id) ?? '',
        dataset_revision: text(dataset.revision),
        metric: text(entry.metric),
        value: entry.value,
        date: text(entry.date) ?? (entry.date instanceof Date ? entry.date.toISOString().slice(0, 10) : null),
        verified: ours,
        source: { url: text(source.url), name: text(source.name) },
        model_revision: modelRevision,
        older_revision: await olderThanHead(modelRevision),
        file: file.path,
      });
    }
  }
  return { model: repo.fullName, head, evaluations };
}
