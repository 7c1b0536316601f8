// The one way metric code refuses its input: a ModaError with a stable code, so an evaluation job
// reports "predictions and references differ in length" instead of a number computed from garbage.
import { ModaError } from '../../errors/moda-error.js';

export function metricInputError(message: string, details?: Record<string, unknown>): ModaError {
  return new ModaError('METRIC_INPUT_INVALID', message, details ? { details } : {});
}

/** Throws unless both sides hold the same, non-zero number of samples. */
export function checkPaired(predictions: readonly unknown[], references: readonly unknown[]): void {
  if (!Array.isArray(predictions) || !Array.isArray(references)) throw metricInputError('predictions and references must be arrays');
  if (predictions.length !== references.length) {
    throw metricInputError(`predictions and references differ in length (${predictions.length} vs ${references.length})`, { predictions: predictions.length, references: references.length });
  }
  if (references.length === 0) throw metricInputError('there are no samples to score');
}
