// The worker thread one served model lives in: it loads the pipeline, then runs the batches the
// server thread sends it, one at a time. Why a thread: onnxruntime-node runs session.run
// synchronously on the calling thread and tfjs-wasm executes there too, so a model on the server
// thread stops HTTP, validation and decoding of the next requests for every batch it runs.
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedPipeline } from '../pipelines/pipeline-implementation.js';
import { findImplementation } from '../pipelines/registry.js';
import { ModaError } from '../errors/moda-error.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerSetup } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('pipeline-worker.ts runs only as a worker thread');
const setup = workerData as WorkerSetup;
const running = new Map<number, AbortController>();

function post(message: FromWorker): void {
  port?.postMessage(message);
}

async function load(): Promise<LoadedPipeline> {
  const implementation = findImplementation(setup.implementationType);
  if (!implementation) throw new ModaError('MODEL_NOT_RUNNABLE', `${setup.snapshot.repo}: Moda does not know pipeline type "${setup.implementationType}"`);
  return implementation.load(setup.snapshot, { task: setup.task, device: setup.device, threads: setup.threads });
}

async function run(model: LoadedPipeline, message: Extract<ToWorker, { kind: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(message.id, controller);
  try {
    const outputs = await model.run(message.inputs, message.parameters, { maxImagePixels: message.maxImagePixels, fetch: globalThis.fetch, signal: controller.signal });
    post({ kind: 'result', id: message.id, outputs });
  } catch (error) {
    post({ kind: 'failed', id: message.id, error: serializeError(error, 'MODEL_INFERENCE_FAILED') });
  } finally {
    running.delete(message.id);
  }
}

async function main(): Promise<void> {
  let model: LoadedPipeline;
  try {
    model = await load();
  } catch (error) {
    post({ kind: 'load-failed', error: serializeError(error, 'MODEL_LOAD_FAILED') });
    port?.close();
    return;
  }
  post({ kind: 'loaded', type: model.type, engine: model.engine, memoryBytes: model.memoryBytes });
  port?.on('message', (message: ToWorker) => {
    switch (message.kind) {
      case 'run':
        void run(model, message);
        break;
      case 'cancel':
        running.get(message.id)?.abort();
        break;
      case 'dispose':
        void model.dispose().finally(() => {
          post({ kind: 'disposed' });
          port?.close();
        });
        break;
    }
  });
}

void main();
