// A repo as the services see it: its database row plus where its git directory lives, found with
// the caller's access checked. A private (or, for anonymous callers, internal) repo the caller cannot
// read is reported as not found.
import type { Selectable } from 'kysely';
import { ModaError } from '../../errors/moda-error.js';
import type { ReposTable, RepoType, RepoVisibility } from '../../db/schema.js';
import { canAdminNamespace, canReadNamespace, canWriteNamespace, isScoped, scopeKey, withinScope, type Actor } from '../actor.js';
import { gitDirOf, type HubContext } from '../context.js';

export type RepoRow = Selectable<ReposTable>;

export interface RepoRecord {
  row: RepoRow;
  id: string;
  type: RepoType;
  /** `namespace/name` as created. */
  fullName: string;
  gitDir: string;
}

export type Access = 'read' | 'write' | 'admin';

/**
 * `private` decides public or not; only an explicit "internal" widens a non-public repo, so rows
 * written by code that knows only `private` stay closed.
 */
export function visibilityOf(row: Pick<RepoRow, 'private' | 'visibility'>): RepoVisibility {
  if (row.private === 0) return 'public';
  return row.visibility === 'internal' ? 'internal' : 'private';
}

/** The `private` column of a visibility: 1 for anything that is not public. */
export function privateFlag(visibility: RepoVisibility): number {
  return visibility === 'public' ? 0 : 1;
}

/** Public repos: anyone; internal: any signed-in user; private: the namespace's members and admins. */
export function canRead(actor: Actor, row: Pick<RepoRow, 'private' | 'visibility' | 'namespace'>): boolean {
  const visibility = visibilityOf(row);
  if (visibility === 'public') return true;
  if (visibility === 'internal' && actor.user !== null && !isScoped(actor)) return true;
  return canReadNamespace(actor, row.namespace);
}

export function toRecord(hub: HubContext, row: RepoRow): RepoRecord {
  return { row, id: row.id, type: row.type, fullName: `${row.namespace}/${row.name}`, gitDir: gitDirOf(hub, row.type, row.namespace, row.name) };
}

export async function findRepo(hub: HubContext, actor: Actor, type: RepoType, repoId: string, access: Access = 'read'): Promise<RepoRecord> {
  const row = await findRow(hub, type, repoId.toLowerCase());
  // A fine-grained token has its user's rights (capped by its role) in the repos it names only.
  if (row && isScoped(actor)) {
    if (actor.repoScope?.has(scopeKey(type, row.key))) actor = withinScope(actor);
    else if (access !== 'read' && canRead(actor, row)) throw new ModaError('AUTH_TOKEN_SCOPE', `this token is limited to other repositories than ${repoId}`);
  }
  if (!row || !canRead(actor, row)) {
    throw new ModaError('HUB_REPO_NOT_FOUND', `${type === 'model' ? 'Repository' : 'Dataset'} ${repoId} not found`);
  }
  if (access !== 'read') {
    const allowed = access === 'write' ? canWriteNamespace(actor, row.namespace) : canAdminNamespace(actor, row.namespace);
    if (!allowed) {
      if (actor.user === null) throw new ModaError('AUTH_REQUIRED', `writing to ${repoId} needs a token`);
      throw new ModaError('AUTH_FORBIDDEN', `you may not ${access === 'write' ? 'write to' : 'administer'} ${repoId}`);
    }
  }
  return toRecord(hub, row);
}

async function findRow(hub: HubContext, type: RepoType, key: string): Promise<RepoRow | undefined> {
  const cacheKey = `${type}\0${key}`;
  const cached = hub.caches.repos.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  const row = await hub.db.selectFrom('repos').selectAll().where('type', '=', type).where('key', '=', key).executeTakeFirst();
  hub.caches.repos.set(cacheKey, row ?? null);
  return row;
}
