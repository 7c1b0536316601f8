import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxIou, detectionMetrics, IOU_THRESHOLDS, RECALL_POINTS, type DetectedObject, type ReferenceObject } from './detection-map.js';

const close = (actual: number, expected: number, tolerance = 1e-12) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);
const box = (xmin: number, ymin: number, xmax: number, ymax: number) => ({ xmin, ymin, xmax, ymax });
const truth = (label: string, b = box(0, 0, 10, 10)): ReferenceObject => ({ label, box: b });
const found = (label: string, score: number, b = box(0, 0, 10, 10)): DetectedObject => ({ label, score, box: b });

void test("COCOeval's parameters: 10 IoU thresholds from .5 to .95, 101 recall points", () => {
  assert.equal(IOU_THRESHOLDS.length, 10);
  close(IOU_THRESHOLDS[0]!, 0.5);
  assert.equal(IOU_THRESHOLDS[9], 0.95);
  assert.equal(RECALL_POINTS.length, 101);
  assert.equal(RECALL_POINTS[100], 1);
  // np.linspace multiplies: 0.07 is 7 * 0.01, not the literal 0.07.
  assert.equal(RECALL_POINTS[7], 7 * 0.01);
});

void test('IoU as pycocotools computes it for boxes', () => {
  close(boxIou(box(0, 0, 10, 10), box(0, 0, 10, 8)), 0.8);
  close(boxIou(box(0, 0, 10, 10), box(5, 0, 15, 10)), 50 / 150);
  assert.equal(boxIou(box(0, 0, 10, 10), box(10, 0, 20, 10)), 0);
});

void test('a perfect detection scores 1 at every threshold', () => {
  const result = detectionMetrics([[found('cat', 0.9)]], [[truth('cat')]]);
  // 1 − 2⁻⁵² rather than 1: COCOeval adds np.spacing(1) to the precision denominator, as here.
  close(result.map, 1, 1e-15);
  close(result.map_50, 1, 1e-15);
});

void test('IoU 0.79 matches at thresholds .50 to .75 only: mAP@[.5:.95] = 6/10', () => {
  const result = detectionMetrics([[found('cat', 0.9, box(0, 0, 10, 7.9))]], [[truth('cat')]]);
  close(result.map_50, 1);
  close(result.map_75, 1);
  close(result.map, 0.6);
});

void test('a higher-scored false positive before the true positive: precision 1/2 at every recall point', () => {
  // Sorted: FP (0.9), TP (0.8) → recall [0, 1], precision [0, 0.5] made monotone → [0.5, 0.5].
  const result = detectionMetrics([[found('cat', 0.9, box(50, 50, 60, 60)), found('cat', 0.8)]], [[truth('cat')]]);
  close(result.map_50, 0.5, 1e-15);
});

void test('101-point interpolation: finding 1 of 2 objects gives precision 1 at recall 0 … 0.50, then 0', () => {
  const result = detectionMetrics([[found('cat', 0.9)]], [[truth('cat'), truth('cat', box(100, 100, 120, 120))]]);
  close(result.map_50, 51 / 101);
});

void test('classes are averaged; a class never detected scores 0; a class with no reference box is not scored', () => {
  const result = detectionMetrics([[found('cat', 0.9), found('unicorn', 0.99)], []], [[truth('cat')], [truth('dog')]]);
  close(result.map_50, 0.5);
  assert.deepEqual(Object.keys(result.per_class).sort(), ['cat', 'dog']);
  assert.equal(result.per_class.dog!.ap, 0);
});

void test('detections are matched across images in score order; one box takes at most one detection', () => {
  // Image 1: two detections on the same box: the second is a false positive.
  // Image 2: one true positive with a middle score.
  const result = detectionMetrics(
    [[found('cat', 0.9), found('cat', 0.7)], [found('cat', 0.8)]],
    [[truth('cat')], [truth('cat')]],
  );
  // Order: TP(.9), TP(.8), FP(.7) → recall [.5, 1, 1], precision [1, 1, 2/3] → monotone → AP 1.
  close(result.map_50, 1, 1e-15);
});

void test('a failed image (null) counts as no detections', () => {
  const result = detectionMetrics([[found('cat', 0.9)], null], [[truth('cat')], [truth('cat')]]);
  assert.equal(result.failures, 1);
  close(result.map_50, 51 / 101);
});

void test('bad input: no reference boxes, a malformed box, a detection without a score', () => {
  assert.throws(() => detectionMetrics([[]], [[]]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => detectionMetrics([[]], [[{ label: 'cat', box: { xmin: 0, ymin: 0, xmax: 'x' } } as unknown as ReferenceObject]]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => detectionMetrics([[{ label: 'cat', box: box(0, 0, 1, 1) } as DetectedObject]], [[truth('cat')]]), { code: 'METRIC_INPUT_INVALID' });
  assert.throws(() => detectionMetrics([[]], [[truth('cat', box(5, 0, 1, 1))]]), { code: 'METRIC_INPUT_INVALID' });
});
