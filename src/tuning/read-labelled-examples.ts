// The labelled examples of a tuning job: the dataset pinned to a commit (with its owner's rights: a
// dataset they cannot read is not found), its training split and, when it has one, its validation
// split, read in place by DuckDB; columns mapped by name with AutoTrain-like defaults.
import { ModaError } from '../errors/moda-error.js';
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { resolveRevision } from '../hub/refs.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { datasetEngine, ROW_INDEX_COLUMN, rowsViewOf } from '../datasets/dataset-engine.js';
import { ensurePrepared, findSplit, requireUsable } from '../datasets/ensure-prepared.js';
import type { PreparedColumn, PreparedConfig, PreparedSplit } from '../datasets/prepared-dataset.js';
import { runQuery } from '../datasets/run-query.js';
import { quoteIdentifier } from '../datasets/sql-text.js';
import type { TuneExample } from './tune-method.js';

export interface ColumnMapping {
  /** One text column, or several joined by a line break (e.g. subject and body). */
  text?: string | string[];
  image?: string;
  label?: string;
}

export interface ExamplesRequest {
  dataset: string;
  revision?: string;
  config?: string;
  split?: string;
  validationSplit?: string;
  columns?: ColumnMapping;
  input: 'text' | 'image';
  maxRows: number;
}

export interface LabelledExamples {
  repo: RepoRecord;
  commit: string;
  config: string;
  trainSplit: string;
  /** Undefined when the validation examples are to be taken from the training split. */
  validationSplit?: string;
  columns: { text?: string[]; image?: string; label: string };
  train: TuneExample[];
  validation: TuneExample[] | undefined;
  /** Rows left out, by reason (no label, empty text). */
  dropped: { noLabel: number; emptyText: number };
  rowsRead: number;
}

const TEXT_DEFAULTS = ['text', 'sentence', 'content', 'review', 'document', 'body', 'question'];
const LABEL_DEFAULTS = ['label', 'labels', 'target', 'class', 'category', 'intent'];
const IMAGE_DEFAULTS = ['image', 'img', 'picture'];
const VALIDATION_SPLITS = ['validation', 'valid', 'val', 'dev', 'test'];
/** Training reads whole splits: the viewer's page-sized time limit would cut a large one short. */
const MIN_QUERY_TIMEOUT_MS = 120_000;

function pickConfig(configs: PreparedConfig[], wanted: string | undefined): string {
  if (wanted !== undefined) return wanted;
  return (configs.find((config) => config.config === 'default') ?? configs[0])?.config ?? 'default';
}

function columnNamed(split: PreparedSplit, name: string, role: string): PreparedColumn {
  const column = split.columns.find((candidate) => candidate.name === name);
  if (!column) throw new ModaError('TUNE_COLUMN_NOT_FOUND', `split ${split.split} has no ${role} column "${name}"; its columns: ${split.columns.map((entry) => entry.name).join(', ')}`);
  return column;
}

function defaultColumn(split: PreparedSplit, names: readonly string[], role: string, fits: (column: PreparedColumn) => boolean): PreparedColumn {
  for (const name of names) {
    const column = split.columns.find((candidate) => candidate.name.toLowerCase() === name && fits(candidate));
    if (column) return column;
  }
  throw new ModaError('TUNE_COLUMN_NOT_FOUND', `split ${split.split} has no ${role} column named ${names.join(', ')}; name one in params.columns (its columns: ${split.columns.map((entry) => entry.name).join(', ')})`);
}

function mapColumns(split: PreparedSplit, input: 'text' | 'image', mapping: ColumnMapping = {}): { text?: PreparedColumn[]; image?: PreparedColumn; label: PreparedColumn } {
  const label = mapping.label !== undefined ? columnNamed(split, mapping.label, 'label') : defaultColumn(split, LABEL_DEFAULTS, 'label', (column) => !column.media);
  if (label.media || label.kind === 'list' || label.kind === 'other') throw new ModaError('TUNE_COLUMN_NOT_FOUND', `column "${label.name}" holds ${label.media ?? label.sqlType} values, not class labels`);
  if (input === 'image') {
    const image = mapping.image !== undefined ? columnNamed(split, mapping.image, 'image') : defaultColumn(split, IMAGE_DEFAULTS, 'image', (column) => column.media === 'image' || column.kind === 'other');
    return { image, label };
  }
  const names = mapping.text === undefined ? undefined : Array.isArray(mapping.text) ? mapping.text : [mapping.text];
  const text = names ? names.map((name) => columnNamed(split, name, 'text')) : [defaultColumn(split, TEXT_DEFAULTS, 'text', (column) => column.kind === 'string' && !column.media && column.name !== label.name)];
  for (const column of text) if (column.kind !== 'string' || column.media) throw new ModaError('TUNE_COLUMN_NOT_FOUND', `column "${column.name}" holds ${column.media ?? column.sqlType} values, not text`);
  return { text, label };
}

