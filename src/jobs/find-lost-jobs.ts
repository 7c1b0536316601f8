// Cluster recovery of jobs whose BullMQ entry is gone (Redis flushed, or restarted without
// persistence) while the worker running them died too, on any host. BullMQ's stalled-job check
// cannot see them (no entry), and start-up recovery only judges processes of its own host (pids).
// The database row is the truth: a `running` job whose runner's lease (cluster_members) ran out and
// which Redis no longer holds is lost; the caller re-queues it under a condition on that runner,
// so exactly one process does, and re-adds it to BullMQ under its own id, so it is queued once.
import type { Db } from '../db/open-database.js';
import { liveMembers } from '../cluster/member-lease.js';
import type { JobRow } from './job-store.js';

export async function findLostJobs(db: Db, types: readonly string[], hasQueueEntry: (id: string) => Promise<boolean>): Promise<JobRow[]> {
  if (types.length === 0) return [];
  const running = await db.selectFrom('jobs').selectAll().where('state', '=', 'running').where('type', 'in', types).orderBy('id').limit(100).execute();
  if (running.length === 0) return [];
  // Read after the jobs: a runner that claimed one of them had its lease before it claimed.
  const live = await liveMembers(db);
  const lost: JobRow[] = [];
  for (const row of running) {
    if (row.runner !== null && live.has(row.runner)) continue;
    // Still in Redis: BullMQ's own stalled check hands it to a worker, which takes it over.
    if (await hasQueueEntry(row.id)) continue;
    lost.push(row);
  }
  return lost;
}
