// Unpacks a dataset's zip archive (ModelScope packs splits as `train.zip`) into a folder of the
// preparation. The directory checks (zip-directory.ts) refuse traversal, symlinks, encryption, zip64
// and archives past the limits before anything is written; each entry then streams through
// open-zip-entry.ts, which stops at the size it declares, so memory stays flat.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ModaError } from '../../errors/moda-error.js';
import { openZipEntry } from './open-zip-entry.js';
import { DEFAULT_ZIP_LIMITS, readZipDirectory, zipInvalid, type ZipLimits } from './zip-directory.js';
import { fileZipSource } from './zip-source.js';

export { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-directory.js';

/**
 * Unpacks `zipPath` into `targetDir` (which must exist and be empty); returns the paths of the
 * files, relative to it, sorted. `archive` names the archive in errors (its path in the repo).
 */
export async function extractZip(zipPath: string, targetDir: string, archive: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<string[]> {
  const source = await fileZipSource(zipPath);
  try {
    const entries = await readZipDirectory(source, archive, limits);
    const root = resolve(targetDir);
    for (const entry of entries) {
      const target = resolve(root, entry.name);
      if (!target.startsWith(root + sep)) throw zipInvalid(archive, `entry ${JSON.stringify(entry.name)} names a path outside the archive`);
      await mkdir(dirname(target), { recursive: true });
      try {
        await pipeline(await openZipEntry(source, entry, archive), createWriteStream(target));
      } catch (error) {
        if (error instanceof ModaError) throw error;
        throw zipInvalid(archive, `entry ${JSON.stringify(entry.name)} could not be written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return entries.map((entry) => entry.name).sort();
  } finally {
    await source.close();
  }
}
