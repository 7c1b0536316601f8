// "Verified" is the server's word, not the model card's: anyone who can write to a repo can type
// `verified: true`. A stated result counts as verified only when it names an evaluation job (its
// `job_id`, or a source URL ending in /jobs/<id>) that this hub ran to success for this model on
// this benchmark, and that job's result holds the same number. Everything else is self-reported.
import type { Selectable } from 'kysely';
import type { EvalResultsTable, ReposTable } from '../../db/schema.js';
import type { HubContext } from '../../hub/context.js';

type StatedRow = Pick<Selectable<EvalResultsTable>, 'id' | 'job_id' | 'value' | 'benchmark' | 'model_commit'> & Pick<Selectable<ReposTable>, 'key'>;

const EVAL_JOB_TYPE = 'eval';

/** Does any number in `value` (a job's result JSON) equal `target`? */
function holdsNumber(value: unknown, target: number, depth = 0): boolean {
  if (typeof value === 'number') return Math.abs(value - target) <= 1e-9 * Math.max(1, Math.abs(target));
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((entry) => holdsNumber(entry, target, depth + 1));
}

const COMMIT = /^[0-9a-f]{40}$/;
const COMMIT_KEYS = ['model_commit', 'model_revision', 'model_sha'];

/** The model commits a job names (params or result, top level or one level down). */
function pinnedCommits(...values: unknown[]): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 1) return;
    for (const [key, entry] of Object.entries(value)) {
      if (COMMIT_KEYS.includes(key) && typeof entry === 'string' && COMMIT.test(entry)) found.add(entry);
      else visit(entry, depth + 1);
    }
  };
  for (const value of values) visit(value, 0);
  return found;
}

function repoIdOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/** `${job_id}\0${result id}` of each stated result its job confirms. */
export async function confirmedJobs(hub: HubContext, results: readonly StatedRow[]): Promise<Set<string>> {
  const confirmed = new Set<string>();
  const ids = [...new Set(results.flatMap((result) => (result.job_id ? [result.job_id] : [])))];
  if (ids.length === 0) return confirmed;
  const jobs = new Map<string, { params: Record<string, unknown>; result: unknown }>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await hub.db.selectFrom('jobs').select(['id', 'params', 'result']).where('id', 'in', ids.slice(start, start + 500)).where('type', '=', EVAL_JOB_TYPE).where('state', '=', 'succeeded').execute();
    for (const row of rows) {
      try {
        jobs.set(row.id, { params: JSON.parse(row.params) as Record<string, unknown>, result: row.result === null ? null : (JSON.parse(row.result) as unknown) });
      } catch {
        // A job row that is not JSON confirms nothing.
      }
    }
  }
  for (const result of results) {
    const job = result.job_id ? jobs.get(result.job_id) : undefined;
    if (!job) continue;
    if (repoIdOf(job.params.model) !== result.key || repoIdOf(job.params.dataset) !== result.benchmark) continue;
    const pinned = pinnedCommits(job.params, job.result);
    if (pinned.size > 0 && !pinned.has(result.model_commit)) continue;
    if (holdsNumber(job.result, result.value)) confirmed.add(`${result.job_id}\0${result.id}`);
  }
  return confirmed;
}
