// What every `moda` client command needs: the streams it writes to, the environment it reads (through
// loadConfig only), and a ModaClient built from --endpoint/--token, MODA_ENDPOINT/MODA_TOKEN or the
// token saved by `moda login`, in that order.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import { ModaClient, type FetchFunction } from '../client/moda-client.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The fetch the client uses (tests count requests through it); default the global one. */
  fetch?: FetchFunction;
}

export interface GlobalOptions {
  endpoint?: string;
  token?: string;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The config with --endpoint and --token applied over the environment. */
export function cliConfig(command: Command, io: CliIo): Config {
  const { endpoint, token } = globalOptions(command);
  return loadConfig(io.env, {
    ...(endpoint !== undefined && { endpoint: endpoint.replace(/\/+$/, '') }),
    ...(token !== undefined && { token }),
  });
}

export function tokenFile(config: Config): string {
  return join(config.home, 'token');
}

export async function savedToken(config: Config): Promise<string | undefined> {
  const text = await readFile(tokenFile(config), 'utf8').catch(() => '');
  return text.trim() || undefined;
}

export function cacheDirOf(config: Config): string {
  return config.cacheDir || join(config.home, 'cache', 'hub');
}

export async function clientFor(command: Command, io: CliIo): Promise<{ client: ModaClient; config: Config }> {
  const config = cliConfig(command, io);
  const token = config.token || (await savedToken(config));
  return { client: new ModaClient({ endpoint: config.endpoint, token, fetch: io.fetch }), config };
}

export function printLine(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
