// Read-through mirror (MODA_MIRROR_UPSTREAM): a repo asked for here but missing is imported whole
// from the upstream HF-API hub at the requested revision, under the same id, then served locally —
// and keeps being served when the upstream is gone. It reads the upstream like `moda pull` does
// (hf-upstream.ts) but writes server-side: LFS objects stream into the blob store (which verifies
// their sha256), inline files are checked against their git blob sha1, and the repo is built
// complete in a scratch folder and registered in one step, so no request ever sees half of it.
// Concurrent requests for one repo share one import (single-flight); an upstream "not found" is
// remembered briefly so unknown names do not hammer the upstream.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FetchFunction } from '../client/moda-client.js';
import type { RepoType } from '../db/schema.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { checkRefName, COMMIT_SHA, parseRepoId } from '../hub/paths.js';
import { buildCommit, compareAndSwapRef, type CommitOperation } from '../hub/write-commit.js';
import { ensureNamespace } from './ensure-namespace.js';
import { hfUpstream } from './hf-upstream.js';
import { initBareRepo, registerRepo, scratchDir } from './register-repo.js';
import { fromUpstream, type Upstream, type UpstreamFile, type UpstreamSnapshot } from './upstream.js';

export interface MirrorOptions {
  /** The fetch used to reach the upstream; default the global one. */
  fetch?: FetchFunction;
}

