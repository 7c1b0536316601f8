// Starts a throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir) for a test, and stops and
// removes it after. PostgreSQL must be installed (CI's .ci/run installs Debian's `postgresql`): a
// missing server is an error, never a skip, so the PostgreSQL path cannot silently go untested.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresCluster {
  /** `postgres://moda@127.0.0.1:<port>/postgres`, trust-authenticated. */
  url: string;
  stop(): Promise<void>;
}

/** The bin folder of the newest Debian-installed PostgreSQL, or the one holding `initdb` on PATH. */
export function findPostgresBin(debianRoot = '/usr/lib/postgresql', searchPath = process.env.PATH ?? ''): string {
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((version) => existsSync(join(debianRoot, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return join(debianRoot, versions[0], 'bin');
  for (const dir of searchPath.split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(
    `PostgreSQL is not installed: no initdb under ${debianRoot}/*/bin or on PATH. ` +
      'Install it (Debian: apt-get install -y postgresql; .ci/run does this) to run the PostgreSQL tests.',
  );
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'moda-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // initdb and postgres refuse to run as root: as root, run them as the `postgres` system user.
  const prefix = await ownerPrefix(dir);
  const asOwner = (tool: string, args: string[]): [string, string[]] => (prefix ? [prefix[0], [...prefix[1], join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pgCtl = (args: string[]) => run(...asOwner('pg_ctl', args), { timeout: 60_000 });
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await pgCtl(['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    process.off('exit', stopOnExit);
    await rm(dir, { recursive: true, force: true });
  };
  // If the test process dies without calling stop(), do not leave a postmaster behind.
  const stopOnExit = () => {
    if (started) spawnSync(...asOwner('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']), { stdio: 'ignore' });
  };
  try {
    // The C locale sorts text byte-wise, as SQLite does, so ordered results compare across dialects.
    await run(...asOwner('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'moda', '-E', 'UTF8', '--locale=C', '--no-sync']), { timeout: 60_000 });
    const port = await freePort();
    // A throwaway cluster needs no durability, so it skips fsync and full-page writes.
    const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    process.on('exit', stopOnExit);
    started = true;
    // -l: the postmaster must not inherit our stdout, or execFile would wait for it to exit.
    await pgCtl(['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60']);
    return { url: `postgres://moda@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`could not start a PostgreSQL cluster with ${bin}${log ? `:\n${log}` : ''}`, { cause: error });
  }
}

/** As root: the command and arguments that run a PostgreSQL binary as `postgres`, made owner of `dir`. */
async function ownerPrefix(dir: string): Promise<[string, string[]] | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (ids.status !== 0 || groups.status !== 0) {
    throw new Error('running as root but there is no "postgres" system user to own the test cluster (Debian\'s postgresql package creates it)');
  }
  await chown(dir, Number(ids.stdout.trim()), Number(groups.stdout.trim()));
  return ['runuser', ['-u', 'postgres', '--']];
}
