// Finds a dataset's configs and splits from its files at one commit, with the Hugging Face rules: a
// `configs:` block in the card's YAML (`data_files` per split, globs) wins; otherwise split names
// come from file and folder names (`train.csv`, `dev.json`, `data/train-00000-of-00002.parquet`,
// `test/cat/1.png`), and files with no split name make one `train` split. CLUE's and ModelScope's
// `train.json`/`dev.json`/`test.json` (JSON lines under a .json name) follow the same rules.
import { ModaError } from '../errors/moda-error.js';
import { fileKindOf, isMetadataFile, type FileKind } from './data-file-format.js';
import type { ConfigLayout, DataFormat, DatasetLayout, SplitLayout } from './dataset-layout.js';
import { globToRegExp } from './glob-to-regexp.js';

/** Hugging Face's split keywords (datasets/data_files.py), each mapped to its canonical split. */
const SPLIT_KEYWORDS: Record<string, string> = {
  train: 'train',
  training: 'train',
  validation: 'validation',
  valid: 'validation',
  dev: 'validation',
  val: 'validation',
  test: 'test',
  testing: 'test',
  eval: 'test',
  evaluation: 'test',
};
const SPLIT_ORDER = ['train', 'validation', 'test'];
const TABULAR_PREFERENCE: FileKind[] = ['parquet', 'json', 'csv', 'tsv', 'zip'];

function isHidden(path: string): boolean {
  return path.split('/').some((segment) => segment.startsWith('.') || segment.startsWith('__'));
}

function tokens(text: string): string[] {
  return text.toLowerCase().split(/[-._ 0-9]+/).filter(Boolean);
}

/** The split a path names: in its file name first, then in its folders (innermost first). */
export function splitOfPath(path: string): string | undefined {
  const segments = path.split('/');
  const name = segments.pop() ?? '';
  for (const token of tokens(name.replace(/\.[^.]*$/, ''))) if (SPLIT_KEYWORDS[token]) return SPLIT_KEYWORDS[token];
  for (const segment of segments.reverse()) for (const token of tokens(segment)) if (SPLIT_KEYWORDS[token]) return SPLIT_KEYWORDS[token];
  return undefined;
}

function sortSplits<T extends { split: string }>(splits: T[]): T[] {
  const rank = (split: string) => (SPLIT_ORDER.includes(split) ? SPLIT_ORDER.indexOf(split) : SPLIT_ORDER.length);
  return splits.sort((a, b) => rank(a.split) - rank(b.split) || a.split.localeCompare(b.split));
}

function mediaFormat(kind: FileKind): DataFormat | undefined {
  if (kind === 'image') return 'imagefolder';
  if (kind === 'audio') return 'audiofolder';
  return undefined;
}

/** The format of one split's files; mixing tabular formats in a split is refused. */
function formatOfFiles(files: string[], where: string): DataFormat {
  const kinds = new Set(files.map((file) => fileKindOf(file)).filter((kind) => kind !== undefined));
  const tabular = [...kinds].filter((kind) => kind !== 'image' && kind !== 'audio');
  if (tabular.length > 1) throw new ModaError('DATASET_LAYOUT_INVALID', `${where} mixes data formats (${tabular.join(', ')}); give each format its own config`);
  const [only] = tabular;
  if (only) return only;
  const media = kinds.has('image') ? 'image' : kinds.has('audio') ? 'audio' : undefined;
  const format = media && mediaFormat(media);
  if (!format) throw new ModaError('DATASET_LAYOUT_INVALID', `${where} holds no file Moda can read (CSV, TSV, JSON, JSON lines, Parquet, images, audio)`);
  return format;
}

/** Media files and the metadata files in their folders or above. */
function mediaSplit(split: string, format: DataFormat, files: string[], metadata: string[]): SplitLayout {
  const kind = format === 'imagefolder' ? 'image' : 'audio';
  const media = files.filter((file) => fileKindOf(file) === kind).sort();
  const folders = new Set(media.map((file) => file.slice(0, file.lastIndexOf('/') + 1)));
  const applies = metadata.filter((meta) => {
    const folder = meta.slice(0, meta.lastIndexOf('/') + 1);
    return [...folders].some((dir) => dir.startsWith(folder));
  });
  return { split, format, files: media, ...(applies.length > 0 && { metadataFiles: applies.sort() }) };
}

function splitsByName(files: string[], metadata: string[]): SplitLayout[] {
  const named = new Map<string, string[]>();
  for (const file of files) {
    const split = splitOfPath(file);
    if (split) named.set(split, [...(named.get(split) ?? []), file]);
  }
  // Files without a split keyword are ignored once any file has one (Hugging Face does the same).
  const groups = named.size > 0 ? named : new Map([['train', files]]);
  return sortSplits(
    [...groups].map(([split, group]) => {
      const format = formatOfFiles(group, `split ${split}`);
      return format === 'imagefolder' || format === 'audiofolder' ? mediaSplit(split, format, group, metadata) : { split, format, files: [...group].sort() };
    }),
  );
}

