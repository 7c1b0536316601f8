// Loads a pipeline into a worker thread of its own (pipeline-worker.ts) and returns a LoadedPipeline
// whose `run` posts each batch there, so the model's execution never blocks the server thread. A
// worker that dies fails the batches it held with MODEL_INFERENCE_FAILED and marks the model
// `broken`; the model cache then loads a fresh one for the next request.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ModaError } from '../errors/moda-error.js';
import type { LoadedPipeline, RunContext } from '../pipelines/pipeline-implementation.js';
import { deserializeError, type FromWorker, type ToWorker, type WorkerSetup } from './worker-messages.js';

const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
/** pipeline-worker.js next to this file when built, pipeline-worker.ts when run from source under tsx. */
const WORKER_URL = new URL(`./pipeline-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/** Under tsx (tests, `npm run bench`) a worker does not inherit its loader, so it registers tsx first. */
function startWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export interface WorkerPipeline extends LoadedPipeline {
  /** True once the worker exited without being disposed; the pipeline cannot run any more. */
  readonly broken: boolean;
  readonly threadId: number;
}

interface Pending {
  resolve(outputs: unknown[]): void;
  reject(error: unknown): void;
}

export function loadInWorker(setup: WorkerSetup): Promise<WorkerPipeline> {
  const worker = startWorker({ workerData: setup, name: `moda model ${setup.snapshot.repo}` });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let broken = false;
  let exited = false;
  let disposing: Promise<void> | undefined;

  const send = (message: ToWorker) => worker.postMessage(message);
  const failAll = (error: ModaError) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };

  return new Promise<WorkerPipeline>((resolveLoad, rejectLoad) => {
    let loaded = false;
    worker.on('message', (message: FromWorker) => {
      switch (message.kind) {
        case 'loaded': {
          loaded = true;
          const pipeline: WorkerPipeline = {
            task: setup.task,
            type: message.type,
            engine: message.engine,
            memoryBytes: message.memoryBytes,
            threadId: worker.threadId,
            get broken() {
              return broken;
            },
            run(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext): Promise<unknown[]> {
              if (broken || disposing) return Promise.reject(new ModaError('MODEL_INFERENCE_FAILED', `${setup.snapshot.repo}: its worker thread ${disposing ? 'was unloaded' : 'stopped; the model is being reloaded'}`));
              if (context.signal?.aborted) return Promise.reject(new ModaError('REQUEST_CANCELLED'));
              const id = nextId++;
              return new Promise<unknown[]>((resolve, reject) => {
                const onAbort = () => send({ kind: 'cancel', id });
                context.signal?.addEventListener('abort', onAbort, { once: true });
                const settle = () => context.signal?.removeEventListener('abort', onAbort);
                pending.set(id, {
                  resolve: (outputs) => (settle(), resolve(outputs)),
                  reject: (error) => (settle(), reject(error)),
                });
                send({ kind: 'run', id, inputs, parameters, maxImagePixels: context.maxImagePixels });
              });
            },
            dispose(): Promise<void> {
              disposing ??= new Promise<void>((resolve) => {
                if (exited) return resolve();
                worker.once('exit', () => resolve());
                send({ kind: 'dispose' });
                // A model whose dispose hangs must not hold the server's shutdown.
                setTimeout(() => void worker.terminate(), 10_000).unref();
              });
              return disposing;
            },
          };
          resolveLoad(pipeline);
          break;
        }
        case 'load-failed':
          rejectLoad(deserializeError(message.error));
          void worker.terminate();
          break;
        case 'result':
          pending.get(message.id)?.resolve(message.outputs);
          pending.delete(message.id);
          break;
        case 'failed':
          pending.get(message.id)?.reject(deserializeError(message.error));
          pending.delete(message.id);
          break;
        case 'disposed':
          break;
      }
    });
    worker.on('error', (error) => {
      const failure = new ModaError(loaded ? 'MODEL_INFERENCE_FAILED' : 'MODEL_LOAD_FAILED', `${setup.snapshot.repo}: its worker thread failed: ${error.message}`, { cause: error });
      broken = true;
      if (!loaded) rejectLoad(failure);
      failAll(failure);
    });
    worker.on('exit', (code) => {
      exited = true;
      const failure = new ModaError(loaded ? 'MODEL_INFERENCE_FAILED' : 'MODEL_LOAD_FAILED', `${setup.snapshot.repo}: its worker thread exited (code ${code})`);
      // Batches still in flight when a worker goes, disposed or not, must not wait for ever.
      if (disposing) return failAll(failure);
      broken = true;
      if (!loaded) rejectLoad(failure);
      failAll(failure);
    });
  });
}
