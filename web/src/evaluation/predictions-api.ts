// An evaluation job's per-sample predictions for the rows a dataset viewer page shows
// (GET /api/v1/jobs/{id}/predictions, visible to the job's owner only).
import type { JobPredictions } from '../../../src/client/prediction-types.js';
import { apiJson } from '../api.js';

export function fetchPredictions(jobId: string, rows: readonly number[], signal?: AbortSignal): Promise<JobPredictions> {
  return apiJson<JobPredictions>(`/api/v1/jobs/${encodeURIComponent(jobId)}/predictions?rows=${rows.join(',')}`, signal ? { signal } : {});
}

/** The dataset viewer, opened on the rows an evaluation job scored, with its predictions beside them. */
export function predictionsViewerHref(dataset: string, jobId: string): string {
  return `/datasets/${dataset}?predictions=${encodeURIComponent(jobId)}#viewer`;
}
