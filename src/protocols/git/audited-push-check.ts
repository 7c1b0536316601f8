// Records what a push that passed its checks rewrites or deletes in the audit log: branches moved to
// a commit that does not descend from their old one (a force push, where the repo allows it) and
// deleted refs. Runs at pre-receive time, when the new objects are still in quarantine.
import { join } from 'node:path';
import type { Actor } from '../../hub/actor.js';
import { recordAuditEvent } from '../../hub/audit/record-audit-event.js';
import type { HubContext } from '../../hub/context.js';
import { git } from '../../hub/git.js';
import type { RepoRecord } from '../../hub/repos/repo-record.js';
import type { PendingPush, PushCheck } from './pre-receive-hook.js';

const ZERO = /^0+$/;

export function auditedPushCheck(hub: HubContext, actor: Actor, repo: RepoRecord, check: PushCheck): PushCheck {
  return async (push) => {
    const refusal = await check(push);
    if (refusal === undefined) await auditPush(hub, actor, repo, push);
    return refusal;
  };
}

async function auditPush(hub: HubContext, actor: Actor, repo: RepoRecord, push: PendingPush): Promise<void> {
  const target = `${repo.type}:${repo.fullName}`;
  const env: Record<string, string> = push.quarantine ? { GIT_OBJECT_DIRECTORY: push.quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: join(repo.gitDir, 'objects') } : {};
  for (const update of push.updates) {
    if (ZERO.test(update.newOid)) {
      await recordAuditEvent(hub, actor, 'git.ref_delete', target, { ref: update.ref, oldOid: update.oldOid });
      continue;
    }
    if (ZERO.test(update.oldOid) || !update.ref.startsWith('refs/heads/')) continue;
    const ancestor = await git(repo.gitDir, ['merge-base', '--is-ancestor', update.oldOid, update.newOid], { env, okCodes: [1] });
    // receive-pack refuses a non-fast-forward after this hook when the repo denies them.
    if (ancestor.code === 1 && !(await deniesForcePush(repo.gitDir))) await recordAuditEvent(hub, actor, 'git.force_push', target, { ref: update.ref, oldOid: update.oldOid, newOid: update.newOid });
  }
}

async function deniesForcePush(gitDir: string): Promise<boolean> {
  const setting = await git(gitDir, ['config', '--bool', 'receive.denyNonFastForwards'], { okCodes: [1] });
  return setting.stdout.toString('utf8').trim() === 'true';
}
