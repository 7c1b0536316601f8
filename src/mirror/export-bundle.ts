// `moda export`: writes repos into one air-gap bundle (format in bundle-manifest.ts). It reads the
// data directory directly — git repos, blob store, database — so it needs no running server and
// keeps real commit shas. The tar is written under a temporary name and renamed at the end, so a
// bundle on disk is always complete.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';
import { lastOf, progressChannel, type Emit } from '../client/progress-channel.js';
import type { RepoType } from '../db/schema.js';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { git, gitText } from '../hub/git.js';
import { findRepo, visibilityOf, type RepoRecord } from '../hub/repos/repo-record.js';
import { blobEntryName, BUNDLE_FORMAT, gitEntryName, MANIFEST_ENTRY, type BundleManifest, type BundleRef, type BundleRepo } from './bundle-manifest.js';
import { importActor } from './ensure-namespace.js';
import { listFileDigests } from './list-file-digests.js';
import { listLfsObjects } from '../hub/lfs-list-objects.js';

export interface ExportTarget {
  type: RepoType;
  /** `namespace/name`. */
  id: string;
}

export interface ExportOptions {
  signal?: AbortSignal;
}

export interface ExportResult {
  path: string;
  repos: string[];
  blobs: number;
  bytes: number;
}

export type ExportEvent =
  | { event: 'repo'; type: RepoType; repo: string; refs: number; files: number; lfsObjects: number }
  | { event: 'progress'; bytes: number; totalBytes: number }
  | { event: 'done'; result: ExportResult };

/** `ns/name`, `datasets/ns/name` or `models/ns/name` → a target (`type` applies to bare ids). */
export function parseExportTarget(spec: string, type: RepoType = 'model'): ExportTarget {
  const match = /^(models|datasets)\/(.+)$/.exec(spec);
  if (match) return { type: match[1] === 'datasets' ? 'dataset' : 'model', id: match[2] as string };
  return { type, id: spec };
}

async function readRefs(gitDir: string): Promise<BundleRef[]> {
  const output = await gitText(gitDir, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(*objectname)', 'refs/heads', 'refs/tags']);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref = '', object = '', peeled = ''] = line.split('\0');
      return { ref, object, commit: peeled || object };
    });
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** Adds one entry, streaming its content; resolves when the pack has taken all of it. */
function addEntry(pack: Pack, name: string, size: number, content: Readable, onBytes: (bytes: number) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0), type: 'file' }, (error) => (error ? reject(error) : resolvePromise()));
    content.on('data', (chunk: Buffer) => onBytes(chunk.length));
    content.on('error', (error) => {
      entry.destroy(error);
      reject(error);
    });
    content.pipe(entry);
  });
}

async function describeRepo(hub: HubContext, repo: RepoRecord, bundleFile: string): Promise<{ entry: BundleRepo; lfs: Map<string, number> }> {
  const refs = await readRefs(repo.gitDir);
  if (refs.length === 0) throw new ModaError('BAD_REQUEST', `${repo.fullName} has no branches or tags to export`);
  // Only branches and tags travel: scratch refs of in-flight commits stay behind.
  await git(repo.gitDir, ['bundle', 'create', '--quiet', bundleFile, '--branches', '--tags']);
  const snapshots = [];
  for (const commit of new Set(refs.map((ref) => ref.commit))) snapshots.push({ commit, files: await listFileDigests(repo.gitDir, commit) });
  const atRefs = new Set(snapshots.flatMap((snapshot) => snapshot.files.filter((file) => file.lfs).map((file) => file.sha256)));
  const lfs = new Map<string, number>();
  for (const pointer of await listLfsObjects(repo.gitDir)) {
    const stored = await hub.blobs.stat(pointer.oid);
    if (stored) lfs.set(pointer.oid, stored.size);
    // A missing object of an old version is missing here too; one the refs need is an error.
    else if (atRefs.has(pointer.oid)) throw new ModaError('LFS_OBJECT_MISSING', `${repo.fullName}: LFS object ${pointer.oid} is not in the blob store`);
  }
  const bundleInfo = await stat(bundleFile);
  return {
    entry: {
      type: repo.type,
      id: repo.fullName,
      private: repo.row.private === 1,
      visibility: visibilityOf(repo.row),
      defaultBranch: repo.row.default_branch,
      createdAt: repo.row.created_at,
      git: { path: gitEntryName(repo.type, repo.fullName), size: bundleInfo.size, sha256: await sha256OfFile(bundleFile) },
      refs,
      snapshots,
      lfsObjects: [...lfs.keys()].sort(),
    },
    lfs,
  };
}

