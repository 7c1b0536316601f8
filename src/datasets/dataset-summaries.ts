// The viewer's descriptive routes from a prepared commit: /splits, /info and /size in the Hugging
// Face dataset viewer's shapes. /info and /size describe a measured commit (every split's Arrow
// size known, measure-dataset-memory.ts), so they never give a size that is not yet measured.
import type { MeasuredDataset, MeasuredSplit, PreparedDataset } from './prepared-dataset.js';
import { requireUsable } from './ensure-prepared.js';
import { ModaError } from '../errors/moda-error.js';

export function splitsResponse(dataset: string, manifest: PreparedDataset) {
  requireUsable(manifest);
  return {
    splits: manifest.configs.flatMap((config) => config.splits.map((split) => ({ dataset, config: config.config, split: split.split }))),
    pending: [],
    failed: manifest.failed.map((entry) => ({ dataset, config: entry.config, split: entry.split, error: { error: entry.message, code: entry.code } })),
  };
}

function splitInfo(dataset: string, split: MeasuredSplit) {
  // As in the `datasets` library, num_bytes and dataset_size are the Arrow (in-memory) sizes.
  return { name: split.split, num_bytes: split.memoryBytes, num_examples: split.numRows, dataset_name: dataset };
}

function configInfo(dataset: string, manifest: MeasuredDataset, configName: string) {
  const config = manifest.configs.find((entry) => entry.config === configName);
  if (!config) throw new ModaError('DATASET_CONFIG_NOT_FOUND', `no config ${JSON.stringify(configName)}`);
  const [first] = config.splits;
  return {
    dataset_name: dataset,
    config_name: config.config,
    builder_name: first?.format ?? 'parquet',
    features: Object.fromEntries((first?.columns ?? []).map((column) => [column.name, column.feature])),
    splits: Object.fromEntries(config.splits.map((split) => [split.split, splitInfo(dataset, split)])),
    download_size: config.splits.reduce((sum, split) => sum + split.originalBytes, 0),
    dataset_size: config.splits.reduce((sum, split) => sum + split.memoryBytes, 0),
  };
}

export function infoResponse(dataset: string, manifest: MeasuredDataset, config: string | undefined) {
  requireUsable(manifest);
  const failed = manifest.failed.length > 0;
  if (config !== undefined) return { dataset_info: configInfo(dataset, manifest, config), partial: false, ...(failed && { failed: manifest.failed }) };
  return { dataset_info: Object.fromEntries(manifest.configs.map((entry) => [entry.config, configInfo(dataset, manifest, entry.config)])), partial: false, pending: [], failed: manifest.failed };
}

export function sizeResponse(dataset: string, manifest: MeasuredDataset, configName: string | undefined) {
  requireUsable(manifest);
  const configs = configName === undefined ? manifest.configs : manifest.configs.filter((entry) => entry.config === configName);
  if (configs.length === 0) throw new ModaError('DATASET_CONFIG_NOT_FOUND', `no config ${JSON.stringify(configName)}`);
  const splits = configs.flatMap((config) =>
    config.splits.map((split) => ({ dataset, config: config.config, split: split.split, num_bytes_original_files: split.originalBytes, num_bytes_parquet_files: split.parquetBytes, num_bytes_memory: split.memoryBytes, num_rows: split.numRows, num_columns: split.columns.length })),
  );
  const sum = (items: typeof splits, key: 'num_bytes_original_files' | 'num_bytes_parquet_files' | 'num_bytes_memory' | 'num_rows') => items.reduce((total, item) => total + item[key], 0);
  const configSizes = configs.map((config) => {
    const own = splits.filter((split) => split.config === config.config);
    return { dataset, config: config.config, num_bytes_original_files: sum(own, 'num_bytes_original_files'), num_bytes_parquet_files: sum(own, 'num_bytes_parquet_files'), num_bytes_memory: sum(own, 'num_bytes_memory'), num_rows: sum(own, 'num_rows'), num_columns: Math.max(0, ...own.map((split) => split.num_columns)) };
  });
  const whole = { num_bytes_original_files: sum(splits, 'num_bytes_original_files'), num_bytes_parquet_files: sum(splits, 'num_bytes_parquet_files'), num_bytes_memory: sum(splits, 'num_bytes_memory'), num_rows: sum(splits, 'num_rows') };
  const size = configName === undefined ? { dataset: { dataset, ...whole }, configs: configSizes, splits } : { config: configSizes[0], splits };
  return { size, pending: [], failed: manifest.failed, partial: false };
}
