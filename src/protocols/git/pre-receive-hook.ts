// The pre-receive hook that lets the server vet a push before git moves any ref. git runs hooks as
// programs, so the hook is a tiny shell script that forwards its input to the Moda process over
// file descriptor 3 (a socket Moda hands to `git http-backend`, inherited by receive-pack and the
// hook) and waits for a one-line verdict. The decision itself stays in TypeScript, next to the hub.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

export interface RefUpdate {
  oldOid: string;
  newOid: string;
  ref: string;
}

export interface PendingPush {
  /** Where receive-pack keeps the pushed objects until the hook accepts them (GIT_QUARANTINE_PATH). */
  quarantine: string | undefined;
  updates: RefUpdate[];
}

/** Returns a reason to refuse the push, or undefined to let it land. */
export type PushCheck = (push: PendingPush) => Promise<string | undefined>;

// `read` from a socket is byte-at-a-time in every POSIX shell, so nothing past the verdict is lost.
const SCRIPT = `#!/bin/sh
# Installed by Moda: asks the server over fd 3 whether this push may land.
{ printf 'quarantine %s\\n' "$GIT_QUARANTINE_PATH"; cat; printf 'end\\n'; } >&3 || exit 1
IFS= read -r verdict <&3 || exit 1
case "$verdict" in
  ok) exit 0 ;;
  *) printf '%s\\n' "\${verdict#refuse }" >&2; exit 1 ;;
esac
`;

/** Writes the hook into `directory` (a core.hooksPath) atomically, so running pushes never see half a file. */
export async function installPreReceiveHook(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.pre-receive.${process.pid}.${Date.now()}`);
  await writeFile(temporary, SCRIPT, { mode: 0o755 });
  await rename(temporary, join(directory, 'pre-receive'));
}

/** Serves the hook's question on `channel` (fd 3 of http-backend) with `check`. */
export function answerPreReceive(channel: Duplex, check: PushCheck, log: (message: string) => void): void {
  let received: Buffer[] = [];
  channel.on('error', () => undefined);
  channel.on('data', (chunk: Buffer) => {
    received.push(chunk);
    const text = Buffer.concat(received).toString('utf8');
    // The first line is always `quarantine …`, so the terminator is a whole line of its own.
    if (!text.endsWith('\nend\n')) return;
    received = [];
    const push = parsePush(text);
    check(push)
      .catch((error: unknown) => {
        log(`pre-receive check failed: ${String(error)}`);
        return 'the server could not check this push; try again';
      })
      .then((refusal) => channel.write(refusal === undefined ? 'ok\n' : `refuse ${refusal.replace(/[\r\n]+/g, ' ')}\n`))
      .catch(() => undefined);
  });
}

function parsePush(text: string): PendingPush {
  const push: PendingPush = { quarantine: undefined, updates: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('quarantine ')) push.quarantine = line.slice('quarantine '.length) || undefined;
    else {
      const [oldOid, newOid, ref] = line.split(' ');
      if (oldOid && newOid && ref) push.updates.push({ oldOid, newOid, ref });
    }
  }
  return push;
}
