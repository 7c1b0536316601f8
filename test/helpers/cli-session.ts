// A `moda` CLI session against a test server for the CLI tests: a scratch MODA_HOME, the server's
// endpoint and one user's token, and each run's exit code, stdout and stderr (stderr a terminal or not).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSession {
  run(args: string[], options?: { tty?: boolean }): Promise<CliRun>;
  /** Removes the scratch MODA_HOME. */
  close(): Promise<void>;
}

export async function cliSession(endpoint: string, token: string): Promise<CliSession> {
  const work = await mkdtemp(join(tmpdir(), 'moda-cli-'));
  return {
    async run(args, options = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        env: { MODA_HOME: join(work, 'cli'), MODA_ENDPOINT: endpoint, MODA_TOKEN: token },
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.tty === true },
        stdin: Readable.from([]),
      });
      return { code, stdout, stderr };
    },
    close: () => rm(work, { recursive: true, force: true }),
  };
}
