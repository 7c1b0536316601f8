// The air-gap bundle format: one tar whose first entry is `manifest.json` (this schema), then each
// repo's history as a `git bundle` (real commit shas survive) and each LFS object once, by oid:
//   manifest.json
//   git/{models|datasets}/{ns}/{name}.bundle
//   lfs/{sha256}
// Every entry name is derived from the manifest, never taken from the tar, and the manifest lists
// each ref, each file at every ref (path, size, sha256) and each entry's size and sha256, so an
// import can check everything before anything becomes visible.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RepoType } from '../db/schema.js';
import { ModaError } from '../errors/moda-error.js';
import { checkFilePath, checkRefName, parseRepoId } from '../hub/paths.js';

export const MANIFEST_ENTRY = 'manifest.json';
export const BUNDLE_FORMAT = 'moda-bundle';
/** A manifest larger than this is refused before it is parsed. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Sha1 = Type.String({ pattern: '^[0-9a-f]{40}$' });
const Size = Type.Integer({ minimum: 0 });

export const BundleFileSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 1024 }),
    size: Size,
    sha256: Sha256,
    /** Stored as an LFS pointer in git (content in the blob store) rather than inline. */
    lfs: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const BundleRefSchema = Type.Object(
  {
    /** Full ref name: `refs/heads/main`, `refs/tags/v1`. */
    ref: Type.String(),
    /** What the ref points at (an annotated tag's tag object). */
    object: Sha1,
    /** The commit it peels to. */
    commit: Sha1,
  },
  { additionalProperties: false },
);

export const BundleRepoSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('model'), Type.Literal('dataset')]),
    id: Type.String(),
    private: Type.Boolean(),
    /** `internal` repos are readable by every signed-in user; older bundles only carry `private`. */
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('private')])),
    defaultBranch: Type.String(),
    createdAt: Type.String(),
    git: Type.Object({ path: Type.String(), size: Size, sha256: Sha256 }, { additionalProperties: false }),
    refs: Type.Array(BundleRefSchema, { minItems: 1 }),
    /** The files of every commit a ref points at. */
    snapshots: Type.Array(Type.Object({ commit: Sha1, files: Type.Array(BundleFileSchema) }, { additionalProperties: false })),
    /** LFS objects the repo's history refers to (all of them travel in the bundle). */
    lfsObjects: Type.Array(Sha256),
  },
  { additionalProperties: false },
);

export const BundleManifestSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    version: Type.Literal(1),
    createdAt: Type.String(),
    repos: Type.Array(BundleRepoSchema, { minItems: 1 }),
    blobs: Type.Array(Type.Object({ oid: Sha256, size: Size, path: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type BundleFile = Static<typeof BundleFileSchema>;
export type BundleRef = Static<typeof BundleRefSchema>;
export type BundleRepo = Static<typeof BundleRepoSchema>;
export type BundleManifest = Static<typeof BundleManifestSchema>;

export function gitEntryName(type: RepoType, id: string): string {
  return `git/${type}s/${id}.bundle`;
}

export function blobEntryName(oid: string): string {
  return `lfs/${oid}`;
}

function invalid(message: string, cause?: unknown): ModaError {
  return new ModaError('BUNDLE_INVALID', `bundle manifest: ${message}`, { cause });
}

/** Parses and checks a manifest: its schema, then every name that will reach the disk or git. */
export function parseManifest(text: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid('not JSON', error);
  }
  if (!Value.Check(BundleManifestSchema, value)) {
    const first = Value.Errors(BundleManifestSchema, value).First();
    throw invalid(first ? `${first.path || '/'} ${first.message}` : 'does not match the schema');
  }
  const manifest = value;
  const repoKeys = new Set<string>();
  const blobOids = new Set(manifest.blobs.map((blob) => blob.oid));
  for (const blob of manifest.blobs) {
    if (blob.path !== blobEntryName(blob.oid)) throw invalid(`blob ${blob.oid} must travel as ${blobEntryName(blob.oid)}`);
  }
  if (blobOids.size !== manifest.blobs.length) throw invalid('a blob is listed twice');
  for (const repo of manifest.repos) {
    try {
      parseRepoId(repo.id);
      checkRefName(repo.defaultBranch);
      for (const ref of repo.refs) {
        if (!/^refs\/(heads|tags)\//.test(ref.ref)) throw invalid(`${repo.id}: only branches and tags travel, not ${ref.ref}`);
        checkRefName(ref.ref.replace(/^refs\/(heads|tags)\//, ''));
      }
      for (const snapshot of repo.snapshots) for (const file of snapshot.files) checkFilePath(file.path);
    } catch (error) {
      if (error instanceof ModaError && error.code === 'BUNDLE_INVALID') throw error;
      throw invalid(`${repo.id}: ${(error as Error).message}`, error);
    }
    const key = `${repo.type}:${repo.id.toLowerCase()}`;
    if (repoKeys.has(key)) throw invalid(`${repo.id} is listed twice`);
    repoKeys.add(key);
    if (repo.git.path !== gitEntryName(repo.type, repo.id)) throw invalid(`${repo.id}: its history must travel as ${gitEntryName(repo.type, repo.id)}`);
    if (!repo.refs.some((ref) => ref.ref === `refs/heads/${repo.defaultBranch}`)) throw invalid(`${repo.id}: the default branch ${repo.defaultBranch} is not among its refs`);
    const snapshotCommits = new Set(repo.snapshots.map((snapshot) => snapshot.commit));
    for (const ref of repo.refs) if (!snapshotCommits.has(ref.commit)) throw invalid(`${repo.id}: no file list for ${ref.ref}`);
    const objects = new Set(repo.lfsObjects);
    for (const snapshot of repo.snapshots) {
      for (const file of snapshot.files) if (file.lfs && !objects.has(file.sha256)) throw invalid(`${repo.id}: ${file.path} refers to an LFS object that is not listed`);
    }
  }
  return manifest;
}
