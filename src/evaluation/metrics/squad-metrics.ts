// Extractive question answering: exact match and token F1 as the official SQuAD v1.1 evaluation
// script computes them (evaluate-v1.1.py): answers are normalised (lower-cased, ASCII punctuation
// removed, the articles a/an/the removed, whitespace collapsed), each prediction scores its best
// against every reference answer, and the scores are averaged over questions. The script reports
// percentages; these are fractions (×100 gives its numbers).
import { checkPaired, metricInputError } from './metric-input-error.js';

export interface QuestionAnsweringResult {
  exact_match: number;
  f1: number;
  samples: number;
  /** Predictions that were `null` (the model failed): scored as an empty answer (0 and 0). */
  failures: number;
}

/** Python's string.punctuation. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's `\b` is Unicode-aware (letters and digits of any script, and _); JavaScript's is ASCII.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase();
  let withoutPunctuation = '';
  for (const char of lowered) if (!PUNCTUATION.has(char)) withoutPunctuation += char;
  return tokensOf(withoutPunctuation.replace(ARTICLES, ' ')).join(' ');
}

function tokensOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

export function answerExactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

export function answerF1(prediction: string, reference: string): number {
  const predicted = tokensOf(normalizeAnswer(prediction));
  const expected = tokensOf(normalizeAnswer(reference));
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      same++;
      counts.set(token, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/** `references[i]`: every accepted answer to question i (SQuAD lists several), or one answer. */
export function questionAnsweringMetrics(predictions: readonly (string | null)[], references: readonly (string | readonly string[])[]): QuestionAnsweringResult {
  checkPaired(predictions, references);
  let exact = 0;
  let f1 = 0;
  let failures = 0;
  references.forEach((reference, i) => {
    const answers = typeof reference === 'string' ? [reference] : reference;
    if (!Array.isArray(answers) || answers.length === 0 || answers.some((answer) => typeof answer !== 'string')) {
      throw metricInputError(`reference ${i} must be an answer string or a non-empty list of them`, { index: i });
    }
    const prediction = predictions[i] ?? null;
    if (prediction !== null && typeof prediction !== 'string') throw metricInputError(`prediction ${i} is neither a string nor null`, { index: i });
    if (prediction === null) failures++;
    const answer = prediction ?? '';
    exact += Math.max(...answers.map((expected: string) => answerExactMatch(answer, expected)));
    f1 += Math.max(...answers.map((expected: string) => answerF1(answer, expected)));
  });
  return { exact_match: exact / references.length, f1: f1 / references.length, samples: references.length, failures };
}
