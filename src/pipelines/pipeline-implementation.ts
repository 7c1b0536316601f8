// The contract between the runtime and one way of running a task: load a snapshot into a model that
// runs a batch, reports its memory and can be disposed. One implementation per `pipeline.type`.
import type { ModelSnapshot } from '../runtime/model-snapshot.js';
import type { TaskId } from '../tasks/catalog.js';

export type Device = 'cpu' | 'cuda';

export interface LoadOptions {
  /** The task asked for; implementations serving several tasks pick their behaviour by it. */
  task: TaskId;
  device: Device;
  /** Intra-op threads; 0 = one per core. */
  threads: number;
}

export interface RunContext {
  /** Largest image, width × height, that may be decoded. */
  maxImagePixels: number;
  /** Used for http(s) image URLs. */
  fetch: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export interface LoadedPipeline {
  task: TaskId;
  /** The implementation's `type`. */
  type: string;
  /** onnx, tfjs, fasttext, … */
  engine: string;
  /** Resident bytes this model holds (weights and sessions), as best known. */
  memoryBytes: number;
  /**
   * Runs a batch. Inputs and parameters have passed the task schema; media are still undecoded.
   * Returns one output per input, in order, each matching the task's output schema.
   */
  run(inputs: readonly unknown[], parameters: Readonly<Record<string, unknown>>, context: RunContext): Promise<unknown[]>;
  dispose(): Promise<void>;
}

export interface PipelineImplementation {
  /** Matched against `pipeline.type` in configuration.json. */
  type: string;
  tasks: readonly TaskId[];
  engine: string;
  load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline>;
}
