// `moda import`: brings the repos of an air-gap bundle (bundle-manifest.ts) into this hub with their
// real commit shas. Nothing becomes visible until everything is checked:
//   1. the manifest (first entry) is parsed and validated; repos that exist here already are refused;
//   2. every other entry must be a plain file named exactly as the manifest derives it — absolute
//      paths, `..`, links and devices are refused as unsafe (zip-slip) — and is written to a staging
//      folder under a name of our own while its sha256 and size are checked against the manifest;
//   3. each repo's git bundle is fetched into a scratch bare repo, its refs compared with the
//      manifest, and every file at every ref checked (path, size, sha256, LFS object present);
//   4. only then are LFS objects moved into the blob store and each repo moved in and recorded.
// Any failure in steps 1-3 removes the staging folder and leaves the hub untouched. Step 4 only
// moves checked files; should it fail part-way (disk full, the same name created here meanwhile),
// blobs already moved are unreferenced and harmless, and repos already recorded are complete.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { extract as tarExtract, type Headers } from 'tar-stream';
import { lastOf, progressChannel, type Emit } from '../client/progress-channel.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { git, gitText } from '../hub/git.js';
import { parseRepoId } from '../hub/paths.js';
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES, parseManifest, type BundleManifest, type BundleRepo } from './bundle-manifest.js';
import { ensureNamespace } from './ensure-namespace.js';
import { listFileDigests } from './list-file-digests.js';
import { initBareRepo, registerRepo, scratchDir } from './register-repo.js';

export interface ImportOptions {
  signal?: AbortSignal;
}

export interface ImportResult {
  repos: { type: 'model' | 'dataset'; id: string; refs: number }[];
  /** LFS objects added to the blob store (those it already had are not counted). */
  blobs: number;
}

export type ImportEvent =
  | { event: 'manifest'; repos: string[]; entries: number; totalBytes: number }
  | { event: 'progress'; bytes: number; totalBytes: number }
  | { event: 'verified'; repo: string }
  | { event: 'imported'; repo: string }
  | { event: 'done'; result: ImportResult };

interface ExpectedEntry {
  size: number;
  sha256: string;
  /** Where its content is staged; undefined for a blob the store already has (checked, not kept). */
  stagedPath?: string;
  seen: boolean;
}

const repoLabel = (repo: BundleRepo) => `${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}`;

/** Why an entry name is unsafe to extract, if it is: absolute, drive-relative, `..`, backslashes, NUL. */
function unsafeName(name: string): string | undefined {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path';
  if (name.includes('\\') || name.includes('\0')) return 'a path with backslashes or NUL';
  if (name.split('/').some((segment) => segment === '..')) return 'a path that climbs out of the bundle with ".."';
  return undefined;
}

function checkEntryHeader(header: Headers): void {
  const reason = unsafeName(header.name);
  if (reason) throw new ModaError('BUNDLE_PATH_UNSAFE', `bundle entry "${header.name}" is ${reason}; nothing was imported`);
  if (header.type !== 'file' || header.linkname) {
    throw new ModaError('BUNDLE_PATH_UNSAFE', `bundle entry "${header.name}" is a ${header.type ?? 'special entry'}, not a plain file; nothing was imported`);
  }
}

