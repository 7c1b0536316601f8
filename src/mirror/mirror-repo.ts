// Read-through mirror (MODA_MIRROR_UPSTREAM): a repo asked for here but missing is imported from the
// upstream HF-API hub under the same id, then served locally — and keeps being served when the
// upstream is gone. It reads the upstream like `moda pull` does (hf-upstream.ts) but writes
// server-side: LFS objects stream into the blob store (which verifies their sha256), inline files
// are checked against their git blob sha1, and the repo is built complete in a scratch folder and
// registered in one step, so no request ever sees half of it.
//
// Revisions: an import takes the upstream's default branch as `main`, plus the revision the first
// request named (as the branch or tag it is upstream). A later request for a revision a mirrored
// repo lacks imports that revision into it. Each imported snapshot is one commit (its upstream head
// commit's message and date); `refs/mirror/<upstream sha>` records which local commit holds an
// upstream commit, so a client pinned to an upstream sha is served too (src/hub/refs.ts).
// Concurrent requests share one import (single-flight); an upstream "not found" is remembered
// briefly so unknown names do not hammer the upstream.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ModaClient, type FetchFunction } from '../client/moda-client.js';
import type { RepoType } from '../db/schema.js';
import { isModaError, ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import { git } from '../hub/git.js';
import { checkRefName, COMMIT_SHA, parseRepoId } from '../hub/paths.js';
import { MIRRORED_COMMIT_REFS, readRef } from '../hub/refs.js';
import type { RepoRecord } from '../hub/repos/repo-record.js';
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
/** Git config of a mirrored repo: the upstream it came from, so later revisions come from there too. */
const UPSTREAM_CONFIG_KEY = 'moda.mirrorUpstream';
/** How long an upstream "no such repo" is believed before asking again. */
const MISS_TTL_MS = 30_000;
const MAX_MISSES = 10_000;
const MISS_CODES = new Set(['HUB_REPO_NOT_FOUND', 'HUB_REVISION_NOT_FOUND', 'HUB_ENTRY_NOT_FOUND', 'NOT_FOUND', 'AUTH_REQUIRED', 'AUTH_FORBIDDEN', 'AUTH_INVALID_TOKEN', 'REVISION_INVALID']);

const inFlight = new Map<string, Promise<boolean>>();
const misses = new Map<string, number>();

/** Runs `work` once per key at a time, and remembers a false answer for MISS_TTL_MS. */
function singleFlight(key: string, work: () => Promise<boolean>): Promise<boolean> {
  const running = inFlight.get(key);
  if (running) return running;
  if ((misses.get(key) ?? 0) > Date.now()) return Promise.resolve(false);
  const importing = work()
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
  return singleFlight(key, () => importRepo(hub, type, repoId, revision, options));
}

/**
 * Imports `revision` into a repo this mirror imported earlier. Resolves true when the revision is
 * here now, false when the repo is not a mirror, the mirror is off, or the upstream lacks it.
 */
export function mirrorRevision(hub: HubContext, repo: RepoRecord, revision: string, options: MirrorOptions = {}): Promise<boolean> {
  if (!hub.config.mirrorUpstream || !isImportable(revision)) return Promise.resolve(false);
  const key = `${hub.config.home}\0${repo.type}\0${repo.fullName.toLowerCase()}\0${revision}`;
  return singleFlight(key, async () => {
    const upstreamUrl = await recordedUpstream(repo.gitDir);
    if (!upstreamUrl) return false;
    const source = upstreamOf(upstreamUrl, repo.type, repo.fullName, revision, options);
    const snapshot = await snapshotOrMiss(source);
    if (!snapshot) return false;
    const commit = (await mirroredCommit(repo.gitDir, snapshot)) ?? (await commitSnapshot(hub, repo.gitDir, source, snapshot));
    await placeRevision(repo.gitDir, revision, commit, snapshot, await revisionKind(upstreamUrl, repo.type, repo.fullName, revision, options));
    return true;
  });
}

async function isRecorded(hub: HubContext, type: RepoType, repoId: string): Promise<boolean> {
  const row = await hub.db.selectFrom('repos').select('id').where('type', '=', type).where('key', '=', repoId.toLowerCase()).executeTakeFirst();
  return row !== undefined;
}

function upstreamOf(upstreamUrl: string, type: RepoType, repoId: string, revision: string | undefined, options: MirrorOptions): Upstream {
  const label = `mirror upstream ${upstreamUrl}/${type === 'dataset' ? 'datasets/' : ''}${repoId}${revision === undefined ? '' : `@${revision}`}`;
  // Anonymous on purpose: what is imported is served here to everyone who may read it.
  return hfUpstream({ label, endpoint: upstreamUrl, repo: repoId, type, revision, fetch: options.fetch });
}

/** The upstream's snapshot, or undefined when it does not have (or will not show) the repo or revision. */
async function snapshotOrMiss(upstream: Upstream): Promise<UpstreamSnapshot | undefined> {
  try {
    return await upstream.snapshot();
  } catch (error) {
    if (isModaError(error) && MISS_CODES.has(error.code)) return undefined;
    throw error;
  }
}

async function importRepo(hub: HubContext, type: RepoType, repoId: string, revision: string | undefined, options: MirrorOptions): Promise<boolean> {
  // Here already (perhaps private to this caller): nothing to import.
  if (await isRecorded(hub, type, repoId)) return true;
  const upstreamUrl = hub.config.mirrorUpstream;
  const defaultSource = upstreamOf(upstreamUrl, type, repoId, undefined, options);
  const head = await snapshotOrMiss(defaultSource);
  if (!head) return false;
  // The revision the request named, unless that is the default branch: a missing one still
  // imports the repo (the request then gets "revision not found", as it would upstream).
  const named = revision !== undefined && revision !== DEFAULT_BRANCH && revision !== 'master' && revision !== 'HEAD' && isImportable(revision) ? revision : undefined;
  const namedSource = named === undefined ? undefined : upstreamOf(upstreamUrl, type, repoId, named, options);
  const namedSnapshot = namedSource && (await snapshotOrMiss(namedSource));

  const scratch = await scratchDir(hub, 'mirror');
  try {
    const gitDir = join(scratch, 'repo.git');
    await initBareRepo(gitDir, DEFAULT_BRANCH);
    await git(gitDir, ['config', UPSTREAM_CONFIG_KEY, upstreamUrl]);
    const headCommit = await commitSnapshot(hub, gitDir, defaultSource, head);
    await compareAndSwapRef(gitDir, `refs/heads/${DEFAULT_BRANCH}`, headCommit, undefined);
    await recordUpstreamCommit(gitDir, head, headCommit);
    if (named !== undefined && namedSource && namedSnapshot) {
      const commit = namedSnapshot.commit === head.commit ? headCommit : await commitSnapshot(hub, gitDir, namedSource, namedSnapshot);
      await placeRevision(gitDir, named, commit, namedSnapshot, await revisionKind(upstreamUrl, type, repoId, named, options));
    }
    await ensureNamespace(hub, parseRepoId(repoId).namespace);
    await registerRepo(hub, { type, repoId, scratchGitDir: gitDir, private: head.restricted, defaultBranch: DEFAULT_BRANCH });
  } catch (error) {
    if (isModaError(error) && error.code === 'HUB_REPO_EXISTS') return true;
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return true;
}

/** Fetches every file of the snapshot and writes them as one root commit; returns its sha. */
async function commitSnapshot(hub: HubContext, gitDir: string, upstream: Upstream, snapshot: UpstreamSnapshot): Promise<string> {
  const operations: CommitOperation[] = [];
  for (const file of snapshot.files) operations.push(await fetchFile(hub, upstream, snapshot, file));
  return buildCommit(gitDir, {
    parent: undefined,
    operations,
    summary: snapshot.title || `Mirror of ${snapshot.label}`,
    description: snapshot.message,
    author: { name: 'moda-mirror', email: 'mirror@users.noreply.moda' },
    date: snapshot.date,
  });
}

/** The local commit that already holds this upstream commit, if an earlier import brought it. */
async function mirroredCommit(gitDir: string, snapshot: UpstreamSnapshot): Promise<string | undefined> {
  return snapshot.commit === undefined ? undefined : readRef(gitDir, `${MIRRORED_COMMIT_REFS}${snapshot.commit}`);
}

async function recordUpstreamCommit(gitDir: string, snapshot: UpstreamSnapshot, commit: string): Promise<void> {
  if (snapshot.commit !== undefined) await compareAndSwapRef(gitDir, `${MIRRORED_COMMIT_REFS}${snapshot.commit}`, commit, undefined);
}

type RevisionKind = 'branch' | 'tag' | 'commit' | 'ref';

/** What `revision` names upstream: a commit sha, a full ref, or a tag or branch (asked of its refs). */
async function revisionKind(upstreamUrl: string, type: RepoType, repoId: string, revision: string, options: MirrorOptions): Promise<RevisionKind> {
  if (COMMIT_SHA.test(revision)) return 'commit';
  if (revision.startsWith('refs/')) return 'ref';
  const client = new ModaClient({ endpoint: upstreamUrl, fetch: options.fetch });
  const refs = await client.listRefs(repoId, { type }).catch(() => undefined);
  return refs?.tags.some((tag) => tag.name === revision) ? 'tag' : 'branch';
}

/** Points the revision's name here at `commit`; an existing name (a concurrent import) is left alone. */
async function placeRevision(gitDir: string, revision: string, commit: string, snapshot: UpstreamSnapshot, kind: RevisionKind): Promise<void> {
  await recordUpstreamCommit(gitDir, snapshot, commit);
  if (kind === 'branch') await compareAndSwapRef(gitDir, `refs/heads/${revision}`, commit, undefined);
  else if (kind === 'tag') await compareAndSwapRef(gitDir, `refs/tags/${revision}`, commit, undefined);
  else if (kind === 'ref') await compareAndSwapRef(gitDir, revision, commit, undefined);
}

async function recordedUpstream(gitDir: string): Promise<string | undefined> {
  const { code, stdout } = await git(gitDir, ['config', '--get', UPSTREAM_CONFIG_KEY], { okCodes: [1] });
  return code === 0 ? stdout.toString().trim() || undefined : undefined;
}

/** A revision worth asking the upstream for: a commit sha or a valid ref name. */
function isImportable(revision: string): boolean {
  return COMMIT_SHA.test(revision) || isRefName(revision);
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
