// LFS storage per namespace (MODA_QUOTA_STORAGE). Each distinct object a namespace's repos take in
// (LFS batch upload, ModelScope batch upload, an API commit) is charged to it once, when the
// upload is granted, so a refusal comes before any byte is sent. Usage only grows: deleting files
// or repos does not give bytes back until storage is reclaimed, as on the Hugging Face Hub, where
// history counts too. Objects are recorded even without a quota, so setting one later is accurate
// for everything uploaded since this table exists.
import { sql } from 'kysely';
import { isPostgresUrl } from '../../db/open-database.js';
import { ModaError } from '../../errors/moda-error.js';
import { advisoryLockId } from '../pg-advisory-locks.js';
import type { HubContext } from '../context.js';

export interface ChargedObject {
  oid: string;
  size: number;
}

export async function namespaceStorageUsed(hub: HubContext, namespace: string): Promise<number> {
  const row = await hub.db.selectFrom('namespace_storage').select((eb) => eb.fn.sum<number | string>('size').as('used')).where('namespace', '=', namespace).executeTakeFirst();
  return Number(row?.used ?? 0);
}

/**
 * Charges `objects` to the namespace and returns the oids that would take it past its quota,
 * which are not charged. Objects the namespace already holds cost nothing. With `allOrNothing`
 * nothing is charged when anything is refused.
 *
 * Check and charge are one step: each object is inserted by a conditional INSERT whose WHERE sums
 * the namespace's usage, inside one transaction that on PostgreSQL first takes a transaction-scoped
 * advisory lock on the namespace (READ COMMITTED would let two inserts see the same old sum).
 * SQLite runs writers one at a time, and Kysely gives its one connection to one transaction at a
 * time. Before, the sum was read, then the rows written later: two uploads could both pass.
 */
export async function chargeStorage(hub: HubContext, namespace: string, objects: ChargedObject[], options: { allOrNothing?: boolean } = {}): Promise<Set<string>> {
  const unique = [...new Map(objects.map((object) => [object.oid, object])).values()];
  if (unique.length === 0) return new Set();
  const quota = hub.config.quotaStorageBytes;
  const now = new Date().toISOString();
  const postgres = isPostgresUrl(hub.config.databaseUrl);
  try {
    return await hub.db.transaction().execute(async (trx) => {
      if (postgres && quota > 0) await sql`select pg_advisory_xact_lock(${advisoryLockId(`quota:${namespace}`)}::bigint)`.execute(trx);
      const refused = new Set<string>();
      for (const object of unique) {
        const withinQuota = quota > 0 ? sql`and (select coalesce(sum(size), 0) from namespace_storage where namespace = ${namespace}) + cast(${object.size} as bigint) <= cast(${quota} as bigint)` : sql``;
        const inserted = await sql`insert into namespace_storage (namespace, oid, size, created_at)
          select cast(${namespace} as text), cast(${object.oid} as text), cast(${object.size} as bigint), cast(${now} as text)
          where not exists (select 1 from namespace_storage where namespace = ${namespace} and oid = ${object.oid}) ${withinQuota}`.execute(trx);
        if (Number(inserted.numAffectedRows ?? 0) === 1) continue;
        const held = await trx.selectFrom('namespace_storage').select('oid').where('namespace', '=', namespace).where('oid', '=', object.oid).executeTakeFirst();
        if (!held) refused.add(object.oid);
      }
      // Thrown to roll back what this call charged; caught below.
      if (options.allOrNothing && refused.size > 0) throw new RefusedCharge(refused);
      return refused;
    });
  } catch (error) {
    if (error instanceof RefusedCharge) return error.refused;
    throw error;
  }
}

class RefusedCharge extends Error {
  constructor(readonly refused: Set<string>) {
    super('storage quota: charge refused');
  }
}

/** The message and error for objects refused by chargeStorage. */
export function storageQuotaError(hub: HubContext, namespace: string, oids: Iterable<string>): ModaError {
  const list = [...oids];
  return new ModaError('QUOTA_STORAGE_EXCEEDED', `"${namespace}" would pass its storage quota of ${hub.config.quotaStorageBytes} bytes (MODA_QUOTA_STORAGE) with ${list.length} more object(s)`, {
    details: { namespace, quota: hub.config.quotaStorageBytes, oids: list.slice(0, 10) },
  });
}

/** Charges all of `objects` or refuses the whole request (commits, which are all or nothing). */
export async function requireStorage(hub: HubContext, namespace: string, objects: ChargedObject[]): Promise<void> {
  const refused = await chargeStorage(hub, namespace, objects, { allOrNothing: true });
  if (refused.size > 0) throw storageQuotaError(hub, namespace, refused);
}

/** Refuses before anything is sent when the namespace is already full (preupload names no oids, so a full namespace takes no uploads at all). */
export async function requireStorageLeft(hub: HubContext, namespace: string): Promise<void> {
  const quota = hub.config.quotaStorageBytes;
  if (quota > 0 && (await namespaceStorageUsed(hub, namespace)) >= quota) throw storageQuotaError(hub, namespace, []);
}
