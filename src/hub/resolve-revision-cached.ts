// Revision lookup for read-only routes: served from the 1 s head cache of the hub context, so a
// burst of info or download requests reads the ref once. Writers use resolveRevision directly.
import type { HubContext } from './context.js';
import { resolveRevision, type ResolvedRevision } from './refs.js';

export async function resolveRevisionCached(hub: HubContext, gitDir: string, revision: string): Promise<ResolvedRevision> {
  const key = `${gitDir}\0${revision}`;
  const cached = hub.caches.heads.get(key);
  if (cached) return cached;
  const resolved = await resolveRevision(gitDir, revision);
  hub.caches.heads.set(key, resolved);
  return resolved;
}
