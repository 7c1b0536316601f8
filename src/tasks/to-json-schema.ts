// A task's schemas as plain JSON Schema (draft-07) for HTTP consumers: docs, OpenAPI, the web UI's
// forms. TypeBox's symbol keys are dropped, and media become what they are over HTTP: strings.
import type { TaskDefinition } from './task-definition.js';

export type JsonSchema = { [keyword: string]: unknown };

export interface TaskJsonSchemas {
  input: JsonSchema;
  parameters: JsonSchema;
  output: JsonSchema;
}

function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== 'object' || value === null) return value;
  const node: JsonSchema = {};
  // Object.entries skips symbol keys, which is what strips TypeBox's [Kind] and [OptionalKind].
  for (const [key, child] of Object.entries(value)) node[key] = plain(child);
  return 'x-media' in node && !('type' in node) ? { type: 'string', contentEncoding: 'base64', ...node } : node;
}

function document(schema: unknown): JsonSchema {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(plain(schema) as JsonSchema) };
}

/** Fresh objects on every call, so callers may change them. */
export function toJsonSchema(task: TaskDefinition): TaskJsonSchemas {
  return { input: document(task.input), parameters: document(task.parameters), output: document(task.output) };
}
