// kleak report: a JSON diagnosis written earlier, rendered again in any format and gated with --fail-on
// and --baseline (one diagnose run, then Markdown for people and SARIF for code scanning).
import type { Command } from 'commander';
import { readDiagnosis } from '../../core/report.js';
import type { CliContext } from '../context.js';
import { addReportOptions, prepareReport, writeReport, type ReportFlags } from '../report.js';

export function registerReport(program: Command, ctx: CliContext): void {
  const command = program
    .command('report')
    .argument('<file>', 'a JSON report of kleak diagnose (--format json --output FILE)')
    .description('render a saved diagnosis in another format, and gate it again')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak report kleak.json --format sarif --output kleak.sarif\n  $ kleak report kleak.json --format markdown --baseline main.json --fail-on warning',
    );
  addReportOptions(command).action((file: string, flags: ReportFlags) => {
    const prepared = prepareReport(flags);
    writeReport(ctx, prepared, readDiagnosis(file));
  });
}
