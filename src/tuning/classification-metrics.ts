// Held-out metrics of a classifier, computed the same way for every method: accuracy, macro-F1,
// per-class precision, recall, F1 and support, and the confusion matrix (rows: true, columns: predicted).

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macro_f1: number;
  per_class: ClassMetrics[];
  /** confusion_matrix[true][predicted], in `labels` order. */
  confusion_matrix: number[][];
  labels: string[];
  examples: number;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** `truth` and `predicted` are label names, in the same order; `labels` the classes, in display order. */
export function classificationMetrics(labels: readonly string[], truth: readonly string[], predicted: readonly string[]): ClassificationMetrics {
  const index = new Map(labels.map((label, position) => [label, position]));
  const matrix = labels.map(() => labels.map(() => 0));
  let correct = 0;
  truth.forEach((label, position) => {
    const guess = predicted[position];
    if (guess === label) correct++;
    const row = index.get(label);
    const column = guess === undefined ? undefined : index.get(guess);
    const cells = row === undefined ? undefined : matrix[row];
    if (cells && column !== undefined) cells[column] = (cells[column] ?? 0) + 1;
  });
  const perClass = labels.map((label, position) => {
    const truePositives = matrix[position]?.[position] ?? 0;
    const support = (matrix[position] ?? []).reduce((sum, count) => sum + count, 0);
    const predictedCount = matrix.reduce((sum, row) => sum + (row[position] ?? 0), 0);
    const precision = ratio(truePositives, predictedCount);
    const recall = ratio(truePositives, support);
    return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  // Macro-F1 over the classes that occur in the held-out rows (scikit-learn counts all given labels;
  // a class with no held-out row would only add a 0 that says nothing about the model).
  const present = perClass.filter((entry) => entry.support > 0);
  return {
    accuracy: ratio(correct, truth.length),
    macro_f1: ratio(present.reduce((sum, entry) => sum + entry.f1, 0), present.length),
    per_class: perClass,
    confusion_matrix: matrix,
    labels: [...labels],
    examples: truth.length,
  };
}
