// The child process one served model instance lives in: it loads the pipeline, then runs the
// batches the server sends it over IPC. Why a process and not a thread: a native abort (a Rust
// panic in jieba), a V8 fatal error or an out-of-memory kill in a model takes only this process
// down; the server fails the batches it held and loads the model again (load-in-child.ts).
import type { LoadedPipeline } from '../pipelines/pipeline-implementation.js';
import { findImplementation } from '../pipelines/registry.js';
import { ModaError } from '../errors/moda-error.js';
import { GENERATE_PROGRESS_MS, serializeError, type ChildSetup, type FromChild, type ToChild } from './child-messages.js';
import { TextOutbox } from './text-outbox.js';

if (!process.send) throw new Error('pipeline-child.ts runs only as a child process with an IPC channel');
const running = new Map<number, AbortController>();
let model: LoadedPipeline | undefined;
/** Where the model's files are: error messages name them relative to it. */
let snapshotDir: string | undefined;

function send(message: FromChild): void {
  process.send?.(message);
}

const outbox = new TextOutbox(send);

/** Every message but streamed text: the texts queued before it leave first, so an answer never overtakes its text. */
function post(message: FromChild): void {
  outbox.flush();
  send(message);
}

/** Sends a last message, then closes the channel once it is written (the server then sees the exit). */
function postAndLeave(message: FromChild): void {
  outbox.flush();
  process.send?.(message, undefined, {}, () => process.disconnect());
}

async function load(setup: ChildSetup): Promise<void> {
  snapshotDir = setup.snapshot.dir;
  try {
    const implementation = findImplementation(setup.implementationType);
    if (!implementation) throw new ModaError('MODEL_NOT_RUNNABLE', `${setup.snapshot.repo}: Moda does not know pipeline type "${setup.implementationType}"`);
    model = await implementation.load(setup.snapshot, { task: setup.task, device: setup.device, threads: setup.threads, ...(setup.spinning !== undefined && { spinning: setup.spinning }), ...(setup.limits && { limits: setup.limits }), ...(setup.llm && { llm: setup.llm }) });
  } catch (error) {
    postAndLeave({ kind: 'load-failed', error: serializeError(error, 'MODEL_LOAD_FAILED', snapshotDir) });
    return;
  }
  post({ kind: 'loaded', type: model.type, engine: model.engine, memoryBytes: model.memoryBytes, generates: model.generate !== undefined, countsTokens: model.countTokens !== undefined, interruptible: model.interruptible === true });
}

async function run(message: Extract<ToChild, { kind: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(message.id, controller);
  try {
    if (!model) throw new ModaError('INTERNAL', 'a batch reached a model process before its model loaded');
    const outputs = await model.run(message.inputs, message.parameters, { maxImagePixels: message.maxImagePixels, fetch: globalThis.fetch, signal: controller.signal });
    post({ kind: 'result', id: message.id, outputs });
  } catch (error) {
    post({ kind: 'failed', id: message.id, error: serializeError(error, 'MODEL_INFERENCE_FAILED', snapshotDir) });
  } finally {
    running.delete(message.id);
  }
}

/** Runs one call for the server: its answer, or its error with the catalog code, goes back under `id`. */
async function answer(id: number, work: (signal: AbortSignal) => Promise<FromChild>, fallback: 'MODEL_INFERENCE_FAILED'): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    post(await work(controller.signal));
  } catch (error) {
    post({ kind: 'failed', id, error: serializeError(error, fallback, snapshotDir) });
  } finally {
    running.delete(id);
  }
}

function loadedModel(): LoadedPipeline {
  if (!model) throw new ModaError('INTERNAL', 'a call reached a model process before its model loaded');
  return model;
}

process.on('message', (message: ToChild) => {
  switch (message.kind) {
    case 'setup':
      void load(message.setup);
      break;
    case 'run':
      void run(message);
      break;
    case 'generate':
      void answer(
        message.id,
        async (signal) => {
          const generate = loadedModel().generate;
          if (!generate) throw new ModaError('TASK_MISMATCH', 'this model does not generate text');
          // Every message for this call tells the server the generation is alive (its deadline is
          // one of idleness); tokens that add no text yet are reported, a few times a second at most.
          let lastSent = performance.now();
          let texts = 0;
          const result = await generate({
            prompt: message.prompt,
            parameters: message.parameters,
            signal,
            onStart: (promptTokens) => {
              lastSent = performance.now();
              post({ kind: 'generate-start', id: message.id, promptTokens });
            },
            onText: (delta, logprobs) => {
              lastSent = performance.now();
              outbox.add({ id: message.id, delta, ...(logprobs && { logprobs }) }, texts++ === 0);
            },
            onToken: () => {
              if (performance.now() - lastSent < GENERATE_PROGRESS_MS) return;
              lastSent = performance.now();
              post({ kind: 'generate-progress', id: message.id });
            },
          });
          return { kind: 'generated', id: message.id, result };
        },
        'MODEL_INFERENCE_FAILED',
      );
      break;
    case 'count-tokens':
      void answer(
        message.id,
        async () => {
          const countTokens = loadedModel().countTokens;
          if (!countTokens) throw new ModaError('TASK_MISMATCH', 'this model does not count tokens');
          return { kind: 'counted', id: message.id, counts: await countTokens(message.texts) };
        },
        'MODEL_INFERENCE_FAILED',
      );
      break;
    case 'cancel':
      running.get(message.id)?.abort(message.reason);
      break;
    case 'dispose':
      void (model?.dispose() ?? Promise.resolve()).finally(() => postAndLeave({ kind: 'disposed' }));
      break;
  }
});
// The server going away (its IPC channel closes) ends the model with it.
process.on('disconnect', () => process.exit(0));
// Messages sent before the listener above existed would be lost, so the server waits for this.
post({ kind: 'ready' });
