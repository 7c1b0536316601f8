// Which lines of a page to read upside down. PaddleOCR flips each line whose classifier score clears
// a threshold (0.9); on a turned page short and Latin lines often fall short of it and are read
// upside down (on 25 rendered English pages turned 180°: 91.9% character accuracy per line). So the
// page votes too: when the length-weighted mean probability of its lines is above one half, the page
// is turned and every line is flipped unless the classifier is as sure that line is upright.

export interface PageOrientation {
  /** The page as a whole reads upside down. */
  turned: boolean;
  /** Per line: read it upside down. */
  flip: boolean[];
}

/** `upsideDown[i]`: the classifier's probability that line i is upside down; `lengths[i]`: its width / height. */
export function decideOrientation(upsideDown: readonly number[], lengths: readonly number[], threshold: number): PageOrientation {
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const vote = total === 0 ? 0 : upsideDown.reduce((sum, probability, index) => sum + probability * lengths[index]!, 0) / total;
  const turned = vote > 0.5;
  const flip = upsideDown.map((probability) => (turned ? 1 - probability <= threshold : probability > threshold));
  return { turned, flip };
}
