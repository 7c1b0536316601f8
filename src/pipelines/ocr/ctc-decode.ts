// Greedy CTC decoding as PP-OCR does it: the most probable class per time step, repeats collapsed,
// blanks (class 0) dropped; the score is the mean probability of the characters kept.

export interface DecodedLine {
  text: string;
  score: number;
}

/**
 * Decodes one item of a [batch, steps, classes] probability tensor. `characters[c]` is the text of
 * class c (index 0, the blank, is never read).
 */
export function ctcGreedyDecode(probabilities: Float32Array, offset: number, steps: number, classes: number, characters: readonly string[]): DecodedLine {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let step = 0; step < steps; step++) {
    const start = offset + step * classes;
    let best = 0;
    let bestValue = probabilities[start]!;
    for (let c = 1; c < classes; c++) {
      const value = probabilities[start + c]!;
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += characters[best] ?? '';
      sum += bestValue;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept === 0 ? 0 : sum / kept };
}
