// A job as the API shows it: snake_case like the other Moda routes, params without secrets, result
// and error parsed.
import type { JobInfo as JobView, JobLogLine } from '../client/jobs-client.js';
import type { JobLogRow, JobRow } from './job-store.js';
import type { JobType } from './job-type.js';

// The wire shapes are the typed client's (src/client/jobs-client.ts): one definition for both sides.
export type { JobInfo as JobView, JobLogLine } from '../client/jobs-client.js';

export const SECRET_PLACEHOLDER = '(hidden)';

export function jobView(row: JobRow, type: JobType | undefined): JobView {
  const params = JSON.parse(row.params) as Record<string, unknown>;
  for (const name of type?.secretParams ?? []) if (params[name] !== undefined) params[name] = SECRET_PLACEHOLDER;
  return {
    id: row.id,
    type: row.type,
    params,
    owner: row.owner,
    state: row.state,
    progress: { fraction: row.progress_fraction, message: row.progress_message },
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    run_after: row.run_after,
    cancel_requested: row.cancel_requested === 1,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    log_lines: row.log_lines,
  };
}

export function jobLogLine(row: JobLogRow): JobLogLine {
  return { seq: row.seq, at: row.at, line: row.line };
}
