// Few-shot classification without training: each class is the mean of its examples' L2-normalised
// embeddings (a prototype, itself normalised), and an input belongs to the class whose prototype is
// most cosine-similar. Scores are a softmax over similarity / temperature, so they sum to 1 and one
// temperature works for any embedding width.

/** `vector` scaled to unit length; a zero vector stays zero. */
export function l2Normalize(vector: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index]! * vector[index]!;
  const norm = Math.sqrt(sum);
  const result = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) result[index] = norm > 0 ? vector[index]! / norm : 0;
  return result;
}

export interface Prototypes {
  dimensions: number;
  /** Row-major [classes, dimensions], each row unit length. */
  vectors: Float32Array;
  /** Examples each prototype is the mean of. */
  counts: number[];
}

/** One prototype per class 0 … classes-1 from labelled embeddings; a class without examples gets a zero row (it never wins). */
export function computePrototypes(embeddings: readonly ArrayLike<number>[], labels: readonly number[], classes: number): Prototypes {
  const dimensions = embeddings[0]?.length ?? 0;
  const sums = new Float64Array(classes * dimensions);
  const counts = new Array<number>(classes).fill(0);
  embeddings.forEach((embedding, row) => {
    if (embedding.length !== dimensions) throw new RangeError(`embedding ${row} has ${embedding.length} dimensions, not ${dimensions}`);
    const label = labels[row]!;
    const unit = l2Normalize(embedding);
    counts[label]!++;
    for (let index = 0; index < dimensions; index++) sums[label * dimensions + index] = sums[label * dimensions + index]! + unit[index]!;
  });
  const vectors = new Float32Array(classes * dimensions);
  for (let label = 0; label < classes; label++) vectors.set(l2Normalize(sums.subarray(label * dimensions, (label + 1) * dimensions)), label * dimensions);
  return { dimensions, vectors, counts };
}

/** Cosine similarity of `embedding` to each prototype. */
export function prototypeSimilarities(prototypes: Prototypes, embedding: ArrayLike<number>): Float32Array {
  const unit = l2Normalize(embedding);
  const classes = prototypes.vectors.length / prototypes.dimensions;
  const similarities = new Float32Array(classes);
  for (let label = 0; label < classes; label++) {
    let dot = 0;
    const offset = label * prototypes.dimensions;
    for (let index = 0; index < prototypes.dimensions; index++) dot += unit[index]! * prototypes.vectors[offset + index]!;
    similarities[label] = dot;
  }
  return similarities;
}

/** softmax(similarity / temperature): one probability per class. */
export function prototypeScores(similarities: Float32Array, temperature: number): Float32Array {
  let max = -Infinity;
  for (const similarity of similarities) max = Math.max(max, similarity);
  const scores = new Float32Array(similarities.length);
  let sum = 0;
  similarities.forEach((similarity, index) => {
    scores[index] = Math.exp((similarity - max) / temperature);
    sum += scores[index]!;
  });
  for (let index = 0; index < scores.length; index++) scores[index] = scores[index]! / sum;
  return scores;
}

/** The prototypes as little-endian float32 bytes (`prototypes.bin`), byte-identical for the same inputs. */
export function prototypesBytes(prototypes: Prototypes): Uint8Array {
  const bytes = new Uint8Array(prototypes.vectors.length * 4);
  const view = new DataView(bytes.buffer);
  prototypes.vectors.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return bytes;
}

/** Reads `prototypesBytes` back; null when the size does not fit classes × dimensions. */
export function readPrototypes(bytes: Uint8Array, classes: number, dimensions: number): Prototypes | null {
  if (bytes.length !== classes * dimensions * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vectors = new Float32Array(classes * dimensions);
  for (let index = 0; index < vectors.length; index++) vectors[index] = view.getFloat32(index * 4, true);
  return { dimensions, vectors, counts: [] };
}
