// kleak watch: samples over time; with --drive, the change per request.
import type { Command } from 'commander';
import { runWatch } from '../../collectors/watch/index.js';
import { InputError, UsageError } from '../../errors.js';
import { rules } from '../../rules/index.js';
import { runRules } from '../../rules/run-rules.js';
import { LiveView } from '../../report/watch-live.js';
import { renderWatchSummary, sampleHeader, sampleJson, sampleRow, toWatchJson } from '../../report/watch-view.js';
import { ExitCode, exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { brokerAttribution, type AttributionFlags } from '../attribution.js';
import { addOutputOptions, addTargetOptions, parseDuration, wantsJson, type OutputFlags } from '../options.js';
import { addDriveOptions, drivePlanFromFlags, type DriveFlags } from '../drive-options.js';

interface WatchFlags extends AttributionFlags, OutputFlags, DriveFlags {
  pid: number[];
  children?: boolean;
  interval: string;
  duration: string;
  pprof?: string;
}

export function registerWatch(program: Command, ctx: CliContext): void {
  const command = program
    .command('watch')
    .description('sample sockets over time; with --drive, growth per request')
    .option('--interval <duration>', 'time between samples', '1s')
    .option('--duration <duration>', 'how long to watch (without --drive)', '30s')
    .option('--pprof <url>', "a Go service's pprof base URL: count goroutines too")
    .addHelpText('after', '\nExamples:\n  $ kleak watch --pid 4242 --interval 2s --duration 2m\n  $ kleak watch --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50 --pprof http://127.0.0.1:8080');
  addOutputOptions(addTargetOptions(addDriveOptions(command))).action(async (flags: WatchFlags) => {
    const json = wantsJson(flags);
    const intervalMs = parseDuration(flags.interval, '--interval');
    if (intervalMs < 50) throw new UsageError(`--interval ${flags.interval} is too short.`, { hint: 'Sample at most every 50ms.' });
    const durationMs = parseDuration(flags.duration, '--duration');
    const drive = drivePlanFromFlags(flags);
    const attribution = await brokerAttribution(flags);
    let printedHeader = false;
    // a terminal gets one panel redrawn in place; a pipe or a file gets a row per sample
    const live = !json && ctx.io.isTty ? new LiveView(ctx.io.stdout, { durationMs: drive ? undefined : durationMs, chalk: ctx.chalk, columns: ctx.io.columns }) : undefined;
    const result = await runWatch({
      sockets: { pids: flags.pid, children: flags.children, endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings },
      intervalMs,
      durationMs,
      pprofUrl: flags.pprof,
      drive,
      onSample: (sample) => {
        if (json) return ctx.io.stdout(sampleJson(sample));
        if (live) return live.update(sample);
        if (!printedHeader) ctx.io.stdout(sampleHeader(sample.goroutines !== undefined));
        printedHeader = true;
        ctx.io.stdout(sampleRow(sample));
      },
    });
    const { findings } = runRules(rules, { watch: result, sockets: result.last });
    ctx.io.stdout(json ? `${JSON.stringify(toWatchJson(result, findings))}\n` : renderWatchSummary(result, findings, ctx.chalk));
    ctx.exitCode = exitCodeFor(findings, flags.failOn);
    if (result.exited) {
      ctx.exitCode = ExitCode.cannotDo;
      const e = new InputError(`PID ${result.exited.pid} exited ${(result.exited.afterMs / 1000).toFixed(1)} s into the watch; ${result.samples.length} samples were taken before it did (reported above).`, { hint: 'Watch a process that stays up, or a shorter --duration.' });
      ctx.io.stderr(`${ctx.chalk.red('kleak:')} ${e.message}\n  hint: ${e.hint}\n`);
    }
  });
}
