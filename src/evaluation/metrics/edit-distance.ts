// Levenshtein distance (unit-cost substitution, insertion, deletion) between two token sequences:
// the count of errors S + D + I that jiwer's WER and CER are built on (jiwer aligns with
// rapidfuzz's Levenshtein.editops, whose total is this minimum).
export function editDistance<T>(reference: readonly T[], hypothesis: readonly T[]): number {
  if (reference.length === 0) return hypothesis.length;
  if (hypothesis.length === 0) return reference.length;
  // Two rows of the dynamic programme, over the shorter sequence: O(min(m, n)) memory.
  const [long, short] = reference.length >= hypothesis.length ? [reference, hypothesis] : [hypothesis, reference];
  let previous = new Int32Array(short.length + 1);
  let current = new Int32Array(short.length + 1);
  for (let j = 0; j <= short.length; j++) previous[j] = j;
  for (let i = 1; i <= long.length; i++) {
    current[0] = i;
    const item = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const substitution = previous[j - 1]! + (item === short[j - 1] ? 0 : 1);
      const deletion = previous[j]! + 1;
      const insertion = current[j - 1]! + 1;
      current[j] = substitution < deletion ? (substitution < insertion ? substitution : insertion) : deletion < insertion ? deletion : insertion;
    }
    [previous, current] = [current, previous];
  }
  return previous[short.length]!;
}
