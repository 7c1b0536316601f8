// Runs a piece of work that reports progress from several concurrent tasks and exposes the reports
// as one async iterator (STYLE §7). Stopping the iteration early aborts the work; a failure of the
// work is thrown from the iterator after the events emitted before it.
import { ModaError } from '../errors/moda-error.js';

export type Emit<E> = (event: E) => void;

export async function* progressChannel<E>(
  work: (emit: Emit<E>, signal: AbortSignal) => Promise<void>,
  outerSignal?: AbortSignal,
): AsyncGenerator<E, void, undefined> {
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(outerSignal?.reason);
  if (outerSignal?.aborted) forwardAbort();
  else outerSignal?.addEventListener('abort', forwardAbort, { once: true });

  const queue: E[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const running = Promise.resolve()
    .then(() => work((event) => {
      queue.push(event);
      wake?.();
    }, controller.signal))
    .then(
      () => {
        finished = true;
      },
      (error: unknown) => {
        failure = { error };
        finished = true;
      },
    )
    .finally(() => wake?.());

  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as E;
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failure) throw failure.error;
  } finally {
    outerSignal?.removeEventListener('abort', forwardAbort);
    if (!finished) {
      controller.abort(new DOMException('progress iteration stopped', 'AbortError'));
      await running;
    }
  }
}

/** Drains an iterator of events and returns the value its last event of a kind carried. */
export async function lastOf<E, R>(events: AsyncIterable<E>, pick: (event: E) => R | undefined): Promise<R> {
  let result: R | undefined;
  for await (const event of events) result = pick(event) ?? result;
  if (result === undefined) throw new ModaError('INTERNAL', 'the operation ended without a result');
  return result;
}
