// Opens the metadata database (SQLite file under MODA_HOME, or PostgreSQL from a URL) and brings
// its schema up to date. Everything else talks to it through Kysely, dialect-agnostic.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { ModaError } from '../errors/moda-error.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export async function openDatabase(options: { home: string; databaseUrl: string }): Promise<Db> {
  const db = new Kysely<Database>({ dialect: dialectFor(options) });
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new ModaError('CONFIG_INVALID', `database migration failed: ${String(error)}`, { cause: error });
  }
  return db;
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing was 6% of
 * the CPU of a repo-info request. Reusing them by SQL text is safe because they run synchronously.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver) as unknown;
      return (source: string) => {
        let statement = statements.get(source);
        if (!statement) {
          if (statements.size >= 1000) statements.clear();
          statement = prepare(source);
          statements.set(source, statement);
        }
        return statement;
      };
    },
  });
}

function dialectFor({ home, databaseUrl }: { home: string; databaseUrl: string }) {
  if (databaseUrl === 'sqlite' || databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : join(home, 'moda.sqlite');
    mkdirSync(home, { recursive: true });
    const database = new SQLite(file);
    // WAL: readers never block the writer; NORMAL sync is durable across process crashes.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    return new SqliteDialect({ database: withStatementCache(database) });
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 10 }) });
  }
  throw new ModaError('CONFIG_INVALID', `MODA_DATABASE_URL must be "sqlite", "sqlite:<file>" or a postgres:// URL, got "${databaseUrl}"`);
}
