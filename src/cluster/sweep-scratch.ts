// Cleans the shared folders of a cluster, which start-up recovery may not touch there (another
// replica may be writing them): `.scratch` (repos being created or imported), `.trash` (repos being
// deleted) under MODA_GIT_ROOT, and the fs blob store's temp uploads under MODA_HOME. A folder whose
// name carries its owner (`<member id>~…`, context.ts scratchName) goes once that owner's lease ran
// out, after a grace of one lease; one without an owner (written before owners were named) and a
// temp blob go once untouched for MODA_SCRATCH_MAX_AGE — a temp blob is written to while its upload
// streams, so its mtime stays fresh while the upload lives, on whichever replica it runs.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { reposRoot, type HubContext } from '../hub/context.js';

export interface SweepReport {
  /** Paths removed. */
  removed: string[];
}

export interface SweepOptions {
  /** Member ids whose lease is current (cluster_members). */
  live: ReadonlySet<string>;
  now?: number;
}

export async function sweepScratch(hub: HubContext, options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now();
  const report: SweepReport = { removed: [] };
  const grace = hub.config.clusterLeaseMs;
  const maxAge = hub.config.scratchMaxAgeMs;
  for (const folder of [join(reposRoot(hub), '.scratch'), join(reposRoot(hub), '.trash')]) {
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const path = join(folder, name);
      const age = now - (await modifiedAt(path, now));
      const cut = name.indexOf('~');
      const owner = cut > 0 ? name.slice(0, cut) : undefined;
      if (owner === hub.memberId || (owner !== undefined && options.live.has(owner))) continue;
      if (owner !== undefined ? age < grace : age < maxAge) continue;
      await rm(path, { recursive: true, force: true });
      report.removed.push(path);
    }
  }
  if (!hub.config.blobStore) {
    const temp = join(hub.config.home, 'blobs', 'tmp');
    for (const name of await readdir(temp).catch(() => [] as string[])) {
      const path = join(temp, name);
      if (now - (await modifiedAt(path, now)) < maxAge) continue;
      await rm(path, { force: true });
      report.removed.push(path);
    }
  }
  return report;
}

/** mtime in ms; `fallback` when the entry vanished meanwhile (its owner finished with it). */
async function modifiedAt(path: string, fallback: number): Promise<number> {
  return stat(path).then(
    (info) => info.mtimeMs,
    () => fallback,
  );
}
