// kleak pprof: Go goroutine and heap profiles, classified by Kafka library and role.
import type { Command } from 'commander';
import { inspectPprof } from '../../core/pprof.js';
import { renderPprofTable, toPprofJson } from '../../report/pprof-view.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface PprofFlags extends ReportFlags {
  compare?: string[];
  after?: string;
  timeout: string;
}

export function pprofView(sources: string[]): CommandView {
  return {
    table: (run, chalk) => renderPprofTable(run.evidence, run.diagnosis.findings, chalk),
    json: (run) => toPprofJson(run.evidence, sources, run.diagnosis.findings),
  };
}

export function registerPprof(program: Command, ctx: CliContext): void {
  const command = program
    .command('pprof')
    .argument('<sources...>', "a Go service's pprof base URL, or goroutine dump / heap profile files")
    .description('Go goroutine and heap profiles, classified by Kafka library and role')
    .option('--compare <sources...>', 'an earlier profile (URL or files) to compare with: deltas per role')
    .option('--after <duration>', 'with a URL: profile now and again after this long, and compare')
    .option('--timeout <duration>', 'bound on each HTTP fetch', '10s')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak pprof http://127.0.0.1:6060\n  $ kleak pprof goroutines.txt heap.pb.gz\n  $ kleak pprof http://127.0.0.1:6060 --after 30s\n  $ kleak pprof after.txt --compare before.txt',
    );
  addReportOptions(command).action(async (sources: string[], flags: PprofFlags) => {
    const prepared = prepareReport(flags);
    const run = await inspectPprof({
      sources,
      compare: flags.compare,
      afterMs: flags.after === undefined ? undefined : parseDuration(flags.after, '--after'),
      timeoutMs: parseDuration(flags.timeout, '--timeout'),
    });
    writeReport(ctx, prepared, run, pprofView(sources));
  });
}
