// Where the bare git repositories live. Every path to a repository goes through this one interface,
// so that per-repository routing (a Gitaly-style git service) can replace the shared folder later.
import { join } from 'node:path';
import type { RepoType } from '../db/schema.js';
import { repoTypePlural } from './paths.js';

export interface GitRepositories {
  /**
   * The folder holding every repository; scratch and trash folders live under it so that moving a
   * finished repository into place is a rename on one file system.
   */
  readonly root: string;
  gitDirOf(type: RepoType, namespace: string, name: string): string;
}

/** Repositories in one folder: `$MODA_HOME/repos`, or MODA_GIT_ROOT shared by every replica. */
export function folderGitRepositories(root: string): GitRepositories {
  return {
    root,
    gitDirOf: (type, namespace, name) => join(root, repoTypePlural(type), namespace, `${name}.git`),
  };
}
