// The validation split a dataset without one gets: a stratified, seeded sample of the training rows
// (AutoTrain's 15 %), so every class is scored and the same seed picks the same rows.
import type { TuneExample } from './tune-method.js';

export const VALIDATION_FRACTION = 0.15;

/** mulberry32: a small, fast PRNG whose whole state is one 32-bit number. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with `random`, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

/**
 * Each class gives `fraction` of its rows (rounded, at least one when it has two or more, never
 * its last one) to validation; both parts keep the rows' original order.
 */
export function splitValidation(examples: readonly TuneExample[], seed: number, fraction = VALIDATION_FRACTION): { train: TuneExample[]; validation: TuneExample[] } {
  const random = seededRandom(seed);
  const byClass = new Map<string, number[]>();
  examples.forEach((example, position) => {
    const positions = byClass.get(example.label) ?? [];
    positions.push(position);
    byClass.set(example.label, positions);
  });
  const held = new Set<number>();
  for (const label of [...byClass.keys()].sort()) {
    const positions = byClass.get(label) ?? [];
    if (positions.length < 2) continue;
    const take = Math.min(positions.length - 1, Math.max(1, Math.round(positions.length * fraction)));
    for (const position of shuffle([...positions], random).slice(0, take)) held.add(position);
  }
  const train: TuneExample[] = [];
  const validation: TuneExample[] = [];
  examples.forEach((example, position) => (held.has(position) ? validation : train).push(example));
  return { train, validation };
}
