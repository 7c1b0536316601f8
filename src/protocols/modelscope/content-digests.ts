// sha256 of regular (non-LFS) git blobs: ModelScope's file listing promises a `Sha256` for every
// file and its SDK checks downloads against it. One `git cat-file --batch` hashes all missing blobs
// as they stream by (nothing is held whole); blob ids are immutable, so results are cached.
import { createHash, type Hash } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import { spawnGit } from '../../hub/git.js';
import { LruCache } from '../../hub/lru-cache.js';

const digests = new LruCache<string, string>({ name: 'ms-content-digests', maxEntries: 100_000, maxBytes: 32 * 1024 ** 2 });

export async function contentSha256(gitDir: string, blobIds: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(blobIds)) {
    const cached = digests.get(id);
    if (cached === undefined) missing.push(id);
    else result.set(id, cached);
  }
  if (missing.length > 0) {
    for (const [id, digest] of await hashBlobs(gitDir, missing)) {
      digests.set(id, digest);
      result.set(id, digest);
    }
  }
  return result;
}

function hashBlobs(gitDir: string, blobIds: string[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(gitDir, ['cat-file', '--batch']);
    const result = new Map<string, string>();
    // Output is `<id> blob <size>\n<content>\n` per blob; `<id> missing\n` for unknown ids.
    let header: Buffer[] = [];
    let current: { id: string; hash: Hash; remaining: number } | undefined;
    let skipNewline = false;
    child.stdout.on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length) {
        if (skipNewline) {
          skipNewline = false;
          offset++;
          continue;
        }
        if (current) {
          const take = Math.min(current.remaining, chunk.length - offset);
          current.hash.update(chunk.subarray(offset, offset + take));
          current.remaining -= take;
          offset += take;
          if (current.remaining === 0) {
            result.set(current.id, current.hash.digest('hex'));
            current = undefined;
            skipNewline = true;
          }
          continue;
        }
        const newline = chunk.indexOf(10, offset);
        if (newline < 0) {
          header.push(chunk.subarray(offset));
          break;
        }
        header.push(chunk.subarray(offset, newline));
        offset = newline + 1;
        const [id = '', type, size] = Buffer.concat(header).toString('utf8').split(' ');
        header = [];
        if (type === 'missing') continue;
        current = { id, hash: createHash('sha256'), remaining: Number(size) };
        if (current.remaining === 0) {
          result.set(id, current.hash.digest('hex'));
          current = undefined;
          skipNewline = true;
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new ModaError('INTERNAL', `git cat-file --batch exited with ${code}`));
      else resolve(result);
    });
    child.stdin.end(blobIds.join('\n') + '\n');
  });
}
