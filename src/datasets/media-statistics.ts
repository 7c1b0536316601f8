// Statistics of an imagefolder/audiofolder split's media column, computed while the split is
// prepared (the files are at hand then, and reading every header on a /statistics request would
// take too long): Hugging Face's `image` statistics (the distribution of widths, to which Moda adds
// the heights' under `height`) and `audio` statistics (durations in seconds). Only headers are read.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnStatistics } from './column-statistics.js';
import { toJsonValue } from './dataset-features.js';
import { audioDuration } from './media/audio-duration.js';
import { imageSize } from './media/image-size.js';
import { numberStatistics, type RunRows } from './number-statistics.js';
import type { SourceFile } from './source-files.js';
import { quoteIdentifier, quoteList, quoteLiteral } from './sql-text.js';

/** Headers read at once: each is a small read; more in parallel would only queue on the disk. */
const PARALLEL_READS = 8;

interface MediaInfo {
  path: string;
  width?: number;
  height?: number;
  duration?: number;
}

async function readHeaders(kind: 'image' | 'audio', files: SourceFile[], signal?: AbortSignal): Promise<MediaInfo[]> {
  const infos: MediaInfo[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      signal?.throwIfAborted();
      const file = files[next++] as SourceFile;
      if (kind === 'image') infos.push({ path: file.repoPath, ...(await imageSize(file.localPath)) });
      else {
        const duration = await audioDuration(file.localPath).catch(() => undefined);
        infos.push({ path: file.repoPath, ...(duration !== undefined && { duration }) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  return infos;
}

export interface MediaStatisticsWork {
  connection: DuckDBConnection;
  kind: 'image' | 'audio';
  column: string;
  /** The split's prepared Parquet files (their media column holds repo paths). */
  parquetPaths: string[];
  files: SourceFile[];
  workDir: string;
  name: string;
  rows: number;
  signal?: AbortSignal;
}

export async function mediaStatistics(work: MediaStatisticsWork): Promise<ColumnStatistics> {
  const infos = await readHeaders(work.kind, work.files, work.signal);
  const listed = join(work.workDir, `${work.name}.media.json`);
  await writeFile(listed, JSON.stringify(infos));
  try {
    const run: RunRows = async (sql, maxRows) => {
      const reader = await work.connection.runAndReadAll(sql);
      return reader.getRowObjectsJS().slice(0, maxRows).map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonValue(value)])));
    };
    // Per row, not per file: metadata may name one file twice, and a file without a header is a null.
    const columns = "{path: 'VARCHAR', width: 'BIGINT', height: 'BIGINT', duration: 'DOUBLE'}";
    const table = `(SELECT m.width, m.height, m.duration FROM read_parquet(${quoteList(work.parquetPaths)}) p LEFT JOIN read_json(${quoteLiteral(listed)}, columns = ${columns}) m ON p.${quoteIdentifier(work.column)} = m.path)`;
    if (work.kind === 'audio') return { column_name: work.column, column_type: 'audio', column_statistics: await numberStatistics(run, table, 'duration', false, work.rows) };
    const widths = await numberStatistics(run, table, 'width', true, work.rows);
    return { column_name: work.column, column_type: 'image', column_statistics: { ...widths, height: await numberStatistics(run, table, 'height', true, work.rows) } };
  } finally {
    await rm(listed, { force: true });
  }
}
