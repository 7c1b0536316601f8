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

/**
 * Opens the database and migrates it, or with `migrateOnStart: false` (replicas of a cluster, where
 * one `moda migrate` does it) waits until the schema is up to date.
 */
export async function openDatabase(options: { home: string; databaseUrl: string; migrateOnStart?: boolean }, waitMs = 300_000): Promise<Db> {
  const db = connectDatabase(options);
  try {
    if (options.migrateOnStart === false) await waitForMigrations(db, waitMs);
    else await migrateDatabase(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** The database without touching its schema (`moda migrate` migrates it itself). */
export function connectDatabase(options: { home: string; databaseUrl: string }): Db {
  return new Kysely<Database>({ dialect: dialectFor(options) });
}

function migrator(db: Db): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  return new Migrator({ db, provider });
}

/**
 * Applies the migrations not applied yet; returns their names. On PostgreSQL Kysely runs them in
 * one transaction under a session advisory lock, so concurrent callers (several `moda migrate`, or
 * replicas starting with MODA_MIGRATE_ON_START) apply each migration exactly once.
 */
export async function migrateDatabase(db: Db): Promise<string[]> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error) throw new ModaError('CONFIG_INVALID', `database migration failed: ${String(error)}`, { cause: error });
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** The migrations this build knows that the database has not had yet. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  // Before the first migration there is no migrations table, and everything is pending.
  const known = await migrator(db).getMigrations().catch(() => undefined);
  return known === undefined ? Object.keys(migrations) : known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

async function waitForMigrations(db: Db, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = await pendingMigrations(db);
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      throw new ModaError('DB_MIGRATIONS_PENDING', `the database lacks migrations ${pending.join(', ')}; run \`moda migrate\` (MODA_MIGRATE_ON_START is off)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
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

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
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
  if (isPostgresUrl(databaseUrl)) {
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 10 }) });
  }
  throw new ModaError('CONFIG_INVALID', `MODA_DATABASE_URL must be "sqlite", "sqlite:<file>" or a postgres:// URL, got "${databaseUrl}"`);
}
