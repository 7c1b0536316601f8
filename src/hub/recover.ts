// Start-up recovery after a crash: drops leftovers of interrupted writes (temp blobs, scratch
// repos, stale ref locks, half-written packs, scratch refs) and re-indexes repos whose default
// branch moved after their last index write. Acknowledged commits are never touched.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubContext } from './context.js';
import { reposRoot } from './context.js';
import { git } from './git.js';
import { readRef } from './refs.js';
import { reindexRepo } from './repos/reindex-repo.js';
import { toRecord } from './repos/repo-record.js';

const RECOVERY_CONCURRENCY = 16;

export interface RecoveryReport {
  reindexed: number;
  removedLocks: number;
}

/**
 * @param exclusive true when no other live server shares this MODA_HOME: then every leftover is
 *   garbage. Otherwise leftovers may belong to a running writer, and only repos are re-indexed.
 */
export async function recoverHub(hub: HubContext, exclusive: boolean): Promise<RecoveryReport> {
  const report: RecoveryReport = { reindexed: 0, removedLocks: 0 };
  if (exclusive) {
    await hub.blobs.cleanup();
    await rm(join(reposRoot(hub), '.scratch'), { recursive: true, force: true });
    await rm(join(reposRoot(hub), '.trash'), { recursive: true, force: true });
    await removeSnapshotScratch(join(hub.config.home, 'snapshots'));
  }
  const rows = await hub.db.selectFrom('repos').selectAll().execute();
  // Repos are independent; checking them a few at a time keeps start-up over 100,000 repos short
  // (7 s one by one in bench/RESULTS.md) without flooding the disk or spawning too many git processes.
  for (let start = 0; start < rows.length; start += RECOVERY_CONCURRENCY) {
    await Promise.all(
      rows.slice(start, start + RECOVERY_CONCURRENCY).map(async (row) => {
        const repo = toRecord(hub, row);
        if (!(await exists(repo.gitDir))) return;
        if (exclusive) report.removedLocks += await removeLeftovers(repo.gitDir);
        const head = await readRef(repo.gitDir, `refs/heads/${row.default_branch}`);
        if (head && head !== row.sha) {
          await reindexRepo(hub, repo);
          report.reindexed++;
        }
      }),
    );
  }
  return report;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function removeLeftovers(gitDir: string): Promise<number> {
  let removed = 0;
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.lock')) {
        await rm(path, { force: true });
        removed++;
      }
    }
  };
  await walk(join(gitDir, 'refs'));
  for (const lock of ['packed-refs.lock', 'HEAD.lock', 'config.lock', 'index.lock']) {
    if (await exists(join(gitDir, lock))) {
      await rm(join(gitDir, lock), { force: true });
      removed++;
    }
  }
  const packDir = join(gitDir, 'objects', 'pack');
  for (const name of await readdir(packDir).catch(() => [] as string[])) {
    if (name.startsWith('tmp_')) await rm(join(packDir, name), { force: true });
  }
  for (const name of await readdir(join(gitDir, 'objects')).catch(() => [] as string[])) {
    if (name.startsWith('incoming-') || name.startsWith('tmp_')) await rm(join(gitDir, 'objects', name), { recursive: true, force: true });
  }
  // Scratch refs of interrupted commits point at unreferenced objects; drop them.
  const scratch = await git(gitDir, ['for-each-ref', '--format=%(refname)', 'refs/moda/scratch']);
  for (const ref of scratch.stdout.toString('utf8').split('\n').filter(Boolean)) {
    await git(gitDir, ['update-ref', '-d', ref]);
  }
  return removed;
}

/** Half-built model snapshots (`<commit>.<pid>.<rand>.tmp`) left by a crash while materialising. */
async function removeSnapshotScratch(root: string): Promise<void> {
  for (const repo of await readdir(root).catch(() => [] as string[])) {
    for (const entry of await readdir(join(root, repo)).catch(() => [] as string[])) {
      if (entry.endsWith('.tmp')) await rm(join(root, repo, entry), { recursive: true, force: true });
    }
  }
}
