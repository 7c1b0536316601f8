// The rows of a media split (imagefolder/audiofolder shape) as one SELECT: a path per media file,
// with the columns of the metadata files that name them (`file_name`, relative to the metadata
// file's folder), or else a `label` from class sub-folders when there are several.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ModaError } from '../errors/moda-error.js';
import { classFolderOf } from './detect-layout.js';
import { readerSql, unionOf } from './reader-sql.js';
import type { SourceFile } from './source-files.js';
import { quoteIdentifier, quoteLiteral } from './sql-text.js';

export interface MediaFile {
  /** The path rows name: a repo path, or `<archive>/<member>` for a member of a zip archive. */
  path: string;
  /** The path class folders are read from (a member's path inside its archive). */
  classPath: string;
}

export interface MediaSelectWork {
  connection: DuckDBConnection;
  column: 'image' | 'audio';
  files: MediaFile[];
  /** Metadata files; their `repoPath` folder is what their `file_name`s are relative to. */
  metadata: SourceFile[];
  workDir: string;
  name: string;
  /**
   * A metadata row naming a file that is not there is refused (DATASET_LAYOUT_INVALID) instead of
   * left out: inside an archive, such a name is a mistake or an attempt to point outside it.
   */
  strict?: boolean;
}

export interface MediaSelect {
  select: string;
  column: 'image' | 'audio';
  labels?: string[];
}

function metadataFormat(path: string): 'csv' | 'tsv' | 'json' | 'parquet' {
  if (/\.csv(\.(gz|zst))?$/i.test(path)) return 'csv';
  if (/\.tsv(\.(gz|zst))?$/i.test(path)) return 'tsv';
  if (/\.parquet$/i.test(path)) return 'parquet';
  return 'json';
}

export async function mediaSelect(work: MediaSelectWork): Promise<MediaSelect> {
  const { column } = work;
  const listed = join(work.workDir, `${work.name}.files.json`);
  if (work.metadata.length > 0) {
    const selects: string[] = [];
    for (const meta of work.metadata) {
      // Metadata rows name their files relative to the metadata file's folder.
      const folder = meta.repoPath.slice(0, meta.repoPath.lastIndexOf('/') + 1);
      const reader = readerSql(metadataFormat(meta.repoPath), meta);
      if (work.strict) {
        const names = (await work.connection.runAndReadUntil(`SELECT * FROM ${reader} LIMIT 0`, 0)).columnNames();
        if (!names.includes('file_name')) throw new ModaError('DATASET_LAYOUT_INVALID', `${meta.repoPath} has no file_name column naming the ${column} files it describes`);
      }
      selects.push(`SELECT ${quoteLiteral(folder)} || CAST(file_name AS VARCHAR) AS ${quoteIdentifier(column)}, * EXCLUDE (file_name) FROM ${reader}`);
    }
    await writeFile(listed, JSON.stringify(work.files.map((file) => ({ path: file.path }))));
    const known = `(SELECT path FROM read_json(${quoteLiteral(listed)}))`;
    if (work.strict) {
      const missing = (await work.connection.runAndReadAll(`SELECT m.${quoteIdentifier(column)} FROM (${unionOf(selects)}) m WHERE m.${quoteIdentifier(column)} NOT IN ${known} LIMIT 1`)).getRowsJS()[0]?.[0];
      if (missing !== undefined) throw new ModaError('DATASET_LAYOUT_INVALID', `metadata names ${JSON.stringify(String(missing).slice(0, 300))}, which is not a ${column} file of the archive`);
    }
    // Rows follow the files' order, as Hugging Face's folder builders read them; the join alone keeps no order.
    return { select: `SELECT m.* FROM (${unionOf(selects)}) m WHERE m.${quoteIdentifier(column)} IN ${known} ORDER BY m.${quoteIdentifier(column)}`, column };
  }
  const folders = work.files.map((file) => classFolderOf(file.classPath));
  const labels = folders.every((folder) => folder !== undefined) && new Set(folders).size > 1 ? [...new Set(folders as string[])].sort() : undefined;
  const rows = work.files.map((file, index) => ({ [column]: file.path, ...(labels && { label: labels.indexOf(folders[index] as string) }) }));
  await writeFile(listed, JSON.stringify(rows));
  const select = labels ? `SELECT ${quoteIdentifier(column)}, CAST(label AS BIGINT) AS label FROM read_json(${quoteLiteral(listed)})` : `SELECT ${quoteIdentifier(column)} FROM read_json(${quoteLiteral(listed)})`;
  return { select, column, ...(labels && { labels }) };
}
