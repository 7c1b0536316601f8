// One member of a zip archive in a repo at a commit, for the archive-member route: the archive is
// opened through open-archive.ts (directory checked with a preparation's limits and cached per
// archive content). A stored member serves ranges by seeking; a deflated one is inflated from its
// start.
import type { Readable } from 'node:stream';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import type { RepoFile } from '../../hub/list-files.js';
import type { ByteRange } from '../../hub/open-file-content.js';
import { openArchive } from './open-archive.js';
import { checkEntryName, zipInvalid } from './zip-directory.js';

export interface ArchiveMember {
  name: string;
  size: number;
  /** Stored (not deflated): a range is read without inflating what comes before it. */
  seekable: boolean;
  /** The member's bytes, or `range` of them. The archive is closed when the stream closes. */
  read(range?: ByteRange): Promise<Readable>;
  close(): Promise<void>;
}

/** Checks a member name asked for by a client: a 400, not the archive's fault. */
export function checkMemberName(archive: string, member: string): string {
  try {
    return checkEntryName(archive, member);
  } catch (error) {
    throw new ModaError('VALIDATION_FAILED', `member ${JSON.stringify(member.slice(0, 200))} is not a path inside ${archive}`, { cause: error });
  }
}

export async function openArchiveMember(hub: HubContext, gitDir: string, file: RepoFile, member: string): Promise<ArchiveMember> {
  checkMemberName(file.path, member);
  const archive = await openArchive(hub, gitDir, file);
  try {
    const entry = archive.entry(member);
    if (!entry) throw new ModaError('HUB_ENTRY_NOT_FOUND', `${file.path} holds no file ${JSON.stringify(member.slice(0, 300))}`);
    const seekable = entry.method === 0;
    if (seekable && entry.packed !== entry.unpacked) throw zipInvalid(file.path, `stored entry ${JSON.stringify(entry.name)} declares ${entry.unpacked} bytes but holds ${entry.packed}`);
    return {
      name: entry.name,
      size: entry.unpacked,
      seekable,
      async read(range) {
        const stream = await archive.read(entry, seekable ? range : undefined);
        stream.once('close', () => void archive.close());
        return stream;
      },
      close: () => archive.close(),
    };
  } catch (error) {
    await archive.close();
    throw error;
  }
}
