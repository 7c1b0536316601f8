// Runs synchronous work that a model file controls (a chat template, a tokenizer regex) with a
// wall-clock bound. Node's vm watchdog terminates whatever JavaScript runs inside the call, even
// functions of this realm and V8's regex backtracking (measured: `(a+)+$` on 40 characters stops
// at 200 ms as asked), and the thread goes on. Each call costs about 0.25 ms for the watchdog, so
// it guards work that is rare or long anyway, not every token count.
import { createContext, Script } from 'node:vm';

const context = createContext({ job: undefined as (() => unknown) | undefined });
const runJob = new Script('job()');

/** True for the error `runWithTimeLimit` rethrows when the bound was reached. */
export function isTimeLimitError(error: unknown): boolean {
  // Not `instanceof Error`: the watchdog's error may come from the vm context's realm.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

/** `work()`, or an error for which isTimeLimitError holds once it has run `timeoutMs`. */
export function runWithTimeLimit<T>(work: () => T, timeoutMs: number): T {
  let outcome: { value: T } | { error: unknown } | undefined;
  // The work's own errors are caught inside and rethrown outside: an exception leaving the vm call
  // is decorated with its source position while the watchdog still runs (measured at 1.6 s once
  // with source maps on), which could turn a quick failure into a timeout.
  (context as { job: (() => unknown) | undefined }).job = () => {
    try {
      outcome = { value: work() };
    } catch (error) {
      outcome = { error };
    }
  };
  try {
    runJob.runInContext(context, { timeout: Math.max(1, Math.round(timeoutMs)) });
  } finally {
    (context as { job: (() => unknown) | undefined }).job = undefined;
  }
  if (!outcome) throw new Error('runWithTimeLimit: the work neither returned nor threw');
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
