// `moda migrate`: brings the database schema up to date once, for a cluster whose replicas start
// with MODA_MIGRATE_ON_START=0 (a Kubernetes Job, a compose service run before the web replicas).
// On PostgreSQL the migrations run in one transaction under an advisory lock, so a second
// `moda migrate` or a replica starting meanwhile waits, and then finds nothing left to do.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { connectDatabase, migrateDatabase } from '../../db/open-database.js';
import { printLine, type CliIo } from '../cli-context.js';

export function registerMigrate(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('Apply the pending database migrations (MODA_DATABASE_URL) and exit')
    .action(async () => {
      const config = loadConfig(io.env);
      const db = connectDatabase(config);
      try {
        const applied = await migrateDatabase(db);
        printLine(io.stdout, applied.length === 0 ? 'Database schema is up to date; nothing to apply' : `Applied ${applied.length} migration(s): ${applied.join(', ')}`);
      } finally {
        await db.destroy();
      }
    });
}
