// Checks what a pipeline returned against its task's output schema, so a pipeline that drifts from
// the contract fails loudly in its tests instead of surprising clients.
import type { Static } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { ModaError } from '../errors/moda-error.js';
import { describeSchemaFailure, taskAjv } from './task-ajv.js';
import { getTask, type TaskId, type TaskOutput } from './catalog.js';
import type { TaskDefinition } from './task-definition.js';

const validators = new WeakMap<TaskDefinition, ValidateFunction>();

function outputsValidator(task: TaskDefinition): ValidateFunction {
  let validate = validators.get(task);
  if (!validate) {
    validate = taskAjv.compile({ type: 'object', properties: { outputs: { type: 'array', items: task.output } }, required: ['outputs'] });
    validators.set(task, validate);
  }
  return validate;
}

/** Returns the outputs typed by the task, or throws MODEL_INFERENCE_FAILED naming the failing path (`/outputs/0/score`). */
export function validateTaskOutput<T extends TaskId>(task: T, outputs: readonly unknown[]): TaskOutput<T>[];
export function validateTaskOutput<D extends TaskDefinition>(task: D, outputs: readonly unknown[]): Static<D['output']>[];
export function validateTaskOutput(task: TaskId | TaskDefinition, outputs: readonly unknown[]): unknown[] {
  const definition = typeof task === 'string' ? getTask(task) : task;
  const validate = outputsValidator(definition);
  if (!validate({ outputs })) {
    const failure = describeSchemaFailure(validate.errors ?? []);
    throw new ModaError('MODEL_INFERENCE_FAILED', `${definition.id} output: ${failure.message}`, { details: { path: failure.path, task: definition.id } });
  }
  return [...outputs];
}
