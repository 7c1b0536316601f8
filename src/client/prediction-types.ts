// `GET /api/v1/jobs/{id}/predictions?rows=…`: an evaluation's per-sample predictions for the rows a
// dataset viewer page shows, as the server answers and the web UI reads them.

export interface RowPrediction {
  row_idx: number;
  /** The value scored against the reference (top label, read text); null when the sample failed. */
  prediction: string | null;
  /** Classification: the job's own verdict (labels mapped); text: an exact match after trimming. */
  correct: boolean;
  /** The failure code when the sample failed (it counts as wrong). */
  error: string | null;
}

export interface JobPredictions {
  job_id: string;
  /** The model and the commit that made the predictions. */
  model: string;
  model_commit: string;
  /** The dataset, commit, config and split the job evaluated: the viewer pins itself to them. */
  dataset: string;
  dataset_commit: string;
  config: string;
  split: string;
  task: string;
  num_predictions: number;
  /** The asked-for rows that have a prediction, by row_idx (rows past the job's `limit` have none). */
  rows: RowPrediction[];
}
