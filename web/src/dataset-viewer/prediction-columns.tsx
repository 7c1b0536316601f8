// The columns an evaluation job adds to the viewer's rows when the viewer is opened from its result
// (`?predictions=<job>`): the model's prediction and a correct / wrong mark per row, read for the
// rows on the page from the job (only its owner may read them).
import type { RowPrediction } from '../../../src/client/prediction-types.js';
import { useAsync } from '../async-state.js';
import { EVALUATION_TEXT } from '../evaluation/evaluation-text.js';
import { fetchPredictions } from '../evaluation/predictions-api.js';
import { useI18n } from '../i18n.js';

/** The job's predictions for `rows`, by row_idx; empty while loading, without a job, or on failure (the table stays usable). */
export function useRowPredictions(jobId: string | undefined, rows: readonly number[]): Map<number, RowPrediction> {
  const key = rows.join(',');
  const [state] = useAsync((signal) => (jobId && rows.length > 0 ? fetchPredictions(jobId, rows, signal) : Promise.resolve(undefined)), [jobId, key]);
  return new Map(state.status === 'done' && state.value ? state.value.rows.map((row) => [row.row_idx, row]) : []);
}

export function PredictionHeaders() {
  const text = EVALUATION_TEXT[useI18n().language];
  return (
    <>
      <th scope="col" className="prediction-column">
        {text.prediction}
      </th>
      <th scope="col" className="prediction-column">
        {text.verdict}
      </th>
    </>
  );
}

export function PredictionCells({ prediction }: { prediction: RowPrediction | undefined }) {
  const text = EVALUATION_TEXT[useI18n().language];
  if (!prediction) {
    return (
      <>
        <td className="prediction-column muted" data-column="prediction">
          —
        </td>
        <td className="prediction-column muted" data-column="verdict">
          —
        </td>
      </>
    );
  }
  const verdict = prediction.correct ? 'correct' : 'wrong';
  return (
    <>
      <td className="prediction-column" data-column="prediction" data-testid="prediction-cell">
        {prediction.error ? <code title={text.failedSample}>{prediction.error}</code> : prediction.prediction}
      </td>
      <td className="prediction-column" data-column="verdict" data-testid="prediction-verdict" data-verdict={verdict}>
        <span aria-label={prediction.correct ? text.correct : text.wrong} title={prediction.correct ? text.correct : text.wrong}>
          {prediction.correct ? '✓' : '✗'}
        </span>
      </td>
    </>
  );
}
