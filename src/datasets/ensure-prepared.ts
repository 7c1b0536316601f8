// The lazy path every viewer route takes: the prepared commit from the cache, or a preparation run
// now (one per commit at a time in this process; at most two commits at once, so a burst of new
// commits cannot start unbounded DuckDB work).
import { ModaError } from '../errors/moda-error.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { HubContext } from '../hub/context.js';
import { LruCache } from '../hub/lru-cache.js';
import { measureDatasetMemory, measuredWithoutScan } from './measure-dataset-memory.js';
import { prepareDataset, readManifest } from './prepare-dataset.js';
import type { MeasuredDataset, PreparedDataset, PreparedSplit } from './prepared-dataset.js';

const MAX_PREPARING = 2;
const inFlight = new Map<string, Promise<PreparedDataset>>();
let preparing = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (preparing >= MAX_PREPARING) await new Promise<void>((resolve) => waiting.push(resolve));
  preparing++;
  try {
    return await work();
  } finally {
    preparing--;
    waiting.shift()?.();
  }
}

// A manifest never changes once written: pages of a hot commit skip reading and parsing it.
const manifests = new LruCache<string, PreparedDataset>({ name: 'dataset-manifests', maxEntries: 256, maxBytes: 64 * 1024 ** 2, sizeOf: (manifest) => 2 * JSON.stringify(manifest).length });

export async function ensurePrepared(hub: HubContext, repo: { gitDir: string }, commit: string): Promise<PreparedDataset> {
  const key = `${hub.config.home}\0${commit}`;
  const known = manifests.get(key);
  if (known) return known;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = (async () => (await readManifest(hub, commit)) ?? slot(() => prepareDataset(hub, repo, commit)))().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const manifest = await pending;
  manifests.set(key, manifest);
  return manifest;
}

const measuredCache = new LruCache<string, MeasuredDataset>({ name: 'dataset-memory-sizes', maxEntries: 256, maxBytes: 64 * 1024 ** 2, sizeOf: (manifest) => 2 * JSON.stringify(manifest).length });
const measuring = new Map<string, Promise<MeasuredDataset>>();

/**
 * The prepared commit with every split's Arrow size, for /info and /size: measured by the
 * preparation's second step (the `dataset-prepare` job runs it right after the first), or now when
 * that step has not run (a lazy preparation, a crash between the steps); one at a time per commit.
 */
export async function ensureMeasured(hub: HubContext, manifest: PreparedDataset): Promise<MeasuredDataset> {
  const known = measuredWithoutScan(manifest);
  if (known) return known;
  const key = `${hub.config.home}\0${manifest.commit}`;
  const cached = measuredCache.get(key);
  if (cached) return cached;
  let pending = measuring.get(key);
  if (!pending) {
    pending = slot(() => measureDatasetMemory(hub, manifest)).finally(() => measuring.delete(key));
    measuring.set(key, pending);
  }
  const measured = await pending;
  measuredCache.set(key, measured);
  return measured;
}

/** Drops the manifest this process keeps of `commit` (its cache folder is being removed). */
export function forgetPreparedManifest(hub: HubContext, commit: string): void {
  manifests.delete(`${hub.config.home}\0${commit}`);
  measuredCache.delete(`${hub.config.home}\0${commit}`);
}

/** Throws the layout error a preparation recorded (no data files, a malformed card). */
export function requireUsable(manifest: PreparedDataset): void {
  if (manifest.error) throw new ModaError(manifest.error.code as ErrorCode, manifest.error.message);
}

export function findSplit(manifest: PreparedDataset, config: string, split: string): PreparedSplit {
  requireUsable(manifest);
  const failed = manifest.failed.find((entry) => entry.config === config && entry.split === split);
  if (failed) throw new ModaError(failed.code as ErrorCode, `${config}/${split}: ${failed.message}`);
  const found = manifest.configs.find((entry) => entry.config === config);
  if (!found) throw new ModaError('DATASET_CONFIG_NOT_FOUND', `no config ${JSON.stringify(config)}; configs: ${manifest.configs.map((entry) => entry.config).join(', ')}`);
  const prepared = found.splits.find((entry) => entry.split === split);
  if (!prepared) throw new ModaError('DATASET_SPLIT_NOT_FOUND', `config ${config} has no split ${JSON.stringify(split)}; splits: ${found.splits.map((entry) => entry.split).join(', ')}`);
  return prepared;
}
