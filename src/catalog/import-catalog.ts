// Imports the starter catalog into the hub as ordinary model and dataset repos under the `moda` organization: one
// commit per entry version (weights become LFS objects like any upload). An entry whose commit for
// its current version is already in the repo's history is left alone, so re-running is cheap and
// later user commits to a starter repo are never overwritten.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubContext } from '../hub/context.js';
import { gitText } from '../hub/git.js';
import { commitChanges } from '../hub/repos/commit-changes.js';
import { createRepo } from '../hub/repos/create-repo.js';
import { findRepo, type RepoRecord } from '../hub/repos/repo-record.js';
import { ensureNamespace, importActor } from '../mirror/ensure-namespace.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import { CatalogImageCropper, type CatalogCrop } from './crop-catalog-image.js';
import { CATALOG_DIR, readCatalog, resolveCatalogSource, type CatalogEntry } from './read-catalog.js';
import { tunedEntryChange } from './tuned-entry-change.js';

export interface CatalogImportResult {
  repo: string;
  /** `queued`: a tuned entry whose tune job was started (or is already running). */
  status: 'imported' | 'updated' | 'unchanged' | 'skipped' | 'queued';
  commit?: string;
  /** Why an entry was skipped (a missing package or Debian file). */
  reason?: string;
}

export interface CatalogImportOptions {
  catalogDir?: string;
  /** Entry names or repo ids to import; default all. */
  only?: readonly string[];
  /** Checked between entries: each entry's commit is whole or absent. */
  signal?: AbortSignal;
  /**
   * Starts the tune job that builds a `tuned` entry (the catalog-import job does it through the
   * server's API) and returns its id; without it, tuned entries are skipped.
   */
  startTuneJob?: (entry: CatalogEntry, params: Record<string, unknown>) => Promise<string>;
  /** Called before each entry (`done` entries finished of `total`) and once at the end. */
  onProgress?: (done: number, total: number, entry: CatalogEntry | undefined, last: CatalogImportResult | undefined) => void;
}

const marker = (entry: CatalogEntry) => `[catalog ${entry.name} v${entry.version}]`;

async function findOrCreate(hub: HubContext, type: 'model' | 'dataset', repoId: string): Promise<{ repo: RepoRecord; created: boolean }> {
  try {
    return { repo: await findRepo(hub, importActor, type, repoId, 'write'), created: false };
  } catch (error) {
    if (!(isModaError(error) && error.code === 'HUB_REPO_NOT_FOUND')) throw error;
  }
  try {
    return { repo: await createRepo(hub, importActor, { type, repoId }), created: true };
  } catch (error) {
    // Another server process importing at the same time created it first.
    if (isModaError(error) && error.code === 'HUB_REPO_EXISTS') return { repo: await findRepo(hub, importActor, type, repoId, 'write'), created: false };
    throw error;
  }
}

async function alreadyImported(repo: RepoRecord, entry: CatalogEntry): Promise<string | undefined> {
  const found = await gitText(repo.gitDir, ['log', '--format=%H', '--fixed-strings', `--grep=${marker(entry)}`, '-1', `refs/heads/${repo.row.default_branch}`]).catch(() => '');
  return found.trim() || undefined;
}

/**
 * A tuned entry: nothing to copy, a job to start unless the model is there and was trained as the
 * entry says now (tuned-entry-change.ts); a changed entry is retrained into the same repo.
 */