/** Data files without a card: the most common tabular kind wins, else images, else audio. */
function inferredLayout(paths: string[]): DatasetLayout {
  const visible = paths.filter((path) => !isHidden(path));
  const metadata = visible.filter(isMetadataFile);
  const counts = new Map<FileKind, number>();
  for (const path of visible) {
    if (isMetadataFile(path)) continue;
    const kind = fileKindOf(path);
    if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const tabular = TABULAR_PREFERENCE.filter((kind) => counts.has(kind)).sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
  const chosen = tabular[0] ?? (counts.has('image') ? 'image' : counts.has('audio') ? 'audio' : undefined);
  if (!chosen) throw new ModaError('DATASET_NO_DATA_FILES', 'the repository holds no data file Moda can read (CSV, TSV, JSON, JSON lines, Parquet, images, audio)');
  const files = visible.filter((path) => !isMetadataFile(path) && fileKindOf(path) === chosen);
  return { configs: [{ config: 'default', splits: splitsByName(files, metadata) }] };
}

interface CardDataFiles {
  split: string;
  patterns: string[];
}

function asPatterns(value: unknown, where: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new ModaError('DATASET_CARD_INVALID', `${where} must be a path or a list of paths`);
}

function cardDataFiles(value: unknown, where: string): CardDataFiles[] {
  if (typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) return [{ split: 'train', patterns: asPatterns(value, where) }];
  if (Array.isArray(value)) {
    return value.map((entry, index) => {
      if (typeof entry !== 'object' || entry === null) throw new ModaError('DATASET_CARD_INVALID', `${where}[${index}] must be {split, path}`);
      const { split = 'train', path } = entry as { split?: unknown; path?: unknown };
      if (typeof split !== 'string' || !/^[\w.-]{1,64}$/.test(split)) throw new ModaError('DATASET_CARD_INVALID', `${where}[${index}].split must be a name of letters, digits, _ . -`);
      return { split, patterns: asPatterns(path, `${where}[${index}].path`) };
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([split, patterns]) => ({ split, patterns: asPatterns(patterns, `${where}.${split}`) }));
  }
  throw new ModaError('DATASET_CARD_INVALID', `${where} must be a path, a list of paths or a list of {split, path}`);
}

function cardLayout(configs: unknown[], paths: string[]): DatasetLayout {
  const visible = paths.filter((path) => !isHidden(path));
  const metadata = visible.filter(isMetadataFile);
  const seen = new Set<string>();
  const result: ConfigLayout[] = configs.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw new ModaError('DATASET_CARD_INVALID', `configs[${index}] must be a mapping`);
    const { config_name: name = 'default', data_files: dataFiles, data_dir: dataDir } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) throw new ModaError('DATASET_CARD_INVALID', `configs[${index}].config_name must be a name of letters, digits, _ . -`);
    if (seen.has(name)) throw new ModaError('DATASET_CARD_INVALID', `config ${name} is declared twice`);
    seen.add(name);
    if (dataDir !== undefined && typeof dataDir !== 'string') throw new ModaError('DATASET_CARD_INVALID', `configs[${index}].data_dir must be a path`);
    const prefix = dataDir ? `${dataDir.replace(/^\.?\/+|\/+$/g, '')}/` : '';
    if (dataFiles === undefined) {
      const inside = visible.filter((path) => path.startsWith(prefix));
      return { config: name, splits: inferredLayout(inside).configs[0]?.splits ?? [] };
    }
    const splits = cardDataFiles(dataFiles, `configs[${index}].data_files`).map(({ split, patterns }) => {
      const regexps = patterns.map((pattern) => globToRegExp(prefix + pattern));
      const files = visible.filter((path) => !isMetadataFile(path) && fileKindOf(path) && regexps.some((regexp) => regexp.test(path)));
      if (files.length === 0) throw new ModaError('DATASET_CARD_INVALID', `config ${name}, split ${split}: no data file matches ${patterns.join(', ')}`);
      const format = formatOfFiles(files, `config ${name}, split ${split}`);
      return format === 'imagefolder' || format === 'audiofolder' ? mediaSplit(split, format, files, metadata) : { split, format, files: files.sort() };
    });
    return { config: name, splits: sortSplits(splits) };
  });
  // The card's `default: true` config comes first, as Hugging Face lists it.
  const defaultIndex = configs.findIndex((entry) => typeof entry === 'object' && entry !== null && (entry as { default?: unknown }).default === true);
  if (defaultIndex > 0) result.unshift(...result.splice(defaultIndex, 1));
  return { configs: result };
}

/** The layout of a dataset from its file paths and its card's parsed YAML (empty when absent). */
export function detectLayout(paths: string[], card: Record<string, unknown>): DatasetLayout {
  const { configs } = card;
  if (configs !== undefined) {
    if (!Array.isArray(configs) || configs.length === 0) throw new ModaError('DATASET_CARD_INVALID', 'configs in the card must be a non-empty list');
    return cardLayout(configs, paths);
  }
  return inferredLayout(paths);
}

/** The label of a media file from its class folder (`train/cat/1.png` → cat), if it has one. */
export function classFolderOf(path: string): string | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return undefined;
  const folder = segments[segments.length - 2] ?? '';
  return SPLIT_KEYWORDS[folder.toLowerCase()] !== undefined || folder === 'data' ? undefined : folder;
}
