// The per-sample predictions of one `eval` job for the rows a dataset viewer page shows: what the
// viewer puts beside each row (prediction, correct or wrong, the failure code), read from the job's
// predictions artifact through its row index (only the blocks holding the rows asked). Only the
// job's owner and site admins see them, exactly as they see the job.
import type { JobPredictions } from '../client/prediction-types.js';
import { ModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { JobService } from '../jobs/job-service.js';
import { readPredictionRows } from './read-prediction-rows.js';
import { PREDICTIONS_ARTIFACT, type JobArtifact, type PredictionRow } from './store-predictions.js';

/** Rows asked for at once: a viewer page is 25, /rows gives at most 100. */
export const MAX_PREDICTION_ROWS = 100;

interface StoredResult {
  model?: unknown;
  model_commit?: unknown;
  dataset?: unknown;
  dataset_commit?: unknown;
  config?: unknown;
  split?: unknown;
  task?: unknown;
  artifacts?: unknown;
}

/** Parses `1,5,9`: distinct non-negative integers, at most MAX_PREDICTION_ROWS. */
export function parseRowIndexes(raw: unknown): number[] {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ModaError('VALIDATION_FAILED', 'rows: give the row_idx values to read once, comma-separated (e.g. rows=0,1,2)');
  const parts = raw.split(',');
  if (parts.length > MAX_PREDICTION_ROWS) throw new ModaError('VALIDATION_FAILED', `rows: at most ${MAX_PREDICTION_ROWS} row indexes at once, got ${parts.length}`);
  return [
    ...new Set(
      parts.map((part) => {
        const value = Number(part.trim());
        if (!/^\d{1,10}$/.test(part.trim()) || !Number.isSafeInteger(value)) throw new ModaError('VALIDATION_FAILED', `rows: ${JSON.stringify(part.slice(0, 20))} is not a row index (a non-negative integer)`);
        return value;
      }),
    ),
  ];
}

/** A classification row says itself whether it is right; for text (OCR, speech) an exact match after trimming is. */
function correctOf(row: PredictionRow): boolean {
  if (row.error !== null || row.prediction === null) return false;
  if (typeof row.correct === 'boolean') return row.correct;
  return typeof row.reference === 'string' && row.prediction.trim() === row.reference.trim();
}

export async function readJobPredictions(jobs: JobService, actor: Actor, jobId: string, rowIndexes: readonly number[]): Promise<JobPredictions> {
  const row = await jobs.visibleRow(actor, jobId);
  const result = row.type === 'eval' && row.state === 'succeeded' && row.result !== null ? (JSON.parse(row.result) as StoredResult) : undefined;
  const artifact = Array.isArray(result?.artifacts) ? (result.artifacts as JobArtifact[]).find((entry) => entry?.name === PREDICTIONS_ARTIFACT) : undefined;
  if (!result || !artifact || typeof result.dataset !== 'string') throw new ModaError('JOB_ARTIFACT_NOT_FOUND', `job ${row.id} is not a finished evaluation with per-sample predictions`);
  const rows: JobPredictions['rows'] = (await readPredictionRows(jobs.hub.blobs, artifact, rowIndexes)).map((stored) => ({ row_idx: stored.row_idx, prediction: stored.prediction, correct: correctOf(stored), error: stored.error }));
  return {
    job_id: row.id,
    model: String(result.model),
    model_commit: String(result.model_commit),
    dataset: result.dataset,
    dataset_commit: String(result.dataset_commit),
    config: String(result.config),
    split: String(result.split),
    task: String(result.task),
    num_predictions: artifact.rows,
    rows,
  };
}
