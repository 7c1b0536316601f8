// A replica's or worker's lease in the database (cluster mode): a row it renews every third of
// MODA_CLUSTER_LEASE. Other processes, on any host, take a member whose lease ran out for dead: its
// running jobs are re-queued (jobs/reconcile-lost-jobs.ts) and its scratch folders removed
// (sweep-scratch.ts). Process ids say nothing across hosts, and Redis may have lost its state; the
// database is what every member shares. A member that stops cleanly deletes its row.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/open-database.js';

/** `host:pid:random`; `nodeName` (MODA_NODE_NAME) wins over the OS host name. */
export function memberId(nodeName: string): string {
  return `${nodeName || hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export class MemberLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly id: string,
    private readonly role: string,
    private readonly leaseMs: number,
    private readonly logError: (message: string, error: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('cluster_members')
      .values({ id: this.id, role: this.role, started_at: new Date(now).toISOString(), expires_at: new Date(now + this.leaseMs).toISOString() })
      .onConflict((conflict) => conflict.column('id').doUpdateSet({ expires_at: new Date(now + this.leaseMs).toISOString() }))
      .execute();
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** A failed renewal is logged and tried again at the next tick; two more misses and others take over. */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = (async () => {
      try {
        await this.db.updateTable('cluster_members').set({ expires_at: new Date(Date.now() + this.leaseMs).toISOString() }).where('id', '=', this.id).execute();
      } catch (error) {
        this.logError(`could not renew the cluster lease of ${this.id}`, error);
      } finally {
        this.renewing = undefined;
      }
    })();
    await this.renewing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.renewing;
    await this.db.deleteFrom('cluster_members').where('id', '=', this.id).execute().catch(() => undefined);
  }
}

/** Ids of the members whose lease has not run out. */
export async function liveMembers(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('cluster_members').select('id').where('expires_at', '>', new Date().toISOString()).execute();
  return new Set(rows.map((row) => row.id));
}

/** Drops rows of members dead for a while (a crash leaves its row), so the table stays small. */
export async function forgetDeadMembers(db: Db, olderThanMs: number): Promise<void> {
  await db.deleteFrom('cluster_members').where('expires_at', '<', new Date(Date.now() - olderThanMs).toISOString()).execute();
}
