// Where an evaluation's wall time goes: wall-clock marks (epoch milliseconds) from the job process's
// start to the end of the run, kept in the job's result beside the throughput, so a slow run shows
// whether its time went to the process start, the dataset, the sample loop or the finish
// (bench/eval.ts reports them against the job record's created/started/finished times).
export interface EvalTimings {
  /** The job process started (its performance.timeOrigin). */
  process_started: number;
  /** The evaluation's code began (the hub opened, job types loaded, the owner authenticated). */
  evaluation_started: number;
  /** Model and dataset pinned, the dataset's preparation found, the columns checked. */
  dataset_prepared: number;
  /** The split's engine and media reader opened: the first page can be read. */
  dataset_opened: number | null;
  first_request_sent: number | null;
  last_answer: number | null;
  /** The predictions artifact and its row index are in the blob store. */
  predictions_stored: number | null;
  /** Scores computed and the results committed (or their commit skipped): the result is ready. */
  finished: number | null;
}

/** Now, as epoch milliseconds with sub-millisecond resolution. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
