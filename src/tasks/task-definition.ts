// What a task is: one input schema, one parameters schema and one output schema (for a single input;
// a batch is an array of each), with the words and the example that docs and the web UI show.
import type { Static, TSchema } from '@sinclair/typebox';

export const MODALITIES = ['nlp', 'vision', 'audio', 'multimodal'] as const;
export type Modality = (typeof MODALITIES)[number];

export interface TaskDefinition<I extends TSchema = TSchema, P extends TSchema = TSchema, O extends TSchema = TSchema> {
  id: string;
  modality: Modality;
  title: string;
  /** Chinese title, for the Chinese interface. */
  titleZh: string;
  description: string;
  input: I;
  parameters: P;
  output: O;
  example: { input: Static<I>; parameters?: Static<P>; output: Static<O> };
}

export function defineTask<I extends TSchema, P extends TSchema, O extends TSchema>(task: TaskDefinition<I, P, O>): TaskDefinition<I, P, O> {
  return task;
}
