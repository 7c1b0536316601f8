// The index of which LFS objects each repo references: a row (repo, oid) for every pointer in the
// repo's branches and tags (any commit) and for every object uploaded to it. Maintained where
// content enters a repo (API commits, pushes, LFS uploads, imports and mirrors); rows go with the
// repo (foreign key, on delete cascade). A table, not a git walk per request: "does any repo this
// caller can read hold oid X" would otherwise mean walking every repo's history.
import { gitDirOf, type HubContext } from './context.js';
import { listLfsObjects } from './lfs-list-objects.js';

/** Rows per insert statement (SQLite allows 32,766 bound parameters; two per row). */
const INSERT_CHUNK = 500;

/** Records that `repoId` references each of `oids` (idempotent). */
export async function recordLfsObjects(hub: HubContext, repoId: string, oids: Iterable<string>): Promise<void> {
  const unique = [...new Set(oids)];
  for (let start = 0; start < unique.length; start += INSERT_CHUNK) {
    const rows = unique.slice(start, start + INSERT_CHUNK).map((oid) => ({ repo_id: repoId, oid }));
    await hub.db
      .insertInto('lfs_repo_objects')
      .values(rows)
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }
}

/** Scans a repo's whole history (branches and tags) into the index and marks it scanned. */
export async function indexRepoLfsObjects(hub: HubContext, repoId: string, gitDir: string): Promise<void> {
  const pointers = await listLfsObjects(gitDir);
  await recordLfsObjects(hub, repoId, pointers.map((pointer) => pointer.oid));
  await hub.db
    .insertInto('lfs_indexed_repos')
    .values({ repo_id: repoId })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

const backfills = new WeakMap<HubContext, Promise<void>>();

/**
 * Once per process: scans every repo not yet marked (those that existed before the index did).
 * Repos created later are indexed as their content arrives, so one pass is enough; a scan of a
 * repo that is already complete only repeats idempotent inserts.
 */
export function ensureLfsIndex(hub: HubContext): Promise<void> {
  let pending = backfills.get(hub);
  if (!pending) {
    pending = backfill(hub).catch((error: unknown) => {
      backfills.delete(hub);
      throw error;
    });
    backfills.set(hub, pending);
  }
  return pending;
}

async function backfill(hub: HubContext): Promise<void> {
  const rows = await hub.db
    .selectFrom('repos')
    .leftJoin('lfs_indexed_repos', 'lfs_indexed_repos.repo_id', 'repos.id')
    .where('lfs_indexed_repos.repo_id', 'is', null)
    .select(['repos.id', 'repos.type', 'repos.namespace', 'repos.name'])
    .execute();
  for (const row of rows) {
    // A repo whose folder is gone (deleted meanwhile) has nothing to index.
    await indexRepoLfsObjects(hub, row.id, gitDirOf(hub, row.type, row.namespace, row.name)).catch(() => undefined);
  }
}

/** Whether `repoId` references `oid`. */
export async function repoHasLfsObject(hub: HubContext, repoId: string, oid: string): Promise<boolean> {
  await ensureLfsIndex(hub);
  const row = await hub.db.selectFrom('lfs_repo_objects').select('oid').where('repo_id', '=', repoId).where('oid', '=', oid).executeTakeFirst();
  return row !== undefined;
}