async function readText(entry: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > limit) throw new ModaError('BUNDLE_INVALID', `the manifest is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes (or only hashes) one entry, checking its size and sha256 against the manifest. */
async function stageEntry(name: string, entry: AsyncIterable<Buffer>, expected: ExpectedEntry, onBytes: (bytes: number) => void): Promise<void> {
  const hash = createHash('sha256');
  const file = expected.stagedPath ? createWriteStream(expected.stagedPath, { flags: 'wx' }) : undefined;
  let size = 0;
  try {
    for await (const chunk of entry) {
      size += chunk.length;
      if (size > expected.size) throw new ModaError('BUNDLE_CHECKSUM_MISMATCH', `bundle entry ${name} is larger than the ${expected.size} bytes its manifest says; nothing was imported`);
      hash.update(chunk);
      if (file && !file.write(chunk)) await once(file, 'drain');
      onBytes(chunk.length);
    }
  } finally {
    if (file) {
      file.end();
      await once(file, 'close');
    }
  }
  const sha256 = hash.digest('hex');
  if (size !== expected.size || sha256 !== expected.sha256) {
    throw new ModaError('BUNDLE_CHECKSUM_MISMATCH', `bundle entry ${name} has ${size} bytes with sha256 ${sha256}, its manifest says ${expected.size} bytes with ${expected.sha256}; nothing was imported`);
  }
}

/** Fetches a repo's git bundle into a scratch bare repo and checks refs and files against the manifest. */
async function verifyRepo(repo: BundleRepo, bundlePath: string, gitDir: string, blobAvailable: (oid: string) => Promise<boolean>): Promise<void> {
  const label = repoLabel(repo);
  const mismatch = (what: string) => new ModaError('BUNDLE_CHECKSUM_MISMATCH', `${label}: ${what}; nothing was imported`);
  await initBareRepo(gitDir, repo.defaultBranch);
  try {
    await git(gitDir, ['bundle', 'verify', '--quiet', bundlePath]);
    // git's fsck (paths like .git., .gitmodules URLs) applies to imported history as it does to pushes.
    await git(gitDir, ['-c', 'fetch.fsckObjects=true', 'fetch', '--quiet', '--no-write-fetch-head', bundlePath, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  } catch (error) {
    throw new ModaError('BUNDLE_INVALID', `${label}: its git history does not unpack (${(error as Error).message})`, { cause: error });
  }
  const actual = (await gitText(gitDir, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])).split('\n').filter(Boolean).sort();
  const expected = repo.refs.map((ref) => `${ref.ref} ${ref.object}`).sort();
  if (actual.join('\n') !== expected.join('\n')) throw mismatch(`its refs (${actual.join(', ')}) differ from the manifest (${expected.join(', ')})`);
  for (const ref of repo.refs) {
    const peeled = (await gitText(gitDir, ['rev-parse', '--verify', '--end-of-options', `${ref.object}^{commit}`])).trim();
    if (peeled !== ref.commit) throw mismatch(`${ref.ref} peels to ${peeled}, the manifest says ${ref.commit}`);
  }
  for (const snapshot of repo.snapshots) {
    const files = await listFileDigests(gitDir, snapshot.commit).catch((error: unknown) => {
      throw mismatch(`commit ${snapshot.commit} is not in its history (${(error as Error).message})`);
    });
    const listed = [...snapshot.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (files.length !== listed.length) throw mismatch(`commit ${snapshot.commit} has ${files.length} files, the manifest lists ${listed.length}`);
    for (const [index, file] of files.entries()) {
      const want = listed[index];
      if (!want || want.path !== file.path || want.size !== file.size || want.sha256 !== file.sha256 || want.lfs !== file.lfs) {
        throw mismatch(`${file.path} at ${snapshot.commit} (${file.size} bytes, sha256 ${file.sha256}) differs from the manifest`);
      }
    }
  }
  for (const oid of repo.lfsObjects) {
    if (!(await blobAvailable(oid))) throw new ModaError('BUNDLE_INVALID', `${label}: LFS object ${oid} is neither in the bundle nor in this hub; nothing was imported`);
  }
}

async function runImport(hub: HubContext, bundlePath: string, emit: Emit<ImportEvent>, signal: AbortSignal): Promise<void> {
  const staging = await scratchDir(hub, 'import');
  const source = createReadStream(bundlePath);
  const extract = tarExtract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    let manifest: BundleManifest | undefined;
    const expected = new Map<string, ExpectedEntry>();
    let totalBytes = 0;
    let bytes = 0;
    const onBytes = (count: number) => {
      bytes += count;
      emit({ event: 'progress', bytes, totalBytes });
    };
    for await (const entry of extract) {
      signal.throwIfAborted();
      const header = entry.header;
      checkEntryHeader(header);
      if (!manifest) {
        if (header.name !== MANIFEST_ENTRY) throw new ModaError('BUNDLE_INVALID', `the first entry must be ${MANIFEST_ENTRY}, not "${header.name}"`);
        manifest = parseManifest(await readText(entry, MAX_MANIFEST_BYTES));
        for (const repo of manifest.repos) {
          const exists = await hub.db.selectFrom('repos').select('id').where('type', '=', repo.type).where('key', '=', repo.id.toLowerCase()).executeTakeFirst();
          if (exists) throw new ModaError('HUB_REPO_EXISTS', `${repoLabel(repo)} already exists here; nothing was imported`);
        }
        for (const [repoIndex, repo] of manifest.repos.entries()) {
          expected.set(repo.git.path, { size: repo.git.size, sha256: repo.git.sha256, stagedPath: join(staging, `repo-${repoIndex}.bundle`), seen: false });
        }
        for (const blob of manifest.blobs) {
          const stored = await hub.blobs.stat(blob.oid);
          expected.set(blob.path, { size: blob.size, sha256: blob.oid, stagedPath: stored?.size === blob.size ? undefined : join(staging, `blob-${blob.oid}`), seen: false });
        }
        totalBytes = [...expected.values()].reduce((sum, item) => sum + item.size, 0);
        emit({ event: 'manifest', repos: manifest.repos.map(repoLabel), entries: expected.size, totalBytes });
        continue;
      }
      const wanted = expected.get(header.name);
      if (!wanted || wanted.seen) throw new ModaError('BUNDLE_INVALID', `bundle entry "${header.name}" is not in its manifest${wanted ? ' or appears twice' : ''}; nothing was imported`);
      wanted.seen = true;
      await stageEntry(header.name, entry, wanted, onBytes);
    }
    if (!manifest) throw new ModaError('BUNDLE_INVALID', `${bundlePath} is empty or not a tar file`);
    const missing = [...expected].filter(([, item]) => !item.seen).map(([name]) => name);
    if (missing.length > 0) throw new ModaError('BUNDLE_INVALID', `the bundle lacks ${missing.length} entries its manifest lists (${missing.slice(0, 3).join(', ')}); nothing was imported`);

    const inBundle = new Set(manifest.blobs.map((blob) => blob.oid));
    const blobAvailable = async (oid: string) => inBundle.has(oid) || (await hub.blobs.stat(oid)) !== undefined;
    const gitDirs: string[] = [];
    for (const [repoIndex, repo] of manifest.repos.entries()) {
      const gitDir = join(staging, `repo-${repoIndex}.git`);
      await verifyRepo(repo, join(staging, `repo-${repoIndex}.bundle`), gitDir, blobAvailable);
      gitDirs.push(gitDir);
      emit({ event: 'verified', repo: repoLabel(repo) });
    }

    // Everything checked: publish. Blobs first (invisible until a repo refers to them), repos last.
    let added = 0;
    for (const blob of manifest.blobs) {
      const stagedPath = expected.get(blob.path)?.stagedPath;
      if (!stagedPath || (await hub.blobs.stat(blob.oid))?.size === blob.size) continue;
      await hub.blobs.write(createReadStream(stagedPath), { oid: blob.oid, size: blob.size }, signal);
      added++;
    }
    for (const [repoIndex, repo] of manifest.repos.entries()) {
      await ensureNamespace(hub, parseRepoId(repo.id).namespace);
      await registerRepo(hub, {
        type: repo.type,
        repoId: repo.id,
        scratchGitDir: gitDirs[repoIndex] as string,
        private: repo.private,
        ...(repo.visibility && { visibility: repo.visibility }),
        defaultBranch: repo.defaultBranch,
        createdAt: repo.createdAt,
      });
      emit({ event: 'imported', repo: repoLabel(repo) });
    }
    emit({ event: 'done', result: { repos: manifest.repos.map((repo) => ({ type: repo.type, id: repo.id, refs: repo.refs.length })), blobs: added } });
  } catch (error) {
    // A truncated or garbled tar surfaces from tar-stream as a plain Error.
    if (isModaError(error) || signal.aborted || (error as NodeJS.ErrnoException).code !== undefined) throw error;
    throw new ModaError('BUNDLE_INVALID', `${bundlePath} is not a readable tar bundle: ${(error as Error).message}`, { cause: error });
  } finally {
    source.destroy();
    extract.destroy();
    await rm(staging, { recursive: true, force: true });
  }
}

/** Imports every repo of the bundle at `bundlePath`, all or nothing. */
export function importBundleIter(hub: HubContext, bundlePath: string, options: ImportOptions = {}): AsyncGenerator<ImportEvent, void, undefined> {
  return progressChannel<ImportEvent>((emit, signal) => runImport(hub, bundlePath, emit, signal), options.signal);
}

export function importBundle(hub: HubContext, bundlePath: string, options: ImportOptions = {}): Promise<ImportResult> {
  return lastOf(importBundleIter(hub, bundlePath, options), (event) => (event.event === 'done' ? event.result : undefined));
}
