// A split packed as zip archives (ModelScope's `train.zip`): each is unpacked into the work folder
// with the archive limits (zip/extract-zip.ts). An archive of CSV, TSV, JSON lines or Parquet files
// gives their rows; an archive of images or audio is a media folder inside a zip (class
// sub-folders → `label`, or CSV/JSON lines files naming the members in `file_name`), whose rows
// name each member as `<archive>/<member>` and are served by the archive-member route.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ModaError } from '../errors/moda-error.js';
import { fileKindOf } from './data-file-format.js';
import { mediaSelect, type MediaFile, type MediaSelect } from './media-select.js';
import { readerSql, unionOf, type TabularFormat } from './reader-sql.js';
import type { SourceFile } from './source-files.js';
import { quoteList } from './sql-text.js';
import { extractZip } from './zip/extract-zip.js';

export interface ZipSelectWork {
  connection: DuckDBConnection;
  split: string;
  /** The split's archives. */
  sources: SourceFile[];
  workDir: string;
  outputName: string;
}

export type ZipSelect = { kind: 'table'; select: string } | { kind: 'media'; media: MediaSelect; files: SourceFile[]; archives: string[] };

interface Member {
  archive: string;
  /** Path inside the archive. */
  inner: string;
  file: SourceFile;
}

function compressionOf(path: string): SourceFile['compression'] {
  return /\.gz$/i.test(path) ? 'gzip' : /\.zst$/i.test(path) ? 'zstd' : 'none';
}

async function unpack(work: ZipSelectWork): Promise<Member[]> {
  const members: Member[] = [];
  for (const [index, archive] of work.sources.entries()) {
    const target = join(work.workDir, `${work.outputName}.zip-${index}`);
    await mkdir(target, { recursive: true });
    for (const inner of await extractZip(archive.localPath, target, archive.repoPath)) {
      if (fileKindOf(inner) === 'zip') throw new ModaError('DATASET_LAYOUT_INVALID', `${archive.repoPath} holds another archive (${inner}); Moda reads data and media files inside zip archives, not archives in archives`);
      // Hidden files and macOS resource forks (`__MACOSX/`) are not data.
      if (!fileKindOf(inner) || inner.split('/').some((segment) => segment.startsWith('.') || segment.startsWith('__'))) continue;
      const localPath = join(target, inner);
      members.push({ archive: archive.repoPath, inner, file: { repoPath: `${archive.repoPath}/${inner}`, localPath, size: (await stat(localPath)).size, compression: compressionOf(inner) } });
    }
  }
  return members;
}

export async function zipSelect(work: ZipSelectWork): Promise<ZipSelect> {
  const members = await unpack(work);
  const images = members.filter((member) => fileKindOf(member.inner) === 'image');
  const audio = members.filter((member) => fileKindOf(member.inner) === 'audio');
  const tabular = members.filter((member) => !images.includes(member) && !audio.includes(member));
  if (images.length > 0 && audio.length > 0) throw new ModaError('DATASET_LAYOUT_INVALID', `the archives of split ${work.split} hold both images and audio; give each its own split or config`);
  const media = images.length > 0 ? images : audio;
  if (media.length > 0) {
    // In a media archive the tabular files describe the media, like imagefolder's metadata files.
    const files: MediaFile[] = media.map((member) => ({ path: member.file.repoPath, classPath: member.inner }));
    const built = await mediaSelect({ connection: work.connection, column: images.length > 0 ? 'image' : 'audio', files, metadata: tabular.map((member) => member.file), workDir: work.workDir, name: work.outputName, strict: true });
    return { kind: 'media', media: built, files: media.map((member) => member.file), archives: [...new Set(media.map((member) => member.archive))].sort() };
  }
  const kinds = [...new Set(tabular.map((member) => fileKindOf(member.inner)))];
  const [format, ...others] = kinds;
  if (!format || others.length > 0) throw new ModaError('DATASET_LAYOUT_INVALID', `the archives of split ${work.split} hold ${format ? `several data formats (${kinds.join(', ')})` : 'no CSV, TSV, JSON lines, Parquet, image or audio file'}`);
  const inner = tabular.map((member) => member.file);
  if (format === 'parquet') return { kind: 'table', select: `SELECT * FROM read_parquet(${quoteList(inner.map((file) => file.localPath))}, union_by_name = true)` };
  return { kind: 'table', select: unionOf(inner.map((file) => `SELECT * FROM ${readerSql(format as TabularFormat, file)}`)) };
}
