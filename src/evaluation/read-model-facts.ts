// What an evaluation needs to know of a model commit before running it: its task, in the order the
// runtime decides it (ModelScope `configuration.json` task, the card's pipeline_tag, config.json's
// architecture), the labels its config.json names (id2label), for mapping a dataset's labels, and,
// for a tuned model, the dataset and columns it was trained with (training_params.json).
import { parseModelCard } from '../hub/model-card.js';
import { readSmallFile } from '../hub/list-files.js';
import { taskOfArchitecture } from '../pipelines/transformers/hf-task.js';
import { TASK_IDS } from '../tasks/catalog.js';
import type { EvalColumnsParam } from './map-eval-columns.js';

export interface ModelFacts {
  task: string | undefined;
  id2label: Record<string, string> | undefined;
  /** A tuned model's `training_params.json`: the dataset it was trained on and its column mapping. */
  training: { dataset: string; columns: EvalColumnsParam } | undefined;
}

const columnNames = (value: unknown): string | string[] | undefined => (typeof value === 'string' ? value : Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined);

/** The tuning's dataset and columns ({text | image | audio, label}) as an evaluation's columns. */
function trainingOf(params: Record<string, unknown> | undefined): ModelFacts['training'] {
  const dataset = params?.dataset;
  const id = typeof dataset === 'object' && dataset !== null ? (dataset as { id?: unknown }).id : undefined;
  const columns = params?.columns;
  if (typeof id !== 'string' || typeof columns !== 'object' || columns === null) return undefined;
  const given = columns as Record<string, unknown>;
  const input = columnNames(given.text ?? given.image ?? given.audio ?? given.input);
  const reference = columnNames(given.label ?? given.target ?? given.reference);
  return { dataset: id, columns: { ...(input !== undefined && { input }), ...(typeof reference === 'string' && { reference }) } };
}

function parseObject(bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isTask = (value: unknown): value is string => typeof value === 'string' && (TASK_IDS as readonly string[]).includes(value);

export async function readModelFacts(gitDir: string, commit: string): Promise<ModelFacts> {
  const [configuration, readme, config, training] = await Promise.all(['configuration.json', 'README.md', 'config.json', 'training_params.json'].map((path) => readSmallFile(gitDir, commit, path)));
  const msTask = parseObject(configuration)?.task;
  const cardTask = readme ? parseModelCard(readme.toString('utf8')).data.pipeline_tag : undefined;
  const hfConfig = parseObject(config);
  const architecture = Array.isArray(hfConfig?.architectures) && typeof hfConfig.architectures[0] === 'string' ? taskOfArchitecture(hfConfig.architectures[0]) : undefined;
  const task = [msTask, cardTask, architecture].find(isTask);
  const labels = hfConfig?.id2label;
  const id2label = typeof labels === 'object' && labels !== null && !Array.isArray(labels) ? Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : undefined;
  return { task, id2label, training: trainingOf(parseObject(training)) };
}
