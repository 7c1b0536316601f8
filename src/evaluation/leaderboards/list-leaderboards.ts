// Every benchmark the caller can read, with its size and leader; or, for one model, each benchmark
// it has results on with its rows there (the model page's "results and ranks").
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { canRead, findRepo, toRecord } from '../../hub/repos/repo-record.js';
import type { LeaderboardSummary } from '../../client/leaderboard-types.js';
import { buildLeaderboard } from './build-leaderboard.js';
import { catchUpEvalIndex } from './catch-up-eval-index.js';
import { benchmarkOf } from './find-benchmark.js';

export async function listLeaderboards(hub: HubContext, actor: Actor, options: { model?: string } = {}): Promise<LeaderboardSummary[]> {
  await catchUpEvalIndex(hub);
  const model = options.model === undefined ? undefined : (await findRepo(hub, actor, 'model', options.model)).fullName;
  const rows = await hub.db.selectFrom('benchmarks').innerJoin('repos', 'repos.id', 'benchmarks.repo_id').selectAll('repos').select(['benchmarks.head as benchmark_head', 'benchmarks.spec', 'benchmarks.error_code', 'benchmarks.error_message']).orderBy('repos.key').execute();
  const summaries: LeaderboardSummary[] = [];
  for (const row of rows) {
    if (!canRead(actor, row)) continue;
    const benchmark = benchmarkOf(toRecord(hub, row), { head: row.benchmark_head, spec: row.spec, error_code: row.error_code, error_message: row.error_message });
    const base = { id: benchmark.fullName, dataset_commit: benchmark.head };
    if (!benchmark.spec) {
      if (model) continue;
      summaries.push({ ...base, name: benchmark.fullName, description: '', metric: null, higher_is_better: null, display: null, tasks: [], models: 0, leader: null, reference_rows: 0, error: benchmark.error });
      continue;
    }
    const board = await buildLeaderboard(hub, actor, { key: benchmark.key, fullName: benchmark.fullName, spec: benchmark.spec, head: benchmark.head });
    const ranked = board.rows.filter((entry) => entry.rank !== null);
    const modelRows = model ? board.rows.filter((entry) => entry.model === model) : undefined;
    if (modelRows && modelRows.length === 0) continue;
    const leader = ranked[0];
    summaries.push({
      ...base,
      name: board.name,
      description: board.description,
      metric: board.metric,
      higher_is_better: board.higher_is_better,
      display: board.display,
      tasks: board.tasks.map((task) => task.id),
      models: ranked.length,
      leader: leader ? { model: leader.model, commit: leader.commit, score: leader.score, status: leader.status } : null,
      reference_rows: board.reference_rows.length,
      error: null,
      ...(modelRows && { model_rows: modelRows }),
    });
  }
  return summaries;
}
