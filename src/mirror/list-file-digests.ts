// Every file of a commit with its size and sha256 (the LFS oid for LFS files, the hashed content
// for inline ones): what a bundle manifest records and an import checks.
import { createHash } from 'node:crypto';
import { listFiles, readBlobs } from '../hub/list-files.js';
import type { BundleFile } from './bundle-manifest.js';

/** Inline blobs are read in batches of about this many bytes (git cat-file --batch buffers them). */
const BATCH_BYTES = 32 * 1024 * 1024;

export async function listFileDigests(gitDir: string, commit: string): Promise<BundleFile[]> {
  const files = await listFiles(gitDir, commit);
  const digests = new Map<string, string>();
  const inline = files.filter((file) => !file.lfs);
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async () => {
    const contents = await readBlobs(gitDir, batch);
    for (const [blobId, content] of contents) digests.set(blobId, createHash('sha256').update(content).digest('hex'));
    batch = [];
    batchBytes = 0;
  };
  for (const file of inline) {
    batch.push(file.blobId);
    batchBytes += file.size;
    if (batchBytes >= BATCH_BYTES) await flush();
  }
  if (batch.length > 0) await flush();
  return files
    .map((file) => ({
      path: file.path,
      size: file.size,
      sha256: file.lfs ? file.lfs.oid : (digests.get(file.blobId) ?? ''),
      lfs: file.lfs !== undefined,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
