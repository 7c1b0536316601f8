// Tells model time from pipeline time: while `measureEngineTime` runs a piece of work, every model
// execution inside it (ONNX Runtime, tfjs, a fastText or jieba call, an engine child process) adds
// its wall time to that measurement, carried through awaits by AsyncLocalStorage so concurrent
// measurements never mix. Outside a measurement an engine call costs one getStore() lookup. It is
// wall time: other work the event loop runs while an asynchronous execution is pending counts too,
// so shares are exact only when the measured call has the process to itself (as in bench/).
import { AsyncLocalStorage } from 'node:async_hooks';

/** One measurement's running total; engine calls that overlap in time are counted once. */
class EngineClock {
  engineMs = 0;
  private active = 0;
  private since = 0;

  constructor(readonly parent: EngineClock | undefined) {}

  enter(now: number): void {
    if (this.active++ === 0) this.since = now;
  }

  leave(now: number): void {
    if (--this.active === 0) this.engineMs += now - this.since;
  }
}

const clocks = new AsyncLocalStorage<EngineClock>();

export interface EngineTimeMeasurement<T> {
  result: T;
  /** Wall time during which at least one model execution was running. */
  engineMs: number;
  /** Wall time of the whole call. */
  totalMs: number;
}

/**
 * Runs `work` and reports how much of its wall time went to model executions. Engine calls that
 * overlap (two tesseract processes, a batch split across workers) count once, so engineMs never
 * exceeds totalMs; a measurement nested in another also counts towards the outer one.
 */
export async function measureEngineTime<T>(work: () => T | Promise<T>): Promise<EngineTimeMeasurement<T>> {
  const clock = new EngineClock(clocks.getStore());
  const started = performance.now();
  const result = await clocks.run(clock, work);
  const totalMs = performance.now() - started;
  return { result, engineMs: clock.engineMs, totalMs };
}

function enterAll(clock: EngineClock | undefined, now: number): void {
  for (let current = clock; current; current = current.parent) current.enter(now);
}

function leaveAll(clock: EngineClock | undefined, now: number): void {
  for (let current = clock; current; current = current.parent) current.leave(now);
}

/** Counts an asynchronous model execution (a session.run, a child process) as engine time. */
export function timeEngine<T>(execution: () => Promise<T>): Promise<T> {
  const clock = clocks.getStore();
  if (!clock) return execution();
  enterAll(clock, performance.now());
  let settled: Promise<T>;
  try {
    settled = execution();
  } catch (error) {
    leaveAll(clock, performance.now());
    throw error;
  }
  return settled.finally(() => leaveAll(clock, performance.now()));
}

/** Counts a synchronous model execution (a tfjs wasm graph, a fastText predict) as engine time. */
export function timeEngineSync<T>(execution: () => T): T {
  const clock = clocks.getStore();
  if (!clock) return execution();
  enterAll(clock, performance.now());
  try {
    return execution();
  } finally {
    leaveAll(clock, performance.now());
  }
}
