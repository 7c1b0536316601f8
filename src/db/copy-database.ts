// Copies a SQLite metadata database into PostgreSQL (`moda migrate-db`), for a single-machine
// MODA_HOME that moves into a cluster. Atomic, not resumable: every row is written in one
// PostgreSQL transaction, tables in foreign-key order, and each table's row count is compared with
// the source before the commit; any failure rolls the whole copy back, so the target is either
// untouched or complete. The source is read in one read transaction (a consistent snapshot) and
// never written. Tables are found in the source, not listed here, so tables added later are copied
// too; leases of live cluster members (cluster_members) are not data and are left out.
import { sql, type Kysely, type Transaction } from 'kysely';
import { ModaError } from '../errors/moda-error.js';
import type { Db } from './open-database.js';

/** Not copied: Kysely's own bookkeeping (the target has its own) and transient leases. */
const SKIPPED = /^(kysely_|sqlite_)|^cluster_members$/;
/** PostgreSQL binds at most 65,535 values per statement. */
const MAX_VALUES_PER_INSERT = 60_000;
const READ_PAGE_ROWS = 5_000;

export interface CopiedTable {
  table: string;
  rows: number;
}

export interface CopyDatabaseOptions {
  /** Delete what the target tables hold first (in the same transaction); without it a non-empty target is refused. */
  replace?: boolean;
  onTable?: (table: CopiedTable) => void;
}

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

export async function copyDatabase(source: Db, target: Db, options: CopyDatabaseOptions = {}): Promise<CopiedTable[]> {
  const from = source as unknown as AnyDb;
  const to = target as unknown as AnyDb;
  const tables = await sourceTables(from);
  const targetTables = new Set(await postgresTables(to));
  const missing = tables.filter((table) => !targetTables.has(table));
  if (missing.length > 0) throw new ModaError('VALIDATION_FAILED', `the target database has no table ${missing.join(', ')}; is it migrated by the same Moda version as the source?`);
  return from.transaction().execute((reader) =>
    to.transaction().execute(async (writer) => {
      const filled: string[] = [];
      for (const table of [...targetTables].filter((name) => !SKIPPED.test(name))) if ((await countRows(writer, table)) > 0) filled.push(table);
      if (filled.length > 0 && !options.replace) throw new ModaError('DB_TARGET_NOT_EMPTY', `the target database already holds rows (${filled.join(', ')}); pass --replace to overwrite them`);
      // Children first, so no foreign key is left dangling at any step.
      for (const table of [...tables].reverse()) if (filled.includes(table)) await sql`delete from ${sql.table(table)}`.execute(writer);
      const copied: CopiedTable[] = [];
      for (const table of tables) {
        const rows = await copyTable(reader, writer, table);
        const counted = await countRows(writer, table);
        if (counted !== rows) throw new ModaError('INTERNAL', `table ${table}: ${rows} row(s) read from the source but ${counted} in the target; nothing was committed`);
        copied.push({ table, rows });
        options.onTable?.({ table, rows });
      }
      await resetSequences(writer);
      return copied;
    }),
  );
}

/** The source's tables, parents before children (by their foreign keys). */
async function sourceTables(db: AnyDb): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
  const names = rows.map((row) => row.name).filter((name) => !SKIPPED.test(name));
  const parents = new Map<string, string[]>();
  for (const name of names) {
    const keys = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(db);
    parents.set(name, keys.rows.map((key) => key.table).filter((parent) => parent !== name));
  }
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const parent of parents.get(name) ?? []) if (parents.has(parent)) visit(parent);
    ordered.push(name);
  };
  names.forEach(visit);
  return ordered;
}

async function postgresTables(db: AnyDb): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return rows.map((row) => row.table_name);
}

async function countRows(db: Transaction<Record<string, Record<string, unknown>>>, table: string): Promise<number> {
  const { rows } = await sql<{ count: number | string }>`select count(*) as count from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.count ?? 0);
}

/** Pages through the source by rowid (stable, indexed) and inserts each page in as few statements as the bind limit allows. */
async function copyTable(reader: Transaction<Record<string, Record<string, unknown>>>, writer: Transaction<Record<string, Record<string, unknown>>>, table: string): Promise<number> {
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  for (;;) {
    const { rows } = await sql<Record<string, unknown>>`select rowid as moda_copy_rowid, * from ${sql.table(table)} where rowid > ${after} order by rowid limit ${READ_PAGE_ROWS}`.execute(reader);
    if (rows.length === 0) return copied;
    after = Number(rows[rows.length - 1]?.moda_copy_rowid);
    const values = rows.map(({ moda_copy_rowid: _rowid, ...row }) => row);
    const columns = Object.keys(values[0] ?? {}).length || 1;
    const perInsert = Math.max(1, Math.floor(MAX_VALUES_PER_INSERT / columns));
    for (let start = 0; start < values.length; start += perInsert) await writer.insertInto(table).values(values.slice(start, start + perInsert)).execute();
    copied += values.length;
  }
}

/** Serial columns (none today; tables added later may have them) continue after the copied ids. */
async function resetSequences(db: Transaction<Record<string, Record<string, unknown>>>): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`select table_name, column_name from information_schema.columns where table_schema = current_schema() and column_default like 'nextval(%'`.execute(db);
  for (const { table_name: table, column_name: column } of rows) {
    await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
  }
}
