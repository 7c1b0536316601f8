// Repos per namespace (MODA_QUOTA_REPOS): a user or organization at its quota may create no more,
// whichever protocol asks (Hugging Face, ModelScope, the web UI). Site admins are held to it too;
// they raise the setting instead.
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../context.js';

export async function checkRepoQuota(hub: HubContext, namespace: string): Promise<void> {
  const quota = hub.config.quotaRepos;
  if (quota <= 0) return;
  const row = await hub.db.selectFrom('repos').select((eb) => eb.fn.countAll().as('count')).where('namespace', '=', namespace).executeTakeFirst();
  const count = Number(row?.count ?? 0);
  if (count >= quota) {
    throw new ModaError('QUOTA_REPOS_EXCEEDED', `"${namespace}" already owns ${count} repositories, the most MODA_QUOTA_REPOS allows (${quota}); delete one first`, {
      details: { namespace, quota, used: count },
    });
  }
}