const DEFAULT_BRANCH = 'main';
/** How long an upstream "no such repo" is believed before asking again. */
const MISS_TTL_MS = 30_000;
const MAX_MISSES = 10_000;
const MISS_CODES = new Set(['HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND', 'HUB_ENTRY_NOT_FOUND', 'NOT_FOUND', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN', 'AUTH_INVALID_TOKEN']);

const inFlight = new Map<string, Promise<boolean>>();
const misses = new Map<string, number>();

/**
 * Imports `repoId` from the mirror upstream unless it is here already. Resolves true when the repo
 * is here now (imported by this call, a concurrent one, or another process), false when the mirror
 * is off or the upstream does not have it; throws UPSTREAM_UNAVAILABLE when the upstream fails.
 */
export function mirrorRepo(hub: HubContext, type: RepoType, repoId: string, revision?: string, options: MirrorOptions = {}): Promise<boolean> {
  if (!hub.config.mirrorUpstream) return Promise.resolve(false);
  try {
    parseRepoId(repoId);
  } catch {
    return Promise.resolve(false);
  }
  const key = `${hub.config.home}\0${type}\0${repoId.toLowerCase()}`;
  const running = inFlight.get(key);
  if (running) return running;
  if ((misses.get(key) ?? 0) > Date.now()) return Promise.resolve(false);
  const importing = importRepo(hub, type, repoId, revision, options)
    .then((found) => {
      if (!found) {
        // Bounded: a flood of made-up names must not grow this map without end.
        if (misses.size >= MAX_MISSES) misses.clear();
        misses.set(key, Date.now() + MISS_TTL_MS);
      }
      return found;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, importing);
  return importing;
}

async function isRecorded(hub: HubContext, type: RepoType, repoId: string): Promise<boolean> {
  const row = await hub.db.selectFrom('repos').select('id').where('type', '=', type).where('key', '=', repoId.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

async function importRepo(hub: HubContext, type: RepoType, repoId: string, revision: string | undefined, options: MirrorOptions): Promise<boolean> {
  // Here already (perhaps private to this caller): nothing to import.
  if (await isRecorded(hub, type, repoId)) return true;
  const upstreamUrl = hub.config.mirrorUpstream;
  const label = `mirror upstream ${upstreamUrl}/${type === 'dataset' ? 'datasets/' : ''}${repoId}`;
  // Anonymous on purpose: what is imported is served here to everyone who may read it.
  const upstream = hfUpstream({ label, endpoint: upstreamUrl, repo: repoId, type, revision, fetch: options.fetch });
  let snapshot: UpstreamSnapshot;
  try {
    snapshot = await upstream.snapshot();
  } catch (error) {
    if (isModaError(error) && MISS_CODES.has(error.code)) return false;
    throw error;
  }

  const operations: CommitOperation[] = [];
  for (const file of snapshot.files) operations.push(await fetchFile(hub, upstream, snapshot, file));

  const scratch = await scratchDir(hub, 'mirror');
  try {
    const gitDir = join(scratch, 'repo.git');
    await initBareRepo(gitDir, DEFAULT_BRANCH);
    const commit = await buildCommit(gitDir, {
      parent: undefined,
      operations,
      summary: snapshot.title || `Mirror of ${label}@${snapshot.revision}`,
      description: snapshot.message,
      author: { name: 'moda-mirror', email: 'mirror@users.noreply.moda' },
      date: snapshot.date,
    });
    await compareAndSwapRef(gitDir, `refs/heads/${DEFAULT_BRANCH}`, commit, undefined);
    // A request for another named revision finds it under that name too.
    if (revision !== undefined && revision !== DEFAULT_BRANCH && !COMMIT_SHA.test(revision) && !revision.startsWith('refs/') && isRefName(revision)) {
      await compareAndSwapRef(gitDir, `refs/heads/${revision}`, commit, undefined);
    }
    await ensureNamespace(hub, parseRepoId(repoId).namespace);
    await registerRepo(hub, { type, repoId, scratchGitDir: gitDir, private: snapshot.restricted, defaultBranch: DEFAULT_BRANCH });
  } catch (error) {
    if (isModaError(error) && error.code === 'HUB_REPO_EXISTS') return true;
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return true;
}

function isRefName(name: string): boolean {
  try {
    checkRefName(name);
    return true;
  } catch {
    return false;
  }
}

/** One file into a commit operation: LFS objects into the blob store, small files into memory. */
async function fetchFile(hub: HubContext, upstream: Upstream, snapshot: UpstreamSnapshot, file: UpstreamFile): Promise<CommitOperation> {
  const asLfs = file.sha256 !== undefined && (file.lfs ?? file.size >= hub.config.lfsThresholdBytes);
  if (asLfs) {
    const oid = file.sha256 as string;
    const stored = await hub.blobs.stat(oid);
    if (!stored || stored.size !== file.size) {
      await fromUpstream(snapshot.label, async () => {
        const response = await upstream.fetchFile(snapshot, file.path, undefined, AbortSignal.timeout(60 * 60 * 1000));
        if (!response.body) throw new ModaError('UPSTREAM_INVALID_RESPONSE', `${file.path}: empty answer`);
        // The store hashes while writing and keeps nothing unless sha256 and size match.
        await hub.blobs.write(response.body, { oid, size: file.size }).catch((error: unknown) => {
          if (isModaError(error) && error.code === 'LFS_OBJECT_MISMATCH') throw new ModaError('DOWNLOAD_DIGEST_MISMATCH', `${file.path}: ${error.message}`, { cause: error });
          throw error;
        });
      });
    }
    return { kind: 'lfsFile', path: file.path, oid, size: file.size };
  }
  const content = await fromUpstream(snapshot.label, async () => {
    const response = await upstream.fetchFile(snapshot, file.path, undefined, AbortSignal.timeout(10 * 60 * 1000));
    return Buffer.from(await response.arrayBuffer());
  });
  const actual = file.sha256 !== undefined ? createHash('sha256').update(content).digest('hex') : createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
  if (content.byteLength !== file.size || actual !== (file.sha256 ?? file.gitSha1)) {
    throw new ModaError('DOWNLOAD_DIGEST_MISMATCH', `${snapshot.label}/${file.path}: got ${content.byteLength} bytes with digest ${actual}, expected ${file.size} bytes with ${file.sha256 ?? file.gitSha1}`);
  }
  return { kind: 'file', path: file.path, content };
}