async function queueTunedEntry(hub: HubContext, entry: CatalogEntry, start: CatalogImportOptions['startTuneJob']): Promise<CatalogImportResult> {
  if (!start || !entry.tune) return { repo: entry.repo, status: 'skipped', reason: 'built by a tune job when a server imports the catalog' };
  let change: string | undefined;
  try {
    const repo = await findRepo(hub, importActor, 'model', entry.repo);
    change = await tunedEntryChange(hub, repo, entry.tune);
    if (change === undefined) return { repo: entry.repo, status: 'unchanged', commit: (await gitText(repo.gitDir, ['rev-parse', `refs/heads/${repo.row.default_branch}`])).trim() };
  } catch (error) {
    if (!(isModaError(error) && error.code === 'HUB_REPO_NOT_FOUND')) throw error;
  }
  await ensureNamespace(hub, entry.repo.split('/')[0] ?? 'moda');
  let jobId: string;
  try {
    jobId = await start(entry, { ...entry.tune, output_repo: entry.repo });
  } catch (error) {
    // The job is pinned to a dataset commit when it is started: an entry whose dataset was skipped has none.
    if (isModaError(error) && ['HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND'].includes(error.code)) return { repo: entry.repo, status: 'skipped', reason: `its dataset ${String(entry.tune.dataset)}: ${error.message}` };
    throw error;
  }
  return { repo: entry.repo, status: 'queued', reason: `tune job ${jobId}${change === undefined ? '' : `, rebuilding: ${change}`}` };
}

async function importEntry(hub: HubContext, entry: CatalogEntry, options: CatalogImportOptions = {}): Promise<CatalogImportResult> {
  if (entry.type === 'tuned') return queueTunedEntry(hub, entry, options.startTuneJob);
  let sources: { path: string; file: string; crop?: CatalogCrop }[];
  try {
    sources = [
      ...entry.ownFiles.map((path) => ({ path, file: join(entry.dir, path) })),
      ...(await Promise.all(entry.files.map(async (file) => ({ path: file.path, file: await resolveCatalogSource(entry, file.from), ...(file.crop && { crop: file.crop }) })))),
    ];
  } catch (error) {
    if (isModaError(error) && error.code === 'CATALOG_SOURCE_MISSING') return { repo: entry.repo, status: 'skipped', reason: error.message };
    throw error;
  }
  await ensureNamespace(hub, entry.repo.split('/')[0] ?? 'moda');
  const { repo, created } = await findOrCreate(hub, entry.type === 'dataset' ? 'dataset' : 'model', entry.repo);
  const existing = await alreadyImported(repo, entry);
  if (existing) return { repo: entry.repo, status: 'unchanged', commit: existing };
  const cropper = new CatalogImageCropper(entry.repo);
  const operations: { kind: 'file'; path: string; content: Buffer }[] = [];
  // In order, one at a time: the cropper decodes each photo once for the regions listed after it.
  for (const { path, file, crop } of sources) operations.push({ kind: 'file', path, content: crop ? await cropper.crop(file, crop) : await readFile(file) });
  const result = await commitChanges(hub, importActor, repo, {
    branch: repo.row.default_branch,
    operations,
    summary: `Import starter ${entry.type} ${entry.name} ${marker(entry)}`,
    description: `Files from ${[...new Set(entry.files.map((file) => file.from.replace(/^(npm:(@[^/]+\/)?[^/]+).*$/, '$1').replace(/^file:.*$/, 'Debian')))].join(', ') || 'this catalog entry'}.`,
  });
  return { repo: entry.repo, status: created ? 'imported' : 'updated', commit: result.commitOid };
}

/** Imports every (or each named) catalog entry; entries whose sources are not installed are skipped. */
export async function importCatalog(hub: HubContext, options: CatalogImportOptions = {}): Promise<CatalogImportResult[]> {
  const entries = await readCatalog(options.catalogDir ?? CATALOG_DIR);
  const wanted = options.only?.length ? entries.filter((entry) => options.only?.includes(entry.name) || options.only?.includes(entry.repo)) : entries;
  if (options.only?.length && wanted.length !== options.only.length) {
    const known = new Set(entries.flatMap((entry) => [entry.name, entry.repo]));
    throw new ModaError('NOT_FOUND', `no catalog entry named ${options.only.filter((name) => !known.has(name)).join(', ')}`);
  }
  const results: CatalogImportResult[] = [];
  // One at a time: each holds its weights in memory while committing.
  for (const entry of wanted) {
    options.signal?.throwIfAborted();
    options.onProgress?.(results.length, wanted.length, entry, results.at(-1));
    results.push(await importEntry(hub, entry, options));
  }
  options.onProgress?.(results.length, wanted.length, undefined, results.at(-1));
  return results;
}
