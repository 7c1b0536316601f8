// The text a model process streams to the server while it generates. llama.cpp decodes every
// sequence of a context in one batch, so concurrent generations get their next tokens in the same
// tick: those texts leave as one IPC message (one serialisation, one pipe write, one 'message'
// event on the server's thread) instead of one each. A generation's first text leaves at once, so
// coalescing never delays the time to first token; later ones wait only for the end of the tick.
// They leave one event-loop turn later, after node-llama-cpp has dispatched the next batch (it
// schedules that with setImmediate as the tokens' consumers ask for more): the pipe write then
// overlaps the next token's decode instead of delaying it. Profiled under load (1 client, Q8_0,
// 1 thread), process.send took ~0.6 ms a message, ~7 % of each token's time, on that path.
import type { FromChild, GeneratedText } from './child-messages.js';

export class TextOutbox {
  private queued: GeneratedText[] = [];
  private scheduled = false;

  constructor(
    private readonly post: (message: FromChild) => void,
    /** When queued texts leave: after the immediates queued in this tick have run, or as a test drives it. */
    private readonly schedule: (flush: () => void) => void = (flush) => void setImmediate(() => setImmediate(flush)),
  ) {}

  /** Queues one text; `first` (a generation's first text) sends it, and anything queued before it, now. */
  add(text: GeneratedText, first: boolean): void {
    this.queued.push(text);
    if (first) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends whatever is queued; called before any other message, so a call's texts always precede its answer. */
  flush(): void {
    if (this.queued.length === 0) return;
    const texts = this.queued;
    this.queued = [];
    this.post({ kind: 'generate-text', texts });
  }
}
