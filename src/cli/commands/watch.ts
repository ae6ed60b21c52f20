// kleak watch: samples over time; with --drive, the change per request.
import type { Command } from 'commander';
import { watchProcess } from '../../core/watch.js';
import { UsageError } from '../../errors.js';
import { LiveView } from '../../report/watch-live.js';
import { renderWatchSummary, sampleHeader, sampleJson, sampleRow, toWatchJson } from '../../report/watch-view.js';
import type { CliContext } from '../context.js';
import { brokerFlags, type AttributionFlags } from '../attribution.js';
import { addTargetOptions, parseDuration } from '../options.js';
import { addDriveOptions, checkUrl, drivePlanFromFlags, type DriveFlags } from '../drive-options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface WatchFlags extends AttributionFlags, ReportFlags, DriveFlags {
  pid: number[];
  children?: boolean;
  interval: string;
  duration: string;
  pprof?: string;
}

export const watchView: CommandView = {
  table: (run, chalk) => renderWatchSummary(run.evidence.watch!, run.diagnosis.findings, chalk),
  json: (run) => toWatchJson(run.evidence.watch!, run.diagnosis.findings),
  jsonLine: true,
};

export function registerWatch(program: Command, ctx: CliContext): void {
  const command = program
    .command('watch')
    .description('sample sockets over time; with --drive, growth per request')
    .option('--interval <duration>', 'time between samples', '1s')
    .option('--duration <duration>', 'how long to watch (without --drive)', '30s')
    .option('--pprof <url>', "a Go service's pprof base URL: count goroutines too")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak watch --pid 4242 --interval 2s --duration 2m\n  $ kleak watch --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50 --pprof http://127.0.0.1:8080',
    );
  addReportOptions(addTargetOptions(addDriveOptions(command))).action(async (flags: WatchFlags) => {
    const prepared = prepareReport(flags);
    const intervalMs = parseDuration(flags.interval, '--interval');
    if (intervalMs < 50) throw new UsageError(`--interval ${flags.interval} is too short.`, { hint: 'Sample at most every 50ms.' });
    const durationMs = parseDuration(flags.duration, '--duration');
    const drive = drivePlanFromFlags(flags);
    // samples stream to stdout only where the report goes there too and is a table or JSON Lines
    const toStdout = !prepared.output && (prepared.format === 'table' || prepared.format === 'json');
    const write = toStdout ? ctx.io.stdout : ctx.io.stderr;
    const live =
      toStdout && prepared.format === 'table' && ctx.io.isTty
        ? new LiveView(ctx.io.stdout, { durationMs: drive ? undefined : durationMs, chalk: ctx.chalk, columns: ctx.io.columns })
        : undefined;
    let printedHeader = false;
    const run = await watchProcess({
      pids: flags.pid,
      children: flags.children,
      ...brokerFlags(flags),
      intervalMs,
      durationMs,
      pprofUrl: flags.pprof === undefined ? undefined : checkUrl(flags.pprof, '--pprof', 'http://127.0.0.1:6060'),
      drive,
      onSample: (sample) => {
        if (prepared.format === 'json' && toStdout) {
          ctx.jsonLines = true;
          return write(sampleJson(sample));
        }
        if (live) return live.update(sample);
        if (!printedHeader) write(sampleHeader(sample.goroutines !== undefined));
        printedHeader = true;
        write(sampleRow(sample));
      },
    });
    writeReport(ctx, prepared, run, watchView, ['watch']);
  });
}
