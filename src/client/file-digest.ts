// Digests of local files, computed streaming so a file of any size costs constant memory: sha256
// (LFS oids) and the git blob sha1 (`sha1("blob <size>\0" + content)`, the id git gives a file).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ModaError } from '../errors/moda-error.js';

export type DigestKind = 'sha256' | 'git-sha1';

export interface DigestOptions {
  signal?: AbortSignal;
  /** Called with the bytes read so far. */
  onBytes?: (bytes: number) => void;
}

export async function digestFile(path: string, kind: DigestKind, options: DigestOptions = {}): Promise<string> {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') hash.update(`blob ${(await stat(path)).size}\0`);
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal: options.signal });
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    options.onBytes?.(bytes);
  }
  return hash.digest('hex');
}

export function sha256OfFile(path: string, options: DigestOptions = {}): Promise<string> {
  return digestFile(path, 'sha256', options);
}

export function gitBlobSha1OfFile(path: string, options: DigestOptions = {}): Promise<string> {
  return digestFile(path, 'git-sha1', options);
}

/** Which digest names a cache blob: 64 hex digits are an LFS sha256, 40 a git blob sha1. */
export function digestKindOf(etag: string): DigestKind {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  throw new ModaError('BAD_REQUEST', `"${etag}" is neither a sha256 nor a git sha1`);
}
