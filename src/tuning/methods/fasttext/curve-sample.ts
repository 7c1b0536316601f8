// Which epochs of a fastText run the learning curve scores, and on which validation lines: the
// scoring runs on the training thread between epochs, so both are bounded and chosen without the
// clock (the same params give the same curve).

/** Curve points scored during training, the final full pass aside: 200 epochs get a point every 20. */
export const MAX_CURVE_POINTS = 10;

/** `count` items spread evenly over `lines` (a prefix would be one class when the split is sorted by label). */
export function spreadSample<T>(lines: readonly T[], count: number): T[] {
  if (lines.length <= count) return [...lines];
  const sample: T[] = [];
  for (let index = 0; index < count; index++) sample.push(lines[Math.floor((index * lines.length) / count)] as T);
  return sample;
}

/** Whether the curve scores the model at the end of epoch `epoch` of `epochs` (never the last: the final pass scores every line). */
export function scoresEpoch(epoch: number, epochs: number): boolean {
  return epoch >= 1 && epoch < epochs && epoch % Math.max(1, Math.ceil(epochs / MAX_CURVE_POINTS)) === 0;
}
