// The public entry point for running a model from TypeScript: `pipeline(task, 'owner/name')` resolves
// the repo on a Moda server, downloads its snapshot once into the content-addressed cache (and
// uses the cached one when the server cannot be reached), loads it, and returns a typed callable.
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { download } from '../client/download.js';
import { ModaClient, type FetchFunction } from '../client/moda-client.js';
import { ModaError } from '../errors/moda-error.js';
import { planModel } from '../runtime/load-model.js';
import { attachBackbone } from '../runtime/attach-backbone.js';
import { openSnapshot } from '../runtime/model-snapshot.js';
import { getTask, type TaskId, type TaskInput, type TaskOutput, type TaskParameters } from '../tasks/catalog.js';
import { validateTaskInput } from '../tasks/validate-task-input.js';
import type { Device, LoadedPipeline, RunContext } from './pipeline-implementation.js';

export interface PipelineOptions {
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Default: MODA_DEVICE. */
  device?: Device;
  /** Intra-op threads; default MODA_THREADS (0 = one per core). */
  threads?: number;
  /** Moda server; default MODA_ENDPOINT. */
  endpoint?: string;
  /** Access token; default MODA_TOKEN. */
  token?: string;
  /** Snapshot cache (Hugging Face layout); default MODA_CACHE_DIR or $MODA_HOME/cache/hub. */
  cacheDir?: string;
  fetch?: FetchFunction;
  /** Largest image decoded; default MODA_MAX_IMAGE_PIXELS. */
  maxImagePixels?: number;
  signal?: AbortSignal;
}

export interface TaskPipeline<T extends TaskId> {
  (input: TaskInput<T>, parameters?: TaskParameters<T>): Promise<TaskOutput<T>>;
  (inputs: TaskInput<T>[], parameters?: TaskParameters<T>): Promise<TaskOutput<T>[]>;
  readonly task: T;
  readonly repo: string;
  /** The commit the weights come from. */
  readonly commit: string;
  /** onnx, tfjs, … */
  readonly engine: string;
  /** True when the server was unreachable and the cached snapshot was used. */
  readonly offline: boolean;
  readonly memoryBytes: number;
  dispose(): Promise<void>;
}

/** Wraps a loaded model in the typed, validating callable `pipeline` returns. */
export function wrapModel<T extends TaskId>(task: T, model: LoadedPipeline, info: { repo: string; commit: string; offline: boolean }, context: RunContext): TaskPipeline<T> {
  const definition = getTask(task);
  const run = async (input: unknown, parameters: unknown = {}): Promise<unknown> => {
    const batch = Array.isArray(input);
    const inputs = batch ? (input as unknown[]) : [input];
    validateTaskInput(definition, inputs, parameters);
    const outputs = await model.run(inputs, parameters as Record<string, unknown>, context);
    return batch ? outputs : outputs[0];
  };
  return Object.assign(run, {
    task,
    repo: info.repo,
    commit: info.commit,
    engine: model.engine,
    offline: info.offline,
    memoryBytes: model.memoryBytes,
    dispose: () => model.dispose(),
  }) as unknown as TaskPipeline<T>;
}

/**
 * Loads `repo` for `task`, or for the task the repo declares when `task` is undefined (the CLI's
 * `moda run` without --task).
 */
export async function openPipeline(task: TaskId | undefined, repo: string, options: PipelineOptions = {}): Promise<TaskPipeline<TaskId>> {
  const config = loadConfig();
  const client = new ModaClient({
    endpoint: (options.endpoint ?? config.endpoint).replace(/\/+$/, ''),
    token: options.token ?? config.token,
    ...(options.fetch && { fetch: options.fetch }),
  });
  const cacheDir = options.cacheDir ?? (config.cacheDir || join(config.home, 'cache', 'hub'));
  const snapshotFiles = await download(client, repo, undefined, {
    cacheDir,
    ...(options.revision !== undefined && { revision: options.revision }),
    ...(options.signal && { signal: options.signal }),
  });
  if (snapshotFiles.files.length === 0) throw new ModaError('MODEL_NOT_RUNNABLE', `${repo} has no files`);
  const snapshot = await attachBackbone(await openSnapshot(snapshotFiles.snapshotPath, repo, snapshotFiles.commit), async (reference) => {
    const backboneFiles = await download(client, reference.repo, undefined, { cacheDir, revision: reference.commit, ...(options.signal && { signal: options.signal }) });
    return openSnapshot(backboneFiles.snapshotPath, reference.repo, backboneFiles.commit);
  });
  const plan = await planModel(snapshot, task);
  const model = await plan.implementation.load(snapshot, { task: plan.task, device: options.device ?? config.device, threads: options.threads ?? config.threads });
  return wrapModel(plan.task, model, { repo, commit: snapshot.commit, offline: snapshotFiles.offline === true }, {
    maxImagePixels: options.maxImagePixels ?? config.maxImagePixels,
    fetch: globalThis.fetch,
  });
}

/** A typed callable running `task` with the model in `repo`; see PipelineOptions for where it comes from. */
export async function pipeline<T extends TaskId>(task: T, repo: string, options: PipelineOptions = {}): Promise<TaskPipeline<T>> {
  return (await openPipeline(task, repo, options)) as unknown as TaskPipeline<T>;
}
