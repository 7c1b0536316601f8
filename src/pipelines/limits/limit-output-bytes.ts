// Caps the JSON size of each output a loaded pipeline returns, for every implementation alike: a
// model decides how much it returns (labels, boxes, masks), and the server serialises it all
// (measured: 12 M labels took 14 s and 6.8 GB to serialise before a 500). Pipelines cap counts
// first (top_k, boxes); this is the backstop on bytes, one answer failing instead of the server.
import { ModaError } from '../../errors/moda-error.js';
import type { LoadedPipeline } from '../pipeline-implementation.js';

/** Throws MODEL_OUTPUT_TOO_LARGE when an output's JSON takes more than `maxBytes`. */
export function checkOutputBytes(outputs: readonly unknown[], maxBytes: number): void {
  outputs.forEach((output, index) => {
    const json = JSON.stringify(output) ?? '';
    // UTF-8 is at most 3 bytes per UTF-16 unit, so most outputs are settled without counting.
    if (json.length * 3 <= maxBytes) return;
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) throw new ModaError('MODEL_OUTPUT_TOO_LARGE', `the output for input ${index} takes ${bytes} bytes, more than the ${maxBytes} allowed`);
  });
}

/** `model` with every batch's outputs checked against `maxBytes`. */
export function limitOutputBytes(model: LoadedPipeline, maxBytes: number): LoadedPipeline {
  const run = model.run.bind(model);
  return Object.assign(model, {
    async run(...args: Parameters<LoadedPipeline['run']>) {
      const outputs = await run(...args);
      checkOutputBytes(outputs, maxBytes);
      return outputs;
    },
  });
}
