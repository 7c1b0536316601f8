// Who may learn of an LFS object. The blob store is shared by every repo, so a sha256 alone must
// open nothing: an object is served, linked, said to exist or named in a new commit only through a
// repo that references it (lfs-object-index.ts) and that the caller can read. Everything else is
// answered exactly as if the object were not stored, so the answers reveal nothing either.
import { ModaError } from '../errors/moda-error.js';
import type { BlobStat } from '../storage/blob-store.js';
import type { Actor } from './actor.js';
import type { HubContext } from './context.js';
import { ensureLfsIndex, repoHasLfsObject } from './lfs-object-index.js';
import { canRead } from './repos/repo-record.js';

/** Repos checked per question; public ones first, so a popular object answers from the first rows. */
const REPOS_CHECKED = 200;

/** The stored object, when `repoId` references it with this size (or any size when size is undefined). */
export async function repoLfsObject(hub: HubContext, repoId: string, oid: string, size?: number): Promise<BlobStat | undefined> {
  if (!(await repoHasLfsObject(hub, repoId, oid))) return undefined;
  const stored = await hub.blobs.stat(oid);
  if (!stored || (size !== undefined && stored.size !== size)) return undefined;
  return stored;
}

/** Whether some repo that `actor` can read references `oid`. */
export async function actorMayKnowLfsObject(hub: HubContext, actor: Actor, oid: string): Promise<boolean> {
  await ensureLfsIndex(hub);
  const rows = await hub.db
    .selectFrom('lfs_repo_objects')
    .innerJoin('repos', 'repos.id', 'lfs_repo_objects.repo_id')
    .where('lfs_repo_objects.oid', '=', oid)
    .select(['repos.private', 'repos.visibility', 'repos.namespace'])
    .orderBy('repos.private')
    .limit(REPOS_CHECKED)
    .execute();
  return rows.some((row) => canRead(actor, row));
}

/** The stored object when `actor` may know of it (see actorMayKnowLfsObject) and its size matches. */
export async function knownLfsObject(hub: HubContext, actor: Actor, oid: string, size: number): Promise<BlobStat | undefined> {
  const stored = await hub.blobs.stat(oid);
  if (!stored || stored.size !== size) return undefined;
  return (await actorMayKnowLfsObject(hub, actor, oid)) ? stored : undefined;
}

/** The size of a stored object that `repoId` references or `actor` may know of otherwise. */
export async function visibleLfsObjectSize(hub: HubContext, actor: Actor, repoId: string, oid: string): Promise<number | undefined> {
  const stored = await hub.blobs.stat(oid);
  if (!stored) return undefined;
  return (await repoHasLfsObject(hub, repoId, oid)) || (await actorMayKnowLfsObject(hub, actor, oid)) ? stored.size : undefined;
}

/**
 * A new commit to `repoId` may point at an object only if that repo already references it (which
 * includes an upload to it) or another repo the committer can read does (they could download and
 * upload it again; refusing would only cost `moda pull` its skip-what-is-stored). The refusal is
 * the same whether the object is absent or only unknown to the caller.
 */
export async function checkCommittableLfsObject(hub: HubContext, actor: Actor, repoId: string, object: { oid: string; size: number; path: string }): Promise<void> {
  const stored = (await repoLfsObject(hub, repoId, object.oid, object.size)) ?? (await knownLfsObject(hub, actor, object.oid, object.size));
  if (!stored) throw new ModaError('LFS_OBJECT_MISSING', `LFS object ${object.oid} (${object.size} bytes) for ${object.path} has not been uploaded`);
}
