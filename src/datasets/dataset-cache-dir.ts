// Where a commit's prepared files live. A git commit id names its whole tree, so the commit alone
// keys the cache: a new commit never sees an old one's rows, an old commit keeps its own, and two
// repos holding the same commit (a fork, a mirror) share one preparation.
import { join } from 'node:path';
import type { HubContext } from '../hub/context.js';

const COMMIT = /^[0-9a-f]{40}$/;

export function datasetCacheRoot(hub: HubContext): string {
  return join(hub.config.home, 'datasets-cache');
}

export function datasetCacheDir(hub: HubContext, commit: string): string {
  if (!COMMIT.test(commit)) throw new TypeError(`not a commit id: ${commit}`);
  return join(datasetCacheRoot(hub), commit.slice(0, 2), commit);
}
