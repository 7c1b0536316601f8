// Git LFS pointer files (https://git-lfs.github.com/spec/v1): what a repo stores in git in place of
// a large file whose content lives in the blob store.

export interface LfsPointer {
  oid: string;
  size: number;
}

// Only the canonical form, as `git lfs pointer --check --strict` takes it: LF endings, lowercase hex,
// a decimal size without sign or leading zero, no other keys (git-lfs refuses unknown keys, so a
// file with them is not a pointer to git-lfs and Moda must not serve the object it names).
const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (0|[1-9][0-9]*)\n$/;

/** Pointer files are small; anything outside this size range is never parsed. */
export const POINTER_MIN_SIZE = 100;
export const POINTER_MAX_SIZE = 1024;

export function formatLfsPointer(pointer: LfsPointer): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${pointer.oid}\nsize ${pointer.size}\n`;
}

export function parseLfsPointer(content: Uint8Array | string): LfsPointer | undefined {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  const match = POINTER.exec(text);
  if (!match?.[1] || match[2] === undefined) return undefined;
  const size = Number(match[2]);
  return Number.isSafeInteger(size) ? { oid: match[1], size } : undefined;
}

/** The pointer a file's content is, if it is one: git-lfs (and Moda's resolve) would serve the object it names. */
export function pointerOfContent(content: Uint8Array): LfsPointer | undefined {
  return content.byteLength >= POINTER_MIN_SIZE && content.byteLength <= POINTER_MAX_SIZE ? parseLfsPointer(content) : undefined;
}
