// Memory that decoded images and audio may take across all requests in flight: each request
// reserves what its inputs' headers say they will decode to before it joins a batch, and gives it
// back when it is answered, so a burst of huge (each within the pixel limit) images is refused
// with 429 instead of adding gigabytes of resident memory that the allocator keeps.
import { ModaError } from '../../errors/moda-error.js';

export class DecodeBudget {
  private used = 0;

  constructor(
    /** Bytes all requests together may reserve. */
    readonly limit: number,
    /** Bytes one request may reserve. */
    readonly perRequest: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /**
   * Reserves `bytes` and returns the function that gives them back (idempotent). Throws
   * DECODE_MEMORY_EXCEEDED (413) when one request needs more than it may ever get, and
   * DECODE_MEMORY_BUSY (429) when the others hold too much right now.
   */
  reserve(bytes: number): () => void {
    if (bytes > this.perRequest || bytes > this.limit) {
      throw new ModaError('DECODE_MEMORY_EXCEEDED', `the images and audio of this request decode to about ${bytes} bytes, more than the ${Math.min(this.perRequest, this.limit)} one request may use`, { details: { bytes, limit: Math.min(this.perRequest, this.limit) } });
    }
    if (bytes > 0 && this.used + bytes > this.limit) throw new ModaError('DECODE_MEMORY_BUSY', undefined, { details: { retryAfterSeconds: 1 } });
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
    };
  }
}
