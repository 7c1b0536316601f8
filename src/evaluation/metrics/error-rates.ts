// Word and character error rates for OCR and speech recognition, as jiwer computes them
// (jiwer.wer / jiwer.cer with their default transforms): corpus-level, total edits S + D + I over
// all samples divided by the total reference length S + D + H, not a mean of per-sample rates.
//   WER: whitespace runs collapse, ends are stripped, words are split on whitespace.
//   CER: ends are stripped, every character (inner spaces included) is a unit; code points, as
//        Python iterates str.
//   CER without whitespace: every whitespace character removed first; the usual rate for Chinese
//        and Japanese text, where spaces are layout, not content.
import { editDistance } from './edit-distance.js';
import { checkPaired, metricInputError } from './metric-input-error.js';

export interface ErrorRateResult {
  wer: number;
  cer: number;
  cer_no_space: number;
  /** Edits and reference lengths behind the rates, so results of shards can be added up. */
  word_errors: number;
  reference_words: number;
  char_errors: number;
  reference_chars: number;
  char_errors_no_space: number;
  reference_chars_no_space: number;
  samples: number;
  /** Predictions that were `null` (the model failed): scored as empty text, so every reference unit is a deletion. */
  failures: number;
}

export function wordsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

export function charsOf(text: string): string[] {
  return Array.from(text.trim());
}

export function charsWithoutSpaceOf(text: string): string[] {
  return Array.from(text.replace(/\s+/gu, ''));
}

export function errorRates(predictions: readonly (string | null)[], references: readonly string[]): ErrorRateResult {
  checkPaired(predictions, references);
  let wordErrors = 0;
  let referenceWords = 0;
  let charErrors = 0;
  let referenceChars = 0;
  let charErrorsNoSpace = 0;
  let referenceCharsNoSpace = 0;
  let failures = 0;
  for (let i = 0; i < references.length; i++) {
    const reference = references[i];
    const prediction = predictions[i] ?? null;
    if (typeof reference !== 'string') throw metricInputError(`reference ${i} is not a string`, { index: i });
    if (prediction !== null && typeof prediction !== 'string') throw metricInputError(`prediction ${i} is neither a string nor null`, { index: i });
    if (prediction === null) failures++;
    const hypothesis = prediction ?? '';
    const referenceWordList = wordsOf(reference);
    const referenceCharList = charsOf(reference);
    const referenceNoSpace = charsWithoutSpaceOf(reference);
    wordErrors += editDistance(referenceWordList, wordsOf(hypothesis));
    referenceWords += referenceWordList.length;
    charErrors += editDistance(referenceCharList, charsOf(hypothesis));
    referenceChars += referenceCharList.length;
    charErrorsNoSpace += editDistance(referenceNoSpace, charsWithoutSpaceOf(hypothesis));
    referenceCharsNoSpace += referenceNoSpace.length;
  }
  // jiwer refuses empty references; an empty reference here adds its hypothesis as insertions, and
  // only a corpus with no reference text at all has no rate (a reference of whitespace only is
  // empty in all three counts).
  if (referenceChars === 0) throw metricInputError('every reference is empty: an error rate needs reference text');
  return {
    wer: wordErrors / referenceWords,
    cer: charErrors / referenceChars,
    cer_no_space: charErrorsNoSpace / referenceCharsNoSpace,
    word_errors: wordErrors,
    reference_words: referenceWords,
    char_errors: charErrors,
    reference_chars: referenceChars,
    char_errors_no_space: charErrorsNoSpace,
    reference_chars_no_space: referenceCharsNoSpace,
    samples: references.length,
    failures,
  };
}
