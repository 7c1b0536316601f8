// DuckDB instances Moda opens: in memory, no extension download or autoload, bounded memory and
// threads, and file access locked to the paths named here (`enable_external_access=false` with
// `allowed_paths`/`allowed_directories`, then `lock_configuration`), so neither a data file nor a
// user's query can make DuckDB open anything else, reach the network or change a setting.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Config } from '../config/config.js';
import { quoteList } from './sql-text.js';

export interface EngineAccess {
  /** Files DuckDB may read (or write). */
  paths: string[];
  /** Folders (with a trailing slash) DuckDB may read and write in: the preparation's work folder. */
  directories?: string[];
  /** Where DuckDB spills when work exceeds its memory limit; none: it may not spill. */
  tempDirectory?: string;
}

export async function openLockedDuckDb(config: Pick<Config, 'datasetMemoryBytes' | 'datasetThreads'>, access: EngineAccess): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: String(Math.max(1, config.datasetThreads)),
    memory_limit: `${Math.max(64, Math.floor(config.datasetMemoryBytes / 1024 ** 2))}MB`,
    ...(access.tempDirectory ? { temp_directory: access.tempDirectory } : {}),
  });
  const connection = await instance.connect();
  try {
    if (access.paths.length > 0) await connection.run(`SET allowed_paths = ${quoteList(access.paths)}`);
    if (access.directories && access.directories.length > 0) await connection.run(`SET allowed_directories = ${quoteList(access.directories)}`);
    // Files an engine reads never change (commit caches, content-addressed blobs): a page parses a
    // file's footer once, not once per page (one converted file holds hundreds of row groups).
    await connection.run('SET GLOBAL parquet_metadata_cache = true');
    await connection.run('SET enable_external_access = false');
    await connection.run("SET errors_as_json = false");
    await connection.run('SET lock_configuration = true');
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  return { instance, connection };
}
