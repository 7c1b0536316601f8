// Greedy non-maximum suppression with a cap on the candidates it considers. A detection graph
// decides how many rows it returns, and greedy NMS costs candidates × kept comparisons: 40 000
// boxes took 7 s, 10⁶ would take hours. As detectors do (a pre-NMS top-k), only the highest-scored
// `maxCandidates` are suppressed among; the rest could not have been kept ahead of them anyway
// once `maxKept` boxes are returned.

export interface ScoredBox {
  classIndex: number;
  score: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

function iou(a: ScoredBox, b: ScoredBox): number {
  const width = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const height = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (width <= 0 || height <= 0) return 0;
  const overlap = width * height;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - overlap;
  return union > 0 ? overlap / union : 0;
}

/** Boxes kept, highest score first: at most `maxKept`, chosen among the `maxCandidates` best. */
export function suppressBoxes<T extends ScoredBox>(candidates: readonly T[], options: { iouThreshold: number; classAgnostic: boolean; maxCandidates: number; maxKept: number }): T[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score).slice(0, options.maxCandidates);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (kept.length >= options.maxKept) break;
    if (kept.every((other) => (!options.classAgnostic && other.classIndex !== candidate.classIndex) || iou(other, candidate) <= options.iouThreshold)) kept.push(candidate);
  }
  return kept;
}
