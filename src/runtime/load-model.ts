// Picks how a snapshot runs and loads it: configuration.json's `pipeline.type` names the
// implementation; a Hugging Face layout (config.json + onnx/) runs through transformers.js.
import { ModaError } from '../errors/moda-error.js';
import type { Device, LoadedPipeline, PipelineImplementation } from '../pipelines/pipeline-implementation.js';
import { findImplementation, TRANSFORMERS_JS_TYPE } from '../pipelines/registry.js';
import { LLAMA_CPP_TYPE } from '../pipelines/llm/resolve-gguf-variant.js';
import { compatibleTasks, inferHfTask } from '../pipelines/transformers/hf-task.js';
import { TASK_IDS, type TaskId } from '../tasks/catalog.js';
import type { ModelSnapshot } from './model-snapshot.js';

export interface LoadModelOptions {
  /** The task asked for; default: the one the repo declares. */
  task?: string;
  device: Device;
  threads: number;
}

export interface ModelPlan {
  implementation: PipelineImplementation;
  task: TaskId;
}

function checkTaskId(task: string): TaskId {
  if (!(TASK_IDS as readonly string[]).includes(task)) throw new ModaError('TASK_UNKNOWN', `unknown task "${task}"; known tasks: ${TASK_IDS.join(', ')}`);
  return task as TaskId;
}

/** Which implementation runs the snapshot, for which task; throws when it cannot run at all. */
export async function planModel(snapshot: ModelSnapshot, requestedTask?: string): Promise<ModelPlan> {
  const requested = requestedTask === undefined ? undefined : checkTaskId(requestedTask);
  const transformersJsPipeline = findImplementation(TRANSFORMERS_JS_TYPE);
  if (!transformersJsPipeline) throw new Error(`the registry lacks ${TRANSFORMERS_JS_TYPE}`);
  const type = snapshot.configuration?.pipeline?.type ?? (snapshot.gguf ? LLAMA_CPP_TYPE : undefined);
  if (type !== undefined && type !== TRANSFORMERS_JS_TYPE) {
    const implementation = findImplementation(type);
    if (!implementation) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo}: configuration.json names pipeline type "${type}", which Moda does not know`);
    const declared = snapshot.configuration?.task ?? snapshot.gguf?.shape.task;
    const task = requested ?? (declared !== undefined ? checkTaskId(declared) : implementation.tasks[0]);
    if (snapshot.gguf?.shape.task === 'feature-extraction' && task !== 'feature-extraction') throw new ModaError('TASK_MISMATCH', `${snapshot.repo} is an embedding model (${snapshot.gguf.shape.architecture}); it cannot run ${task}`);
    if (task === undefined || !implementation.tasks.includes(task)) {
      throw new ModaError('TASK_MISMATCH', `${snapshot.repo} runs ${implementation.tasks.join(', ')}, not ${task ?? 'an unknown task'}`);
    }
    return { implementation, task };
  }
  if (!snapshot.hfConfig) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo} has neither a configuration.json naming a pipeline nor a Hugging Face config.json`);
  const declared = snapshot.configuration?.task;
  const own = (declared !== undefined ? checkTaskId(declared) : undefined) ?? (await inferHfTask(snapshot));
  if (!own && !requested) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo}: cannot tell its task from config.json; name one with --task`);
  const task = requested ?? (own as TaskId);
  if (own && !compatibleTasks(own).includes(task)) throw new ModaError('TASK_MISMATCH', `${snapshot.repo} is a ${own} model; it cannot run ${task}`);
  if (!transformersJsPipeline.tasks.includes(task)) throw new ModaError('TASK_MISMATCH', `Hugging Face-layout models cannot run ${task} in Moda yet`);
  return { implementation: transformersJsPipeline, task };
}

export async function loadModel(snapshot: ModelSnapshot, options: LoadModelOptions): Promise<LoadedPipeline> {
  const plan = await planModel(snapshot, options.task);
  return plan.implementation.load(snapshot, { task: plan.task, device: options.device, threads: options.threads });
}
