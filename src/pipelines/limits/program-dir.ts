// A private scratch folder for one external program (sandbox-command.ts). When the program drops to
// `nobody`, the folder and the files handed to it belong to `nobody` and stay closed to every other
// user: the program can read what the server wrote there (language data, a request's images), while
// a file only the server's user can read stays out of its reach. Otherwise it is an ordinary
// private temporary folder of the server's user.
import { chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOBODY } from './sandbox-command.js';

/** A new folder under the system's temporary folder (which `nobody` must be able to enter, as /tmp is). */
export async function makeProgramDir(prefix: string, asNobody: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (asNobody) await chown(dir, NOBODY, NOBODY);
  return dir;
}

/** Makes a file the server wrote into such a folder the program's own (mkdtemp's 0700 and the umask then keep others out). */
export async function handToProgram(file: string, asNobody: boolean): Promise<void> {
  if (asNobody) await chown(file, NOBODY, NOBODY);
}
