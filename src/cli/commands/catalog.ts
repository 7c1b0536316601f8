// `moda catalog list|import`: the starter models that ship with Moda, imported into $MODA_HOME's
// hub as repos under the `moda` organization (the server does the same on start unless MODA_CATALOG=0).
import type { Command } from 'commander';
import { importCatalog } from '../../catalog/import-catalog.js';
import { readCatalog, resolveCatalogSource } from '../../catalog/read-catalog.js';
import { isModaError } from '../../errors/moda-error.js';
import { openHub } from '../../server/start-server.js';
import { cliConfig, printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

export function registerCatalog(program: Command, io: CliIo): void {
  const catalog = program.command('catalog').description('Starter models and datasets shipped with Moda');

  catalog
    .command('list')
    .description('List the starter models and datasets and whether their files are installed here')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      const entries = await readCatalog();
      const rows = await Promise.all(
        entries.map(async (entry) => {
          const missing = await Promise.all(entry.files.map((file) => resolveCatalogSource(entry, file.from).then(() => undefined, (error: unknown) => (isModaError(error) ? error.message : String(error)))));
          const problem = missing.find((message) => message !== undefined);
          return { name: entry.name, type: entry.type, repo: entry.repo, version: entry.version, installed: problem === undefined, ...(problem && { missing: problem }) };
        }),
      );
      if (options.json) return printJson(io, rows);
      printLine(io.stdout, formatTable([['REPO', 'TYPE', 'VERSION', 'FILES'], ...rows.map((row) => [row.repo, row.type, String(row.version), row.installed ? 'installed' : `missing: ${row.missing ?? ''}`])]));
    });

  catalog
    .command('import')
    .description('Import starter models and datasets into the hub in $MODA_HOME (all, or the named ones)')
    .argument('[names...]', 'entry names or repo ids, e.g. moda/ocr-ppocrv4-zh')
    .addOption(jsonOption())
    .action(async (names: string[], options: { json?: boolean }, command: Command) => {
      const hub = await openHub(cliConfig(command, io));
      try {
        const results = await importCatalog(hub, { only: names });
        if (options.json) return printJson(io, results);
        for (const result of results) printLine(io.stdout, `${result.repo}: ${result.status}${result.commit ? ` ${result.commit.slice(0, 12)}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
      } finally {
        await hub.db.destroy();
      }
    });
}
