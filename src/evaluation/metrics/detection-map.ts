// Object detection mean average precision, as pycocotools' COCOeval computes it for bounding boxes
// (evaluate → accumulate → summarize) with area range "all" and maxDets 100:
// - per image and class, detections sorted by score (stable) and cut to the 100 best; each one, in
//   that order, takes the unmatched reference box of highest IoU if that IoU ≥ the threshold
//   (the first such box on ties), at each IoU threshold linspace(.5, .95, 10);
// - per class, all images' detections sorted by score (stable), cumulative TP/FP, precision made
//   monotone from the right, then read at the 101 recall points linspace(0, 1, 101) (searchsorted
//   'left'; points past the last recall count 0);
// - mAP is the mean over thresholds × recall points × classes that have at least one reference box.
// Classes are those of the references (COCO takes the ground truth's categories): a detection of a
// class that no reference box has is not scored, as in COCOeval. No crowd regions, no area ranges.
import { checkPaired, metricInputError } from './metric-input-error.js';

export interface BoundingBox {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface DetectedObject {
  label: string;
  score: number;
  box: BoundingBox;
}

export interface ReferenceObject {
  label: string;
  box: BoundingBox;
}

export interface DetectionResult {
  /** mAP@[.5:.95]: COCO's headline number (stats[0]). */
  map: number;
  /** mAP@0.5 (PASCAL VOC's threshold, COCO's stats[1]). */
  map_50: number;
  /** mAP@0.75 (stats[2]). */
  map_75: number;
  per_class: Record<string, { ap: number; ap_50: number; references: number; detections: number }>;
  samples: number;
  /** Images whose prediction was `null` (the model failed): scored as images with no detections. */
  failures: number;
}

export interface DetectionOptions {
  /** Detections kept per image and class (COCOeval's maxDets[-1]). */
  maxDetections?: number;
}

const MAX_DETECTIONS = 100;

/** np.linspace(.5, .95, 10): arange(10) * step + start, the last one set to stop exactly. */
export const IOU_THRESHOLDS: readonly number[] = (() => {
  const step = (0.95 - 0.5) / 9;
  return Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * step + 0.5));
})();

/** np.linspace(0, 1, 101), computed the same way so recall comparisons match COCO bit for bit. */
export const RECALL_POINTS: readonly number[] = (() => {
  const step = 1 / 100;
  return Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 : i * step));
})();

/** np.spacing(1): COCOeval adds it to the precision denominator. */
const EPSILON = 2.220446049250313e-16;

/** pycocotools' bbIou: boxes as given (no +1 pixel), 0 when they do not overlap. */
export function boxIou(a: BoundingBox, b: BoundingBox): number {
  const width = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  if (width <= 0) return 0;
  const height = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (height <= 0) return 0;
  const intersection = width * height;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - intersection;
  return intersection / union;
}

/** One scored detection of a class: its score and whether it matched at each IoU threshold. */
interface ScoredDetection {
  score: number;
  matched: boolean[];
}

interface ClassTally {
  references: number;
  detections: ScoredDetection[];
}

