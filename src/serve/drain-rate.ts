// How fast a model works through its queue: inputs finished per second over the last few seconds,
// from which a refused client is told when there will be room (Retry-After) instead of a constant.

/** Completions older than this no longer describe the model's pace. */
const WINDOW_MS = 5000;

export class DrainRate {
  /** Finish times and input counts inside the window, oldest first. */
  private readonly finished: { at: number; inputs: number }[] = [];
  private inputsInWindow = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  record(inputs: number): void {
    this.finished.push({ at: this.now(), inputs });
    this.inputsInWindow += inputs;
    this.trim();
  }

  /** Inputs per second over the window; undefined before two completions (no pace to speak of). */
  perSecond(): number | undefined {
    this.trim();
    const first = this.finished[0];
    if (!first || this.finished.length < 2) return undefined;
    // The first completion only marks where the span starts: its inputs ran before it.
    const span = this.now() - first.at;
    return span > 0 ? ((this.inputsInWindow - first.inputs) * 1000) / span : undefined;
  }

  /** Whole seconds until `waiting` inputs have drained at the current pace, within [min, max]. */
  secondsToDrain(waiting: number, min: number, max: number): number {
    const rate = this.perSecond();
    if (rate === undefined || rate <= 0) return min;
    return Math.min(max, Math.max(min, Math.ceil(waiting / rate)));
  }

  private trim(): void {
    const oldest = this.now() - WINDOW_MS;
    while (this.finished.length > 0 && this.finished[0]!.at < oldest) this.inputsInWindow -= this.finished.shift()!.inputs;
  }
}
