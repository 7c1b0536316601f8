// `moda doctor`: checks the configuration `moda serve` would run with (the same environment and
// MODA_HOME) for unsafe settings; exits 1 when any check fails.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { checkConfiguration } from '../../server/doctor/check-configuration.js';
import { printJson, printLine, type CliIo } from '../cli-context.js';
import { jsonOption } from '../command-options.js';
import { formatTable } from '../format-output.js';

export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('Check the server configuration (environment, MODA_HOME) for unsafe settings; exit 1 on a failure')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = loadConfig(io.env);
      const findings = await checkConfiguration(config, async (path) => (await stat(path).catch(() => undefined))?.mode);
      if (options.json) printJson(io, findings);
      else printLine(io.stdout, formatTable([['SEVERITY', 'CHECK', 'FINDING'], ...findings.map((finding) => [finding.severity.toUpperCase(), finding.check, finding.message])]));
      const failures = findings.filter((finding) => finding.severity === 'fail').length;
      if (failures > 0) {
        printLine(io.stderr, `${failures} check(s) failed`);
        command.error('', { exitCode: 1, code: 'moda.doctor.failed' });
      }
    });
}
