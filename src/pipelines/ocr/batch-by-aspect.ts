// Groups text lines of similar aspect ratio, so each batch pads its lines to a similar width and
// little of the tensor is padding (PaddleOCR sorts by width / height for the same reason, but pads
// every line of a batch to the widest; on CPU batching gains ~1.3× at best, less than padding costs).

/**
 * Indices of `aspects` in ascending order of aspect, cut into batches of at most `size` whose widest
 * line is at most `spread` times the narrowest.
 */
export function batchByAspect(aspects: readonly number[], size: number, spread = Number.POSITIVE_INFINITY): number[][] {
  const order = aspects.map((_, index) => index).sort((a, b) => aspects[a]! - aspects[b]!);
  const batches: number[][] = [];
  let batch: number[] = [];
  for (const index of order) {
    if (batch.length === size || (batch.length > 0 && aspects[index]! > spread * aspects[batch[0]!]!)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(index);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
