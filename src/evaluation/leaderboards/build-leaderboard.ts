// One benchmark's leaderboard as a caller sees it: a row per model@commit with each task's value,
// the aggregate (mean of the task scores, as CLUE ranks; a row only when every task has a result),
// verified / self-reported status, date and job link; the benchmark's reference rows ("reported").
// A model the caller cannot read contributes nothing: no row, no count, no rank gap.
import type { Selectable } from 'kysely';
import type { EvalResultsTable, ReposTable } from '../../db/schema.js';
import { ModaError } from '../../errors/moda-error.js';
import { canRead } from '../../hub/repos/repo-record.js';
import { isScoped, scopeKey, withinScope, type Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { lowerIsBetter } from '../metrics/task-metrics.js';
// The answer's shapes live with the client that reads them (the web UI imports the same types).
import type { Leaderboard, LeaderboardRow, TaskValue } from '../../client/leaderboard-types.js';
import type { BenchmarkSpec, BenchmarkTask } from './parse-eval-spec.js';
import { confirmedJobs } from './confirm-verified.js';

export interface LeaderboardFilter {
  verifiedOnly?: boolean;
  task?: string;
}

type ResultWithModel = Selectable<EvalResultsTable> & Pick<Selectable<ReposTable>, 'namespace' | 'name' | 'key' | 'private' | 'visibility'>;

/** May `actor` see that this model exists? The rule of search: scoped tokens see public repos and those they name. */
export function canSeeModel(actor: Actor, row: Pick<Selectable<ReposTable>, 'private' | 'visibility' | 'namespace' | 'key'>): boolean {
  if (isScoped(actor)) return row.private === 0 || (actor.repoScope?.has(scopeKey('model', row.key)) === true && canRead(withinScope(actor), row));
  return canRead(actor, row);
}

/** Bounds of metrics whose range is known: a value outside was written on another scale or is wrong. */
function rangeProblem(metric: string, value: number): string | undefined {
  const id = metric.toLowerCase();
  if (id === 'pearson' || id === 'spearman') return value < -1 || value > 1 ? `${metric} ${value} is outside [-1, 1]` : undefined;
  if (lowerIsBetter(id)) return value < 0 ? `${metric} ${value} is negative` : undefined;
  const bounded = ['accuracy', 'f1', 'f1_macro', 'f1_micro', 'f1_weighted', 'precision_macro', 'recall_macro', 'precision_micro', 'recall_micro', 'map', 'map_50', 'map_75', 'entity_f1', 'entity_precision', 'entity_recall', 'exact_match', 'precision', 'recall'];
  if (bounded.includes(id) && (value < 0 || value > 1)) return `${metric} ${value} is outside [0, 1]: Moda stores ${metric} as a fraction (0.8668, not 86.68)`;
  return undefined;
}

/** The task a stated result is about, or undefined when it names none of this benchmark's. */
function taskOf(spec: BenchmarkSpec, result: Selectable<EvalResultsTable>): BenchmarkTask | undefined {
  if (result.task_id !== null) return spec.tasks.find((task) => task.id === result.task_id);
  const candidates = spec.tasks.filter((task) => (result.config === null || result.config === task.config || result.config === task.id) && (result.split === null || result.split === task.split));
  if (candidates.length === 1) return candidates[0];
  return undefined;
}

function better(a: TaskValue, b: TaskValue): boolean {
  if (a.status !== b.status) return a.status === 'verified';
  if (a.origin !== b.origin) return a.origin === 'eval-results';
  return a.date > b.date;
}

export async function buildLeaderboard(hub: HubContext, actor: Actor, benchmark: { key: string; fullName: string; spec: BenchmarkSpec; head: string }, filter: LeaderboardFilter = {}): Promise<Leaderboard> {
  const { spec } = benchmark;
  const task = filter.task;
  if (task !== undefined && !spec.tasks.some((entry) => entry.id === task)) {
    throw new ModaError('VALIDATION_FAILED', `task ${task} is not one of this benchmark's: ${spec.tasks.map((entry) => entry.id).join(', ')}`);
  }
  const results: ResultWithModel[] = await hub.db
    .selectFrom('eval_results')
    .innerJoin('repos', 'repos.id', 'eval_results.model_repo_id')
    .selectAll('eval_results')
    .select(['repos.namespace', 'repos.name', 'repos.key', 'repos.private', 'repos.visibility'])
    .where('eval_results.benchmark', '=', benchmark.key)
    .where('repos.type', '=', 'model')
    .execute();
  const visible = results.filter((result) => canSeeModel(actor, result));
  const jobs = await confirmedJobs(hub, visible);
  const higherIsBetter = spec.higherIsBetter;
  const wanted = task === undefined ? spec.tasks : spec.tasks.filter((entry) => entry.id === task);
  const entries = new Map<string, { model: string; commit: string; current: boolean; tasks: Record<string, TaskValue> }>();
  for (const result of visible) {
    const matched = taskOf(spec, result);
    if (!matched || !wanted.includes(matched)) continue;
    if (result.metric !== null && result.metric.toLowerCase() !== matched.metric.toLowerCase()) continue;
    const verified = result.job_id !== null && jobs.has(`${result.job_id}\0${result.id}`);
    if (filter.verifiedOnly && !verified) continue;
    const value: TaskValue = {
      value: result.value,
      status: verified ? 'verified' : 'self-reported',
      origin: result.origin,
      date: result.date,
      source: result.source_url ? { url: result.source_url, ...(result.source_name && { name: result.source_name }) } : null,
      job_id: verified ? result.job_id : null,
    };
    const problem = rangeProblem(matched.metric, result.value);
    if (problem) value.problem = problem;
    const key = `${result.model_repo_id}\0${result.model_commit}`;
    const entry = entries.get(key) ?? { model: `${result.namespace}/${result.name}`, commit: result.model_commit, current: result.current === 1, tasks: {} };
    const previous = entry.tasks[matched.id];
    if (!previous || better(value, previous)) entry.tasks[matched.id] = value;
    entries.set(key, entry);
  }
  const rows: LeaderboardRow[] = [];
  for (const entry of entries.values()) {
    const values = wanted.map((item) => entry.tasks[item.id]);
    // CLUE's rule: a multi-task score exists only when every task has one.
    if (values.some((value) => value === undefined)) continue;
    const present = values as TaskValue[];
    const problems = present.flatMap((value) => (value.problem ? [value.problem] : []));
    rows.push({
      model: entry.model,
      commit: entry.commit,
      current: entry.current,
      status: present.every((value) => value.status === 'verified') ? 'verified' : 'self-reported',
      score: present.reduce((sum, value) => sum + value.value, 0) / present.length,
      tasks: entry.tasks,
      date: present.reduce((latest, value) => (value.date > latest ? value.date : latest), ''),
      rank: null,
      problems,
    });
  }
  const order = (a: LeaderboardRow, b: LeaderboardRow) => (higherIsBetter ? b.score - a.score : a.score - b.score) || a.model.localeCompare(b.model);
  const ranked = rows.filter((row) => row.current && row.problems.length === 0).sort(order);
  ranked.forEach((row, index) => {
    const previous = ranked[index - 1];
    row.rank = previous && previous.score === row.score ? previous.rank : index + 1;
  });
  const unranked = rows.filter((row) => row.rank === null).sort(order);
  return {
    id: benchmark.fullName,
    name: spec.name,
    description: spec.description,
    metric: task === undefined ? spec.metric : wanted[0]!.metric,
    higher_is_better: higherIsBetter,
    display: spec.display,
    tasks: spec.tasks.map((entry) => ({ id: entry.id, name: entry.name ?? entry.id, config: entry.config, split: entry.split, metric: entry.metric })),
    dataset_commit: benchmark.head,
    task: task ?? null,
    verified_only: filter.verifiedOnly === true,
    rows: [...ranked, ...unranked],
    reference_rows: spec.referenceRows.map((row) => ({
      name: row.name,
      status: 'reported',
      score: task === undefined ? (row.score ?? mean(Object.values(row.scores))) : (row.scores[task] ?? (spec.tasks.length === 1 ? (row.score ?? null) : null)),
      scores: row.scores,
      source: row.source,
      date: row.date ?? null,
      notes: row.notes ?? null,
    })),
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
