// The refusal of a job past its owner's queued-jobs cap (MODA_JOBS_MAX_QUEUED_PER_USER): 429 with
// Retry-After, and the count and limit in its details.
import { ModaError } from '../errors/moda-error.js';

/** A queued job starts when a running one ends; jobs take seconds to hours, so a short fixed wait is the honest hint. */
const QUEUE_FULL_RETRY_AFTER_S = 30;

export function queueFullError(owner: string, queued: number, cap: number): ModaError {
  return new ModaError('JOB_QUEUE_FULL', `${owner} has ${queued} jobs queued, the most one user may (MODA_JOBS_MAX_QUEUED_PER_USER=${cap}); retry when one has started, or cancel one`, {
    details: { retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_S, queued, limit: cap },
  });
}
