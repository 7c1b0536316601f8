// Compressed copies of the web UI's files, made once per file version and kept in memory, so each
// request costs a stat and a map lookup. The UI's entry script is 417 kB raw, 133 kB gzipped and
// 113 kB with brotli at quality 11 — which takes ~0.8 s of CPU, so brotli is made in the background
// and gzip (~15 ms) is sent until it is ready.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type ContentEncoding = 'br' | 'gzip' | 'identity';

export interface FileVariant {
  body: Buffer;
  encoding: ContentEncoding;
  /** A strong validator for this exact body: the content hash, tagged with the encoding. */
  etag: string;
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this, compressing saves less than the headers it adds. */
const MIN_COMPRESSIBLE_BYTES = 1024;

/**
 * The encodings a client accepts, best first, from its Accept-Encoding header: `br` before `gzip`
 * at equal weight (it is smaller), anything with q=0 left out; `identity` is always last.
 */
export function acceptedEncodings(header: string | undefined): ContentEncoding[] {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (name: 'br' | 'gzip') => weights.get(name) ?? weights.get('*') ?? 0;
  const compressed = (['br', 'gzip'] as const).filter((name) => weightOf(name) > 0).sort((a, b) => weightOf(b) - weightOf(a));
  return [...compressed, 'identity'];
}

interface CachedFile {
  version: string;
  hash: string;
  identity: Buffer;
  gzip: Buffer | undefined;
  /** Set once the background brotli compression has finished. */
  brotli: Buffer | undefined;
}

export class CompressedFiles {
  private readonly files = new Map<string, Promise<CachedFile>>();

  constructor(private readonly isCompressible: (path: string) => boolean) {}

  /** The best variant of `path` for a client accepting `encodings`; undefined when there is no such file. */
  async get(path: string, encodings: readonly ContentEncoding[]): Promise<FileVariant | undefined> {
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    // A rebuild replaces index.html in place; its size and mtime tell the versions apart.
    const version = `${info.size}:${info.mtimeMs}`;
    let cached = this.files.get(path);
    if (cached === undefined || (await cached.catch(() => undefined))?.version !== version) {
      cached = this.load(path, version);
      // The map holds the latest version of each file of the build, which is a handful of files.
      this.files.set(path, cached);
      cached.catch(() => this.files.delete(path));
    }
    let file;
    try {
      file = await cached;
    } catch {
      return undefined;
    }
    for (const encoding of encodings) {
      if (encoding === 'br' && file.brotli) return { body: file.brotli, encoding, etag: `"${file.hash}-br"` };
      if (encoding === 'gzip' && file.gzip) return { body: file.gzip, encoding, etag: `"${file.hash}-gz"` };
    }
    return { body: file.identity, encoding: 'identity', etag: `"${file.hash}"` };
  }

  private async load(path: string, version: string): Promise<CachedFile> {
    const identity = await readFile(path);
    const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 22);
    const file: CachedFile = { version, hash, identity, gzip: undefined, brotli: undefined };
    if (identity.length < MIN_COMPRESSIBLE_BYTES || !this.isCompressible(path)) return file;
    file.gzip = await gzipAsync(identity, { level: 9 });
    brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }).then(
      (body) => (file.brotli = body),
      // Brotli failing leaves gzip in use; nothing is lost but a few kB.
      () => undefined,
    );
    return file;
  }
}
