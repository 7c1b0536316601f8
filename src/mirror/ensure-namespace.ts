// Imports keep the upstream's repo id, so its namespace must exist here: a missing one is created
// as an organization administered by `admin` (who runs imports and mirrors on this server).
import type { Actor } from '../hub/actor.js';
import type { HubContext } from '../hub/context.js';
import { createOrganization } from '../hub/accounts/users.js';
import { isModaError } from '../errors/moda-error.js';

/** The identity server-side imports act as: the site admin with an admin-scoped token. */
export const importActor: Actor = { user: 'admin', tokenRole: 'admin', tokenId: null, isAdmin: true, orgs: new Map() };

export async function ensureNamespace(hub: HubContext, namespace: string): Promise<void> {
  const exists = async () => (await hub.db.selectFrom('users').select('name').where('name', '=', namespace).executeTakeFirst()) !== undefined;
  if (await exists()) return;
  try {
    await createOrganization(hub, importActor, { name: namespace });
  } catch (error) {
    // A concurrent import created it first.
    if (!(isModaError(error) && error.code === 'HUB_NAME_TAKEN' && (await exists()))) throw error;
  }
}