function labelOf(column: PreparedColumn, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && column.labels) return column.labels[value] ?? String(value);
  const label = typeof value === 'string' ? value.trim() : String(value);
  return label === '' ? undefined : label;
}

async function readSplit(
  hub: HubContext,
  manifest: Awaited<ReturnType<typeof ensurePrepared>>,
  config: string,
  split: PreparedSplit,
  columns: ReturnType<typeof mapColumns>,
  maxRows: number,
  dropped: LabelledExamples['dropped'],
): Promise<TuneExample[]> {
  if (split.numRows > maxRows) throw new ModaError('TUNE_DATASET_TOO_LARGE', `split ${split.split} has ${split.numRows} rows; a tuning job reads at most ${maxRows} (MODA_TUNE_MAX_ROWS)`);
  const engine = await datasetEngine(hub, manifest, config);
  const selected = [columns.label, ...(columns.text ?? []), ...(columns.image ? [columns.image] : [])];
  const names = [...new Set(selected.map((column) => column.name))];
  const sql = `SELECT ${ROW_INDEX_COLUMN}, ${names.map(quoteIdentifier).join(', ')} FROM ${rowsViewOf(split.split)} ORDER BY ${ROW_INDEX_COLUMN}`;
  const { rows } = await runQuery(engine, sql, { timeoutMs: Math.max(hub.config.datasetQueryTimeoutMs, MIN_QUERY_TIMEOUT_MS), maxRows });
  const examples: TuneExample[] = [];
  for (const row of rows) {
    const label = labelOf(columns.label, row[columns.label.name]);
    if (label === undefined) {
      dropped.noLabel++;
      continue;
    }
    const example: TuneExample = { row: Number(row[ROW_INDEX_COLUMN]), label };
    if (columns.text) {
      const text = columns.text.map((column) => row[column.name]).filter((value): value is string => typeof value === 'string' && value.trim() !== '').join('\n');
      if (text.trim() === '') {
        dropped.emptyText++;
        continue;
      }
      example.text = text;
    }
    if (columns.image) example.image = row[columns.image.name];
    examples.push(example);
  }
  return examples;
}

export async function readLabelledExamples(hub: HubContext, actor: Actor, request: ExamplesRequest): Promise<LabelledExamples> {
  const repo = await findRepo(hub, actor, 'dataset', request.dataset);
  const { commit } = await resolveRevision(repo.gitDir, request.revision ?? repo.row.default_branch);
  const manifest = await ensurePrepared(hub, repo, commit);
  requireUsable(manifest);
  const config = pickConfig(manifest.configs, request.config);
  const splits = manifest.configs.find((entry) => entry.config === config)?.splits ?? [];
  const trainName = request.split ?? (splits.find((split) => split.split === 'train') ?? splits[0])?.split ?? 'train';
  const trainSplit = findSplit(manifest, config, trainName);
  const validationName = request.validationSplit ?? VALIDATION_SPLITS.map((name) => splits.find((split) => split.split === name && split.split !== trainName)?.split).find((name) => name !== undefined);
  const validationSplit = validationName === undefined ? undefined : findSplit(manifest, config, validationName);
  if (validationName !== undefined && validationName === trainName) throw new ModaError('VALIDATION_FAILED', `the validation split must differ from the training split (${trainName})`);
  const columns = mapColumns(trainSplit, request.input, request.columns);
  const dropped = { noLabel: 0, emptyText: 0 };
  const train = await readSplit(hub, manifest, config, trainSplit, columns, request.maxRows, dropped);
  let validation: TuneExample[] | undefined;
  if (validationSplit) {
    const validationColumns = mapColumns(validationSplit, request.input, { text: columns.text?.map((column) => column.name), image: columns.image?.name, label: columns.label.name });
    validation = await readSplit(hub, manifest, config, validationSplit, validationColumns, Math.max(1, request.maxRows - trainSplit.numRows), dropped);
  }
  return {
    repo,
    commit,
    config,
    trainSplit: trainName,
    validationSplit: validationName,
    columns: { text: columns.text?.map((column) => column.name), image: columns.image?.name, label: columns.label.name },
    train,
    validation,
    dropped,
    rowsRead: trainSplit.numRows + (validationSplit?.numRows ?? 0),
  };
}
