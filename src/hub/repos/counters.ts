// Download counters and likes. Likes are rows (one per user and repo) with a cached count on the
// repo so sorting by likes needs no join.
import { sql } from 'kysely';
import { requireUser, type Actor } from '../actor.js';
import type { HubContext } from '../context.js';
import type { RepoRecord } from './repo-record.js';

export async function recordDownload(hub: HubContext, repoId: string): Promise<void> {
  await hub.db.updateTable('repos').set({ downloads: sql`downloads + 1` }).where('id', '=', repoId).execute();
  hub.caches.repos.clear();
}

export async function setLike(hub: HubContext, actor: Actor, repo: RepoRecord, liked: boolean): Promise<number> {
  const user = requireUser(actor);
  await hub.db.transaction().execute(async (trx) => {
    if (liked) {
      await trx
        .insertInto('likes')
        .values({ user, repo_id: repo.id, created_at: new Date().toISOString() })
        .onConflict((conflict) => conflict.columns(['user', 'repo_id']).doNothing())
        .execute();
    } else {
      await trx.deleteFrom('likes').where('user', '=', user).where('repo_id', '=', repo.id).execute();
    }
    const { count } = await trx.selectFrom('likes').select((eb) => eb.fn.countAll<number>().as('count')).where('repo_id', '=', repo.id).executeTakeFirstOrThrow();
    await trx.updateTable('repos').set({ likes: Number(count) }).where('id', '=', repo.id).execute();
  });
  hub.caches.repos.clear();
  const row = await hub.db.selectFrom('repos').select('likes').where('id', '=', repo.id).executeTakeFirstOrThrow();
  return row.likes;
}

export async function listLikes(hub: HubContext, user: string): Promise<{ repoId: string; type: string; createdAt: string; private: number; namespace: string }[]> {
  const rows = await hub.db
    .selectFrom('likes')
    .innerJoin('repos', 'repos.id', 'likes.repo_id')
    .select(['repos.namespace', 'repos.name', 'repos.type', 'repos.private', 'likes.created_at'])
    .where('likes.user', '=', user)
    .orderBy('likes.created_at', 'desc')
    .execute();
  return rows.map((row) => ({ repoId: `${row.namespace}/${row.name}`, type: row.type, createdAt: row.created_at, private: row.private, namespace: row.namespace }));
}
