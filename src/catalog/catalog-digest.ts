// A digest of what importing the starter catalog would do on this machine: every entry's repo,
// type and version, its files' names and contents, and which of its npm/Debian/vendor sources are
// installed now (a source installed since the last import makes a skipped entry importable), and a
// tuned entry's tune params (changed params retrain the model even at the same version). Two
// starts with the same digest would import the same thing, so the second skips the import job.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isModaError } from '../errors/moda-error.js';
import { readCatalog, resolveCatalogSource } from './read-catalog.js';

async function sourceAvailable(entry: Parameters<typeof resolveCatalogSource>[0], from: string): Promise<boolean> {
  try {
    await resolveCatalogSource(entry, from);
    return true;
  } catch (error) {
    if (isModaError(error) && error.code === 'CATALOG_SOURCE_MISSING') return false;
    throw error;
  }
}

export async function catalogDigest(catalogDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of await readCatalog(catalogDir)) {
    hash.update(JSON.stringify({ name: entry.name, type: entry.type, repo: entry.repo, version: entry.version, ...(entry.tune && { tune: entry.tune }) }));
    for (const file of entry.files) hash.update(JSON.stringify({ path: file.path, from: file.from, available: await sourceAvailable(entry, file.from) }));
    // The entry's own files (card, data files) are a few MB in all: hashing them costs milliseconds.
    for (const path of entry.ownFiles) hash.update(JSON.stringify({ path, sha256: createHash('sha256').update(await readFile(join(entry.dir, path))).digest('hex') }));
  }
  return hash.digest('hex');
}
