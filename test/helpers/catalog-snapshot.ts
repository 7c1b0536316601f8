// Builds a snapshot directory straight from a starter-catalog entry (no hub in between), so a
// pipeline test can load exactly the files `moda catalog import` would commit.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CatalogImageCropper } from '../../src/catalog/crop-catalog-image.js';
import { CATALOG_DIR, readCatalogEntry, resolveCatalogSource } from '../../src/catalog/read-catalog.js';
import { openSnapshot, type ModelSnapshot } from '../../src/runtime/model-snapshot.js';

export async function catalogSnapshot(name: string): Promise<ModelSnapshot> {
  const entry = await readCatalogEntry(join(CATALOG_DIR, name));
  const dir = await mkdtemp(join(tmpdir(), `moda-snapshot-${name}-`));
  const copies = [
    ...entry.ownFiles.map((path) => ({ path, source: Promise.resolve(join(entry.dir, path)), crop: undefined })),
    ...entry.files.map((file) => ({ path: file.path, source: resolveCatalogSource(entry, file.from), crop: file.crop })),
  ];
  const cropper = new CatalogImageCropper(entry.repo);
  for (const copy of copies) {
    const target = join(dir, copy.path);
    await mkdir(dirname(target), { recursive: true });
    if (copy.crop) await writeFile(target, await cropper.crop(await copy.source, copy.crop));
    else await copyFile(await copy.source, target);
  }
  return openSnapshot(dir, entry.repo, '0'.repeat(40));
}
