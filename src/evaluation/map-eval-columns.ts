// Which columns of a split feed the model and which hold the reference: the caller's `columns`, else
// the task's default names (case-insensitive), else for media tasks the split's only image/audio
// column. A mapping that cannot work (a missing column, text where an image is needed) is refused
// with EVAL_COLUMNS_INVALID before any sample runs, naming the columns the split has.
import { ModaError } from '../errors/moda-error.js';
import type { PreparedColumn } from '../datasets/prepared-dataset.js';
import type { EvalTask } from './eval-tasks.js';

export interface EvalColumnsParam {
  input?: string | string[];
  reference?: string;
}

export interface EvalColumns {
  /** Text tasks may join several columns (subject + body), separated by a newline. */
  input: string[];
  reference: string;
}

function describe(columns: readonly PreparedColumn[]): string {
  return columns.map((column) => `${column.name} (${column.media ?? column.kind})`).join(', ');
}

function findColumn(columns: readonly PreparedColumn[], name: string): PreparedColumn | undefined {
  return columns.find((column) => column.name === name) ?? columns.find((column) => column.name.toLowerCase() === name.toLowerCase());
}

function checkInput(task: EvalTask, column: PreparedColumn, columns: readonly PreparedColumn[]): void {
  if (task.input === 'text') {
    if (column.kind !== 'string') throw new ModaError('EVAL_COLUMNS_INVALID', `${task.task} takes text, but column ${column.name} holds ${column.media ?? column.sqlType}; columns: ${describe(columns)}`);
    return;
  }
  if (column.media !== task.input) throw new ModaError('EVAL_COLUMNS_INVALID', `${task.task} takes ${task.input === 'image' ? 'an image' : 'audio'}, but column ${column.name} holds ${column.media ?? column.sqlType}; columns: ${describe(columns)}`);
}

function checkReference(task: EvalTask, column: PreparedColumn, columns: readonly PreparedColumn[]): void {
  const fits = task.reference === 'text' ? column.kind === 'string' && !column.media : ['string', 'int', 'bool'].includes(column.kind) && !column.media;
  if (!fits) throw new ModaError('EVAL_COLUMNS_INVALID', `${task.task} compares ${task.reference === 'text' ? 'text' : 'labels'}, but reference column ${column.name} holds ${column.media ?? column.sqlType}; columns: ${describe(columns)}`);
}

export function mapEvalColumns(task: EvalTask, columns: readonly PreparedColumn[], given: EvalColumnsParam = {}): EvalColumns {
  const named = (name: string, role: string) => {
    const column = findColumn(columns, name);
    if (!column) throw new ModaError('EVAL_COLUMNS_INVALID', `the split has no ${role} column ${JSON.stringify(name)}; columns: ${describe(columns)}`);
    return column;
  };
  let inputs: PreparedColumn[];
  if (given.input !== undefined) {
    const names = Array.isArray(given.input) ? given.input : [given.input];
    if (names.length > 1 && task.input !== 'text') throw new ModaError('EVAL_COLUMNS_INVALID', `only text inputs can join several columns; ${task.task} takes one ${task.input} column`);
    inputs = names.map((name) => named(name, 'input'));
  } else {
    const byName = task.inputColumns.map((name) => findColumn(columns, name)).find((column) => column !== undefined && (task.input === 'text' ? column.kind === 'string' : column.media === task.input));
    const media = task.input === 'text' ? [] : columns.filter((column) => column.media === task.input);
    const found = byName ?? (media.length === 1 ? media[0] : undefined);
    if (!found) throw new ModaError('EVAL_COLUMNS_INVALID', `no column of this split looks like ${task.task}'s input (${task.input}; tried ${task.inputColumns.join(', ')}); name one with columns.input; columns: ${describe(columns)}`);
    inputs = [found];
  }
  for (const column of inputs) checkInput(task, column, columns);

  const inputNames = new Set(inputs.map((column) => column.name));
  let reference: PreparedColumn | undefined;
  if (given.reference !== undefined) reference = named(given.reference, 'reference');
  else reference = task.referenceColumns.map((name) => findColumn(columns, name)).find((column) => column !== undefined && !inputNames.has(column.name));
  if (!reference) throw new ModaError('EVAL_COLUMNS_INVALID', `no column of this split looks like ${task.task}'s reference (tried ${task.referenceColumns.join(', ')}); name one with columns.reference; columns: ${describe(columns)}`);
  if (inputNames.has(reference.name)) throw new ModaError('EVAL_COLUMNS_INVALID', `column ${reference.name} cannot be both the input and the reference`);
  checkReference(task, reference, columns);
  return { input: inputs.map((column) => column.name), reference: reference.name };
}
