// Starter evaluations: every starter model (a `moda/` model repo) is evaluated on every starter
// benchmark (a `moda/` dataset repo) whose task is the model's, once per pair — PP-OCRv4 and
// Tesseract on the rendered OCR benchmark, the tuned spam filter on SpamAssassin's held-out split
// once it exists. The task of a dataset comes from its card (`task_ids`, `task_categories`); the
// split and columns from its Hugging Face `train-eval-index` when it has one, else `test`; a tuned
// model evaluated on its own dataset takes the columns it was trained on (the job reads them).
// Each pair's job has a fixed id, so asking again (each start, each new starter model) is a no-op.
import { createHash } from 'node:crypto';
import type { HubContext } from '../hub/context.js';
import { readSmallFile } from '../hub/list-files.js';
import { parseModelCard } from '../hub/model-card.js';
import { resolveRevision } from '../hub/refs.js';
import { toRecord } from '../hub/repos/repo-record.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobTypeRegistry } from '../jobs/job-type.js';
import type { EvalParams } from './eval-params.js';
import { evalTaskOf } from './eval-tasks.js';
import { readModelFacts } from './read-model-facts.js';

export const STARTER_NAMESPACE = 'moda';

/** Hugging Face `task_ids` that name one of Moda's tasks under another name. */
const HF_TASK_IDS: Record<string, string> = {
  'optical-character-recognition': 'ocr',
  'language-identification': 'language-identification',
};

const strings = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface BenchmarkFacts {
  task: string;
  split: string;
  config?: string;
  columns?: EvalParams['columns'];
}

/** What a dataset card says about evaluating on it, or undefined when it names no evaluable task. */
export function benchmarkOfCard(card: Record<string, unknown>): BenchmarkFacts | undefined {
  const index = Array.isArray(card['train-eval-index']) ? card['train-eval-index'].filter(isObject) : [];
  const declared = [...strings(card.task_ids).map((id) => HF_TASK_IDS[id]), ...index.map((entry) => entry.task), ...strings(card.task_categories)];
  const task = declared.find((candidate): candidate is string => typeof candidate === 'string' && evalTaskOf(candidate) !== undefined);
  if (!task) return undefined;
  const entry = index.find((candidate) => candidate.task === task) ?? index[0];
  const splits = isObject(entry?.splits) ? entry.splits : {};
  const mapping = isObject(entry?.col_mapping) ? entry.col_mapping : {};
  // col_mapping maps dataset columns to the task's: {text: text, target: label}.
  const input = Object.entries(mapping).filter(([, role]) => role === 'text' || role === 'image' || role === 'audio').map(([column]) => column);
  const reference = Object.entries(mapping).find(([, role]) => role === 'target' || role === 'label' || role === 'reference')?.[0];
  const columns = input.length > 0 || reference ? { ...(input.length > 0 && { input: input.length === 1 ? input[0]! : input }), ...(reference && { reference }) } : undefined;
  return {
    task,
    split: typeof splits.eval_split === 'string' ? splits.eval_split : 'test',
    ...(typeof entry?.config === 'string' && { config: entry.config }),
    ...(columns && { columns }),
  };
}

/** The (starter model, starter benchmark) pairs whose tasks fit, as eval params. */
export async function starterEvaluations(hub: HubContext): Promise<EvalParams[]> {
  const rows = await hub.db.selectFrom('repos').selectAll().where('namespace', '=', STARTER_NAMESPACE).execute();
  const heads = async (row: (typeof rows)[number]) => {
    const repo = toRecord(hub, row);
    const head = await resolveRevision(repo.gitDir, row.default_branch).catch(() => undefined);
    return head ? { repo, commit: head.commit } : undefined;
  };
  const benchmarks: (BenchmarkFacts & { dataset: string })[] = [];
  const models: { model: string; task: string }[] = [];
  for (const row of rows) {
    const found = await heads(row);
    if (!found) continue;
    if (row.type === 'dataset') {
      const card = await readSmallFile(found.repo.gitDir, found.commit, 'README.md');
      const facts = card ? benchmarkOfCard(parseModelCard(card.toString('utf8')).data) : undefined;
      if (facts) benchmarks.push({ ...facts, dataset: found.repo.fullName });
    } else if (row.type === 'model') {
      const { task } = await readModelFacts(found.repo.gitDir, found.commit);
      if (task && evalTaskOf(task)) models.push({ model: found.repo.fullName, task });
    }
  }
  return models.flatMap(({ model, task }) =>
    benchmarks
      .filter((benchmark) => benchmark.task === task)
      .map((benchmark) => ({ model, dataset: benchmark.dataset, split: benchmark.split, ...(benchmark.config && { config: benchmark.config }), ...(benchmark.columns && { columns: benchmark.columns }) })),
  );
}

/** The fixed job id of a pair's starter evaluation, in the shape of every job id (9 base-36 + 10 hex), sorting before time-ordered ones. */
export function starterEvaluationJobId(model: string, dataset: string): string {
  return `00000eval${createHash('sha256').update(`${model}\0${dataset}`).digest('hex').slice(0, 10)}`;
}

/** Enqueues the starter evaluations not asked for before; returns the ids of all of them. */
export async function enqueueStarterEvaluations(hub: HubContext, queue: JobQueue, registry: JobTypeRegistry): Promise<string[]> {
  const pairs = await starterEvaluations(hub);
  const ids: string[] = [];
  for (const params of pairs) {
    const id = starterEvaluationJobId(params.model, params.dataset);
    // The server's own job, run as the site admin (token_id null), like the catalog import.
    await queue.enqueue({ id, type: 'eval', params, owner: 'admin', tokenId: null, maxAttempts: registry.get('eval')?.maxAttempts ?? 1 });
    ids.push(id);
  }
  return ids;
}
