// The checks git's fsck makes on a `.gitmodules` blob (fsck.c, fsck_gitmodules_fn), applied before
// an API commit writes one: otherwise a repo accepts what every clone with transfer.fsckObjects
// refuses, and a recursive clone by an old git could run `url = --upload-pack=…` (CVE-2018-17456).
// The file is read by git's own config parser (`git config --file`), so quoting, escapes and
// continuation lines mean exactly what they mean to git.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModaError } from '../errors/moda-error.js';

/** .gitmodules files are small; one larger than this is refused without parsing. */
const MAX_GITMODULES_BYTES = 64 * 1024;

const GIT_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

export async function checkGitmodules(path: string, content: Uint8Array): Promise<void> {
  const refuse = (reason: string) => new ModaError('GITMODULES_INVALID', `${path}: ${reason}`);
  if (content.byteLength > MAX_GITMODULES_BYTES) throw refuse(`larger than ${MAX_GITMODULES_BYTES} bytes`);
  const folder = await mkdtemp(join(tmpdir(), 'moda-gitmodules-'));
  try {
    const file = join(folder, 'gitmodules');
    await writeFile(file, content);
    const listing = await new Promise<string>((resolve, reject) => {
      execFile('git', ['config', '--file', file, '--null', '--list'], { env: GIT_ENV, maxBuffer: 4 * MAX_GITMODULES_BYTES }, (error, stdout) => {
        if (error) reject(refuse('git cannot parse it'));
        else resolve(stdout);
      });
    });
    for (const entry of listing.split('\0')) {
      if (!entry.startsWith('submodule.')) continue;
      const newline = entry.indexOf('\n');
      const key = newline < 0 ? entry : entry.slice(0, newline);
      const value = newline < 0 ? undefined : entry.slice(newline + 1);
      const dot = key.lastIndexOf('.');
      if (dot <= 'submodule'.length) continue;
      const name = key.slice('submodule.'.length, dot);
      const variable = key.slice(dot + 1);
      const problem = submoduleProblem(name, variable, value);
      if (problem) throw refuse(problem);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function submoduleProblem(name: string, variable: string, value: string | undefined): string | undefined {
  // check_submodule_name: no empty name, no `..` component (either slash counts).
  if (name === '' || name.split(/[/\\]/).includes('..')) return `submodule name "${name}" is not allowed`;
  if (value === undefined) return undefined;
  if (variable === 'url' && (value.startsWith('-') || decoded(value).includes('\n'))) return `submodule url "${value}" is not allowed`;
  if (variable === 'path' && value.startsWith('-')) return `submodule path "${value}" is not allowed`;
  if (variable === 'update' && value.startsWith('!')) return `submodule update command "${value}" is not allowed`;
  return undefined;
}

function decoded(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}
