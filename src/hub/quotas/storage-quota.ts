// LFS storage per namespace (MODA_QUOTA_STORAGE). Each distinct object a namespace's repos take in
// (LFS batch upload, ModelScope batch upload, an API commit) is charged to it once, when the
// upload is granted, so a refusal comes before any byte is sent. Usage only grows: deleting files
// or repos does not give bytes back until storage is reclaimed, as on the Hugging Face Hub, where
// history counts too. Objects are recorded even without a quota, so setting one later is accurate
// for everything uploaded since this table exists.
import { ModaError } from '../../errors/moda-error.js';
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
 */
export async function chargeStorage(hub: HubContext, namespace: string, objects: ChargedObject[], options: { allOrNothing?: boolean } = {}): Promise<Set<string>> {
  const refused = new Set<string>();
  const unique = [...new Map(objects.map((object) => [object.oid, object])).values()];
  if (unique.length === 0) return refused;
  const held = new Set(
    (await hub.db.selectFrom('namespace_storage').select('oid').where('namespace', '=', namespace).where('oid', 'in', unique.map((object) => object.oid)).execute()).map((row) => row.oid),
  );
  const quota = hub.config.quotaStorageBytes;
  let used = quota > 0 ? await namespaceStorageUsed(hub, namespace) : 0;
  const accepted: ChargedObject[] = [];
  for (const object of unique) {
    if (held.has(object.oid)) continue;
    if (quota > 0 && used + object.size > quota) {
      refused.add(object.oid);
      continue;
    }
    used += object.size;
    accepted.push(object);
  }
  if (options.allOrNothing && refused.size > 0) return refused;
  const now = new Date().toISOString();
  for (const object of accepted) {
    await hub.db
      .insertInto('namespace_storage')
      .values({ namespace, oid: object.oid, size: object.size, created_at: now })
      .onConflict((conflict) => conflict.columns(['namespace', 'oid']).doNothing())
      .execute();
  }
  return refused;
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
