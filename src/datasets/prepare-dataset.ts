// Builds everything the dataset viewer needs for one commit into its cache folder: the layout, a
// Parquet conversion of text sources, row counts and features. It works in a private folder and
// renames it into place at the end, so readers see a whole preparation or none, and a crash or an
// abort leaves nothing half-written. The `dataset-prepare` job calls this; routes call it lazily.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModaError, isModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { listFiles, readSmallFile, type RepoFile } from '../hub/list-files.js';
import { parseModelCard } from '../hub/model-card.js';
import { datasetCacheDir, datasetCacheRoot } from './dataset-cache-dir.js';
import type { DatasetLayout } from './dataset-layout.js';
import { detectLayout } from './detect-layout.js';
import { openLockedDuckDb } from './duckdb-engine.js';
import { MANIFEST_VERSION, type FailedSplit, type PreparedConfig, type PreparedDataset } from './prepared-dataset.js';
import { prepareSplit } from './prepare-split.js';
import { withPreparationLock } from './preparation-lock.js';
import { localSourceFile, type SourceFile } from './source-files.js';

export interface PrepareProgress {
  fraction: number;
  message: string;
}

export interface PrepareOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PrepareProgress) => void;
}

export async function readManifest(hub: HubContext, commit: string): Promise<PreparedDataset | undefined> {
  const text = await readFile(join(datasetCacheDir(hub, commit), 'manifest.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const manifest = JSON.parse(text) as PreparedDataset;
  return manifest.version === MANIFEST_VERSION ? manifest : undefined;
}

/** A DuckDB error as one short line, naming repo paths instead of the server's own paths. */
export function describeFailure(error: unknown, sources: SourceFile[], workDir: string): { code: string; message: string } {
  if (isModaError(error) && error.code !== 'INTERNAL') return { code: error.code, message: error.message };
  let message = error instanceof Error ? error.message : String(error);
  for (const source of sources) message = message.split(source.localPath).join(source.repoPath);
  message = message.split(workDir).join('<cache>');
  message = message.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('LINE ') && !/^\s*\^/.test(line)).slice(0, 3).join(' ');
  return { code: 'DATASET_FILE_INVALID', message: message.slice(0, 1000) };
}

async function readLayout(gitDir: string, commit: string, files: RepoFile[]): Promise<DatasetLayout> {
  const readme = await readSmallFile(gitDir, commit, 'README.md');
  const card = readme ? parseModelCard(readme.toString('utf8')).data : {};
  return detectLayout(files.map((file) => file.path), card);
}

async function build(hub: HubContext, gitDir: string, commit: string, workDir: string, options: PrepareOptions): Promise<PreparedDataset> {
  const files = await listFiles(gitDir, commit);
  let layout: DatasetLayout;
  try {
    layout = await readLayout(gitDir, commit, files);
  } catch (error) {
    if (!isModaError(error)) throw error;
    return { version: MANIFEST_VERSION, commit, configs: [], failed: [], error: { code: error.code, message: error.message } };
  }
  const byPath = new Map(files.map((file) => [file.path, file]));
  const sourcesOf = async (paths: string[], start: number) =>
    Promise.all(paths.map((path, index) => localSourceFile(hub, gitDir, byPath.get(path) as RepoFile, workDir, start + index)));
  const total = layout.configs.reduce((sum, config) => sum + config.splits.length, 0);
  const configs: PreparedConfig[] = [];
  const failed: FailedSplit[] = [];
  let done = 0;
  let fileIndex = 0;
  for (const [configIndex, config] of layout.configs.entries()) {
    const prepared: PreparedConfig = { config: config.config, splits: [] };
    configs.push(prepared);
    for (const [splitIndex, split] of config.splits.entries()) {
      if (options.signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'dataset preparation was cancelled');
      options.onProgress?.({ fraction: done / total, message: `${config.config}/${split.split}` });
      const sources = await sourcesOf(split.files, fileIndex);
      fileIndex += split.files.length;
      const metadata = await sourcesOf(split.metadataFiles ?? [], fileIndex);
      fileIndex += metadata.length;
      const outside = [...sources, ...metadata].filter((file) => !file.localPath.startsWith(workDir)).map((file) => file.localPath);
      // One engine per split: its allowed paths are exactly this split's files and the work folder.
      const { instance, connection } = await openLockedDuckDb(hub.config, { paths: outside, directories: [`${workDir}/`], tempDirectory: join(workDir, 'spill') });
      const abort = () => connection.interrupt();
      options.signal?.addEventListener('abort', abort);
      try {
        prepared.splits.push(await prepareSplit({ connection, layout: split, sources, metadata, workDir, outputName: `${configIndex}-${splitIndex}.parquet`, ...(options.signal && { signal: options.signal }) }));
      } catch (error) {
        if (options.signal?.aborted) throw new ModaError('REQUEST_CANCELLED', 'dataset preparation was cancelled');
        failed.push({ config: config.config, split: split.split, ...describeFailure(error, [...sources, ...metadata], workDir) });
      } finally {
        options.signal?.removeEventListener('abort', abort);
        connection.closeSync();
        instance.closeSync();
      }
      done++;
    }
  }
  options.onProgress?.({ fraction: 1, message: 'prepared' });
  return { version: MANIFEST_VERSION, commit, configs, failed };
}

/**
 * Leaves in the work folder only the Parquet files pages read: copies of git-stored sources that
 * were converted, media files, file lists and spill files would only take cache space.
 */
async function removeUnread(workDir: string, manifest: PreparedDataset): Promise<void> {
  const read = new Set(manifest.configs.flatMap((config) => config.splits.flatMap((split) => split.sources.flatMap((source) => (source.kind === 'cache' ? [source.file.split('/')[0] ?? source.file] : [])))));
  for (const name of await readdir(workDir)) if (!read.has(name)) await rm(join(workDir, name), { recursive: true, force: true });
}

/**
 * Prepares `commit` of a dataset repo (its bare git folder), or returns the preparation already in
 * the cache. Failures of single splits are recorded in the result (`failed`), not thrown. Processes
 * sharing the cache prepare a commit one at a time; the others wait for that one's result.
 */
export async function prepareDataset(hub: HubContext, repo: { gitDir: string }, commit: string, options: PrepareOptions = {}): Promise<PreparedDataset> {
  const existing = await readManifest(hub, commit);
  if (existing) return existing;
  const workRoot = join(datasetCacheRoot(hub), '.work');
  await mkdir(workRoot, { recursive: true });
  return withPreparationLock(join(workRoot, `${commit}.lock`), () => readManifest(hub, commit), () => prepareUnlocked(hub, repo, commit, workRoot, options), {
    ...(options.signal && { signal: options.signal }),
  });
}

async function prepareUnlocked(hub: HubContext, repo: { gitDir: string }, commit: string, workRoot: string, options: PrepareOptions): Promise<PreparedDataset> {
  const target = datasetCacheDir(hub, commit);
  const workDir = await mkdtemp(join(workRoot, `${commit}-`));
  try {
    const manifest = await build(hub, repo.gitDir, commit, workDir, options);
    await removeUnread(workDir, manifest);
    await writeFile(join(workDir, 'manifest.json'), JSON.stringify(manifest));
    await mkdir(dirname(target), { recursive: true });
    // Never removed before the rename: another process (job processes prepare too) may have put
    // its whole preparation there and be reading it.
    const placed = await rename(workDir, target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        return false;
      },
    );
    if (!placed) {
      // Another process finished the same commit first: its result is as good as ours.
      const finished = await readManifest(hub, commit);
      if (finished) return finished;
      // A folder without a readable manifest (an older format, a crash before renames were used):
      // moved aside in one step, then ours takes its place.
      const aside = `${workDir}-replaced`;
      const ignoreRace = (error: NodeJS.ErrnoException) => {
        // Another process replaced it at the same moment: whichever landed is whole.
        if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(error.code ?? '')) throw error;
      };
      await rename(target, aside).catch(ignoreRace);
      await rm(aside, { recursive: true, force: true });
      await rename(workDir, target).catch(ignoreRace);
    }
    return (await readManifest(hub, commit)) ?? manifest;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
