// A small seeded PRNG (mulberry32): shuffles and splits that must come out the same for the same
// seed on any machine, which Math.random cannot promise.
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0 … n-1 in a seeded random order (Fisher–Yates). */
export function seededPermutation(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let index = 0; index < n; index++) order[index] = index;
  for (let index = n - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    const swap = order[index]!;
    order[index] = order[other]!;
    order[other] = swap;
  }
  return order;
}
