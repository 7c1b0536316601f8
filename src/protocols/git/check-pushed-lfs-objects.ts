// Refuses a push whose new LFS pointers name objects the blob store does not hold, the same rule
// API commits follow (LFS_OBJECT_MISSING): otherwise a pointer pushed without `git lfs push`
// (git-lfs not installed, --no-verify) would become a file nobody can download. A pointer may name
// only an object this repo references already (an upload to it included) or one of a repo the
// pusher can read, as in API commits; otherwise a sha256 alone would open someone's private file.
// Accepted pointers are recorded in the repo's LFS index before the refs move.
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { knownLfsObject, repoLfsObject } from '../../hub/lfs-object-access.js';
import { recordLfsObjects } from '../../hub/lfs-object-index.js';
import { git } from '../../hub/git.js';
import { parseLfsPointer, POINTER_MAX_SIZE, POINTER_MIN_SIZE, type LfsPointer } from '../../hub/lfs-pointer.js';
import type { PendingPush } from './pre-receive-hook.js';

/** At most this many missing objects are named in the refusal. */
const NAMED = 5;

export async function checkPushedLfsObjects(hub: HubContext, actor: Actor, repoId: string, gitDir: string, push: PendingPush): Promise<string | undefined> {
  // No quarantine: nothing was sent (deletions, or refs moved to commits the repo already has).
  // Objects the repo already held were checked when they arrived, so only the quarantine matters.
  if (!push.quarantine || !(await isQuarantineOf(push.quarantine, gitDir))) return undefined;
  const env = { GIT_OBJECT_DIRECTORY: push.quarantine };
  const listing = await git(gitDir, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize) %(objectname)'], { env });
  const candidates: string[] = [];
  for (const line of listing.stdout.toString('utf8').split('\n')) {
    const [type, size, oid] = line.split(' ');
    if (type === 'blob' && oid && Number(size) >= POINTER_MIN_SIZE && Number(size) <= POINTER_MAX_SIZE) candidates.push(oid);
  }
  if (candidates.length === 0) return undefined;

  const pointers = new Map<string, LfsPointer>();
  const contents = await git(gitDir, ['cat-file', '--batch'], { env, input: candidates.join('\n') + '\n' });
  for (const content of splitBatch(contents.stdout)) {
    const pointer = parseLfsPointer(content);
    if (pointer) pointers.set(pointer.oid, pointer);
  }
  const missing: LfsPointer[] = [];
  for (const pointer of pointers.values()) {
    const stored = (await repoLfsObject(hub, repoId, pointer.oid, pointer.size)) ?? (await knownLfsObject(hub, actor, pointer.oid, pointer.size));
    if (!stored) missing.push(pointer);
  }
  if (missing.length === 0) {
    await recordLfsObjects(hub, repoId, pointers.keys());
    return undefined;
  }
  const named = missing.slice(0, NAMED).map((pointer) => `${pointer.oid} (${pointer.size} bytes)`).join(', ');
  const more = missing.length > NAMED ? ` and ${missing.length - NAMED} more` : '';
  return `LFS_OBJECT_MISSING: the push references LFS objects that were never uploaded: ${named}${more}. Upload them with \`git lfs push --all origin\` and push again.`;
}

/** The objects of `git cat-file --batch` output (`<oid> <type> <size>\n<content>\n` each). */
function splitBatch(output: Buffer): Buffer[] {
  const objects: Buffer[] = [];
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(10, offset);
    if (newline < 0) break;
    const header = output.subarray(offset, newline).toString('utf8').split(' ');
    offset = newline + 1;
    if (header[1] === 'missing') continue;
    const size = Number(header[2]);
    objects.push(output.subarray(offset, offset + size));
    offset += size + 1;
  }
  return objects;
}

/** The path comes from the hook's environment; only ever read receive-pack's own quarantine folder. */
async function isQuarantineOf(quarantine: string, gitDir: string): Promise<boolean> {
  // git names it objects/tmp_objdir-incoming-XXXXXX.
  if (!/^(tmp_objdir-)?incoming-[A-Za-z0-9]+$/.test(basename(quarantine))) return false;
  try {
    return (await realpath(dirname(quarantine))) === (await realpath(join(gitDir, 'objects')));
  } catch {
    return false;
  }
}
