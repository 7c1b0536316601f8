// Checks a batch of inputs and its parameters against a task's schemas before any model sees them.
import type { Static } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { ModaError } from '../errors/moda-error.js';
import { describeSchemaFailure, taskAjv } from './task-ajv.js';
import { getTask, type TaskId, type TaskInput, type TaskParameters } from './catalog.js';
import type { TaskDefinition } from './task-definition.js';

const validators = new WeakMap<TaskDefinition, ValidateFunction>();

// One schema over the whole request, so error paths read as the request does: /inputs/2/question.
function requestValidator(task: TaskDefinition): ValidateFunction {
  let validate = validators.get(task);
  if (!validate) {
    validate = taskAjv.compile({
      type: 'object',
      properties: { inputs: { type: 'array', items: task.input }, parameters: task.parameters },
      required: ['inputs', 'parameters'],
    });
    validators.set(task, validate);
  }
  return validate;
}

/**
 * Returns the batch and its parameters typed by the task (absent parameters become `{}`), or throws
 * BATCH_EMPTY, TASK_INPUT_INVALID naming the first failing JSON path in `details.path`, or
 * TASK_UNKNOWN for an id that names no task.
 */
export function validateTaskInput<T extends TaskId>(task: T, inputs: readonly unknown[], parameters: unknown): { inputs: TaskInput<T>[]; parameters: TaskParameters<T> };
export function validateTaskInput<D extends TaskDefinition>(task: D, inputs: readonly unknown[], parameters: unknown): { inputs: Static<D['input']>[]; parameters: Static<D['parameters']> };
export function validateTaskInput(task: TaskId | TaskDefinition, inputs: readonly unknown[], parameters: unknown): { inputs: unknown[]; parameters: unknown } {
  const definition = typeof task === 'string' ? getTask(task) : task;
  // Callers pass parsed JSON cast to an array; a wrong shape must still fail as a client error.
  if (!Array.isArray(inputs)) throw new ModaError('TASK_INPUT_INVALID', `${definition.id}: /inputs must be array`, { details: { path: '/inputs', task: definition.id } });
  if (inputs.length === 0) throw new ModaError('BATCH_EMPTY', `the ${definition.id} batch holds no inputs`);
  const request = { inputs, parameters: parameters ?? {} };
  const validate = requestValidator(definition);
  if (!validate(request)) {
    const failure = describeSchemaFailure(validate.errors ?? []);
    throw new ModaError('TASK_INPUT_INVALID', `${definition.id}: ${failure.message}`, { details: { path: failure.path, task: definition.id } });
  }
  return request;
}