async function runExport(hub: HubContext, targets: ExportTarget[], outPath: string, emit: Emit<ExportEvent>, signal: AbortSignal): Promise<void> {
  if (targets.length === 0) throw new ModaError('BAD_REQUEST', 'name at least one repo to export');
  const out = resolve(outPath);
  const work = await mkdtemp(join(dirname(out), '.moda-export-'));
  const partial = `${out}.${randomBytes(6).toString('hex')}.partial`;
  try {
    const repos: BundleRepo[] = [];
    const blobs = new Map<string, number>();
    for (const [index, target] of targets.entries()) {
      const repo = await findRepo(hub, importActor, target.type, target.id);
      const { entry, lfs } = await describeRepo(hub, repo, join(work, `${index}.bundle`));
      repos.push(entry);
      for (const [oid, size] of lfs) blobs.set(oid, size);
      emit({ event: 'repo', type: repo.type, repo: repo.fullName, refs: entry.refs.length, files: entry.snapshots.reduce((sum, snapshot) => sum + snapshot.files.length, 0), lfsObjects: lfs.size });
      signal.throwIfAborted();
    }
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      repos,
      blobs: [...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([oid, size]) => ({ oid, size, path: blobEntryName(oid) })),
    };
    const totalBytes = repos.reduce((sum, repo) => sum + repo.git.size, 0) + manifest.blobs.reduce((sum, blob) => sum + blob.size, 0);
    let bytes = 0;
    const onBytes = (count: number) => {
      bytes += count;
      emit({ event: 'progress', bytes, totalBytes });
    };

    const pack = tarPack();
    const written = pipeline(pack, createWriteStream(partial), { signal });
    try {
      await new Promise<void>((resolvePromise, reject) => {
        pack.entry({ name: MANIFEST_ENTRY, mode: 0o644, mtime: new Date(0) }, Buffer.from(JSON.stringify(manifest, null, 1)), (error) => (error ? reject(error) : resolvePromise()));
      });
      for (const [index, repo] of repos.entries()) {
        await addEntry(pack, repo.git.path, repo.git.size, createReadStream(join(work, `${index}.bundle`)), onBytes);
      }
      for (const blob of manifest.blobs) {
        signal.throwIfAborted();
        await addEntry(pack, blob.path, blob.size, await hub.blobs.read(blob.oid), onBytes);
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
      await written.catch(() => undefined);
      throw error;
    }
    await written;
    await rename(partial, out);
    emit({ event: 'done', result: { path: out, repos: repos.map((repo) => `${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}`), blobs: manifest.blobs.length, bytes: (await stat(out)).size } });
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/** Exports repos (all branches, tags and the LFS objects they refer to) into a bundle at `outPath`. */
export function exportBundleIter(hub: HubContext, targets: ExportTarget[], outPath: string, options: ExportOptions = {}): AsyncGenerator<ExportEvent, void, undefined> {
  return progressChannel<ExportEvent>((emit, signal) => runExport(hub, targets, outPath, emit, signal), options.signal);
}

export function exportBundle(hub: HubContext, targets: ExportTarget[], outPath: string, options: ExportOptions = {}): Promise<ExportResult> {
  return lastOf(exportBundleIter(hub, targets, outPath, options), (event) => (event.event === 'done' ? event.result : undefined));
}
