// `moda migrate-db`: copies a single-machine MODA_HOME's SQLite database into PostgreSQL, named as
// `moda migrate-storage` is for blobs. The target's schema is brought up to date first; the copy is
// one transaction (db/copy-database.ts), so an interrupted run leaves the target as it was and is
// simply run again. Stop every server on the source first: rows written during the copy are not in it.
import type { Command } from 'commander';
import { isPostgresUrl, connectDatabase, migrateDatabase, pendingMigrations, type Db } from '../../db/open-database.js';
import { copyDatabase } from '../../db/copy-database.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModaError } from '../../errors/moda-error.js';
import { cliConfig, printLine, type CliIo } from '../cli-context.js';

interface MigrateDbOptions {
  from?: string;
  to?: string;
  replace?: boolean;
}

export function registerMigrateDb(program: Command, io: CliIo): void {
  program
    .command('migrate-db')
    .description('Copy every table of a SQLite database (default $MODA_HOME/moda.sqlite) into PostgreSQL, in one transaction, checking row counts')
    .option('--from <url>', 'source: sqlite:<file> (default: sqlite:$MODA_HOME/moda.sqlite)')
    .option('--to <url>', 'target: postgres://… (default: MODA_DATABASE_URL)')
    .option('--replace', 'overwrite a target that already holds rows (otherwise it is refused)')
    .action(async (options: MigrateDbOptions, command: Command) => {
      const config = cliConfig(command, io);
      const from = options.from ?? `sqlite:${join(config.home, 'moda.sqlite')}`;
      const to = options.to ?? config.databaseUrl;
      if (!from.startsWith('sqlite:') || from.length === 'sqlite:'.length) throw new ModaError('VALIDATION_FAILED', `--from must be sqlite:<file>, got "${from}"`);
      const file = from.slice('sqlite:'.length);
      // Opening a missing file would create an empty database and copy nothing.
      if (!existsSync(file)) throw new ModaError('VALIDATION_FAILED', `--from: no SQLite database at ${file}`);
      if (!isPostgresUrl(to)) throw new ModaError('VALIDATION_FAILED', `--to (or MODA_DATABASE_URL) must be a postgres:// URL, got "${to.replace(/\/\/[^@/]*@/, '//…@')}"`);
      const source = connectDatabase({ home: config.home, databaseUrl: from });
      let target: Db | undefined;
      try {
        const pending = await pendingMigrations(source);
        if (pending.length > 0) throw new ModaError('DB_MIGRATIONS_PENDING', `the source database lacks migrations ${pending.join(', ')}; start this Moda version on it once (or run \`moda migrate\` with MODA_DATABASE_URL=${from}) first`);
        target = connectDatabase({ home: config.home, databaseUrl: to });
        const applied = await migrateDatabase(target);
        if (applied.length > 0) printLine(io.stderr, `target schema: applied ${applied.length} migration(s)`);
        let total = 0;
        const copied = await copyDatabase(source, target, {
          replace: options.replace,
          onTable: ({ table, rows }) => {
            total += rows;
            printLine(io.stderr, `${table}: ${rows} row(s)`);
          },
        });
        printLine(io.stdout, `copied ${copied.length} table(s), ${total} row(s); row counts match the source`);
      } finally {
        await source.destroy();
        await target?.destroy();
      }
    });
}
