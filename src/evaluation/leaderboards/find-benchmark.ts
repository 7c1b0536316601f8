// A benchmark by its dataset id, as a caller may see it: a dataset they cannot read, or one with no
// eval.yaml, is "no such leaderboard"; an eval.yaml that is malformed or names a missing split is
// that error, with its stable code, rather than an empty or half-built leaderboard.
import { errorCatalog, type ErrorCode } from '../../errors/catalog.js';
import { isModaError, ModaError } from '../../errors/moda-error.js';
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { findRepo, type RepoRecord } from '../../hub/repos/repo-record.js';
import type { BenchmarkSpec } from './parse-eval-spec.js';

export interface BenchmarkRecord {
  repo: RepoRecord;
  key: string;
  fullName: string;
  head: string;
  spec: BenchmarkSpec | null;
  error: { code: ErrorCode; message: string } | null;
}

function errorCode(code: string | null): ErrorCode {
  return code !== null && Object.hasOwn(errorCatalog, code) ? (code as ErrorCode) : 'BENCHMARK_INVALID';
}

export function benchmarkOf(repo: RepoRecord, row: { head: string; spec: string | null; error_code: string | null; error_message: string | null }): BenchmarkRecord {
  return {
    repo,
    key: repo.row.key,
    fullName: repo.fullName,
    head: row.head,
    spec: row.spec === null ? null : (JSON.parse(row.spec) as BenchmarkSpec),
    error: row.spec === null ? { code: errorCode(row.error_code), message: row.error_message ?? 'eval.yaml is not a valid benchmark' } : null,
  };
}

export async function findBenchmark(hub: HubContext, actor: Actor, id: string): Promise<BenchmarkRecord> {
  let repo: RepoRecord;
  try {
    repo = await findRepo(hub, actor, 'dataset', id);
  } catch (error) {
    if (isModaError(error) && error.code === 'HUB_REPO_NOT_FOUND') throw new ModaError('LEADERBOARD_NOT_FOUND', `no benchmark ${id}: the dataset does not exist or has no eval.yaml`);
    throw error;
  }
  const row = await hub.db.selectFrom('benchmarks').selectAll().where('repo_id', '=', repo.id).executeTakeFirst();
  if (!row) throw new ModaError('LEADERBOARD_NOT_FOUND', `no benchmark ${id}: the dataset does not exist or has no eval.yaml`);
  return benchmarkOf(repo, row);
}

/** The spec, or the benchmark's own error thrown with its code. */
export function requireSpec(benchmark: BenchmarkRecord): BenchmarkSpec {
  if (benchmark.spec) return benchmark.spec;
  const error = benchmark.error ?? { code: 'BENCHMARK_INVALID' as const, message: 'eval.yaml is not a valid benchmark' };
  throw new ModaError(error.code, `benchmark ${benchmark.fullName}: ${error.message}`, { details: { benchmark: benchmark.fullName, dataset_commit: benchmark.head } });
}