export function detectionMetrics(predictions: readonly (readonly DetectedObject[] | null)[], references: readonly (readonly ReferenceObject[])[], options: DetectionOptions = {}): DetectionResult {
  checkPaired(predictions, references);
  const maxDetections = options.maxDetections ?? MAX_DETECTIONS;
  const tallies = new Map<string, ClassTally>();
  let failures = 0;
  references.forEach((objects, image) => {
    if (!Array.isArray(objects)) throw metricInputError(`reference ${image} is not a list of objects`, { index: image });
    for (const object of objects) {
      checkBox(object, `reference ${image}`);
      const tally = tallies.get(object.label) ?? { references: 0, detections: [] };
      tally.references++;
      tallies.set(object.label, tally);
    }
  });
  if (tallies.size === 0) throw metricInputError('the references hold no objects: mAP needs at least one reference box');
  references.forEach((objects, image) => {
    const detected = predictions[image] ?? null;
    if (detected === null) failures++;
    else if (!Array.isArray(detected)) throw metricInputError(`prediction ${image} is neither a list of detections nor null`, { index: image });
    for (const object of detected ?? []) {
      checkBox(object, `prediction ${image}`);
      if (typeof object.score !== 'number' || !Number.isFinite(object.score)) throw metricInputError(`a detection of prediction ${image} has no finite score`, { index: image });
    }
    for (const label of tallies.keys()) {
      const truth = objects.filter((object) => object.label === label);
      const found = (detected ?? []).filter((object) => object.label === label);
      if (truth.length === 0 && found.length === 0) continue;
      // Stable sort by descending score (numpy's mergesort), then the best maxDetections.
      const ranked = found
        .map((object, order) => ({ object, order }))
        .sort((a, b) => b.object.score - a.object.score || a.order - b.order)
        .slice(0, maxDetections)
        .map((entry) => entry.object);
      const tally = tallies.get(label)!;
      for (const detection of matchImage(ranked, truth)) tally.detections.push(detection);
    }
  });
  const perClass: DetectionResult['per_class'] = {};
  const precisionAt = IOU_THRESHOLDS.map(() => 0);
  let classes = 0;
  for (const [label, tally] of tallies) {
    const sorted = tally.detections.map((detection, order) => ({ detection, order })).sort((a, b) => b.detection.score - a.detection.score || a.order - b.order);
    const perThreshold = IOU_THRESHOLDS.map((_, t) => averagePrecision(sorted.map((entry) => entry.detection.matched[t]!), tally.references));
    perThreshold.forEach((value, t) => (precisionAt[t]! += value));
    classes++;
    perClass[label] = { ap: mean(perThreshold), ap_50: perThreshold[0]!, references: tally.references, detections: tally.detections.length };
  }
  return {
    map: mean(precisionAt) / classes,
    map_50: precisionAt[0]! / classes,
    map_75: precisionAt[5]! / classes,
    per_class: perClass,
    samples: references.length,
    failures,
  };
}

/** COCOeval.evaluateImg for one image and class: greedy matching in score order, per threshold. */
function matchImage(detections: readonly DetectedObject[], truth: readonly ReferenceObject[]): ScoredDetection[] {
  const ious = detections.map((detection) => truth.map((object) => boxIou(detection.box, object.box)));
  const results = detections.map((detection) => ({ score: detection.score, matched: IOU_THRESHOLDS.map(() => false) }));
  IOU_THRESHOLDS.forEach((threshold, t) => {
    const taken = truth.map(() => false);
    detections.forEach((_, d) => {
      let best = Math.min(threshold, 1 - 1e-10);
      let match = -1;
      truth.forEach((__, g) => {
        if (taken[g]) return;
        const iou = ious[d]![g]!;
        if (iou < best) return;
        best = iou;
        match = g;
      });
      if (match === -1) return;
      taken[match] = true;
      results[d]!.matched[t] = true;
    });
  });
  return results;
}

/** COCOeval.accumulate for one class and threshold: the mean of the 101 interpolated precisions. */
function averagePrecision(matched: readonly boolean[], references: number): number {
  const count = matched.length;
  const recall = new Float64Array(count);
  const precision = new Float64Array(count);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < count; i++) {
    if (matched[i]) tp++;
    else fp++;
    recall[i] = tp / references;
    precision[i] = tp / (fp + tp + EPSILON);
  }
  for (let i = count - 1; i > 0; i--) if (precision[i]! > precision[i - 1]!) precision[i - 1] = precision[i]!;
  let sum = 0;
  let position = 0;
  for (const point of RECALL_POINTS) {
    // searchsorted(recall, point, side='left'): the first index whose recall is ≥ the point.
    while (position < count && recall[position]! < point) position++;
    if (position >= count) break;
    sum += precision[position]!;
  }
  return sum / RECALL_POINTS.length;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function checkBox(object: { label?: unknown; box?: unknown }, where: string): void {
  if (typeof object !== 'object' || object === null || typeof object.label !== 'string') throw metricInputError(`${where}: every object needs a string label`);
  const box = object.box as Partial<BoundingBox> | undefined;
  const values = box ? [box.xmin, box.ymin, box.xmax, box.ymax] : [];
  if (values.length !== 4 || values.some((value) => typeof value !== 'number' || !Number.isFinite(value))) throw metricInputError(`${where}: every object needs a box {xmin, ymin, xmax, ymax} of finite numbers`);
  if (box!.xmax! < box!.xmin! || box!.ymax! < box!.ymin!) throw metricInputError(`${where}: a box has xmax < xmin or ymax < ymin`);
}
