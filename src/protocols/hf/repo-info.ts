// The Hugging Face `ModelInfo` / `DatasetInfo` JSON of a repo, built from its index row and the file
// list of the requested commit. With `expand`, only the named fields (plus _id and id) are returned,
// as the Hub does.
import type { RepoFile } from '../../hub/list-files.js';
import type { RepoRow } from '../../hub/repos/repo-record.js';

export type RepoInfoJson = Record<string, unknown>;

function parse<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function sibling(file: RepoFile, withBlobs: boolean): Record<string, unknown> {
  if (!withBlobs) return { rfilename: file.path };
  return {
    rfilename: file.path,
    size: file.size,
    blobId: file.blobId,
    ...(file.lfs && { lfs: { sha256: file.lfs.oid, size: file.lfs.size, pointerSize: file.lfs.pointerSize } }),
  };
}

export function repoInfoJson(
  row: RepoRow,
  options: { sha?: string; files?: RepoFile[]; blobs?: boolean; expand?: string[]; lastModified?: string },
): RepoInfoJson {
  const id = `${row.namespace}/${row.name}`;
  const full: RepoInfoJson = {
    _id: row.id,
    id,
    ...(row.type === 'model' && { modelId: id }),
    author: row.namespace,
    sha: options.sha ?? row.sha,
    lastModified: options.lastModified ?? row.last_modified,
    createdAt: row.created_at,
    private: row.private === 1,
    gated: false,
    disabled: false,
    downloads: row.downloads,
    downloadsAllTime: row.downloads,
    likes: row.likes,
    tags: parse<string[]>(row.tags, []),
    ...(row.type === 'model' && {
      pipeline_tag: row.pipeline_tag ?? undefined,
      library_name: row.library_name ?? undefined,
      config: parse<Record<string, unknown> | undefined>(row.config, undefined),
      spaces: [],
    }),
    cardData: parse<Record<string, unknown> | undefined>(row.card_data, undefined),
    ...(options.files && { siblings: options.files.map((file) => sibling(file, options.blobs ?? false)) }),
    usedStorage: options.files?.reduce((total, file) => total + file.size, 0),
  };
  if (!options.expand || options.expand.length === 0) return full;
  const picked: RepoInfoJson = { _id: full._id, id };
  for (const key of options.expand) if (key in full) picked[key] = full[key];
  return picked;
}
