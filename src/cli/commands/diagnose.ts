// kleak diagnose: every collector that applies, every rule, one report; the CI gate.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../../collectors/cluster/connection-options.js';
import { diagnose } from '../../core/diagnose.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, parseDuration, parsePid } from '../options.js';
import { addDriveOptions, checkUrl, drivePlanFromFlags, type DriveFlags } from '../drive-options.js';
import { addReportOptions, prepareReport, writeReport, type ReportFlags } from '../report.js';
import { runtimeAndScanRules } from '../../scan/rules/index.js';

function checkSourceDir(dir: string): string {
  const path = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir)
    throw new UsageError(`--source ${dir} is not a directory kleak can read.`, { hint: "Give the service's source tree, e.g. --source ./services/orders." });
  return path;
}

interface DiagnoseFlags extends ConnectionFlags, ReportFlags, DriveFlags {
  stacks?: boolean;
  pid: number[];
  children?: boolean;
  brokers?: string;
  pprof?: string;
  probe?: boolean;
  heap?: boolean;
  yes?: boolean;
  duration?: string;
  interval: string;
  group: string[];
  source?: string;
  shutdown?: boolean;
  grace: string;
  killAfter?: string;
}

export function registerDiagnose(program: Command, ctx: CliContext): void {
  const command = program
    .command('diagnose')
    .description('run every collector that applies and print findings with fixes')
    .requiredOption('-p, --pid <pid>', 'process id (repeatable)', parsePid)
    .option('--children', 'include every descendant process')
    .option('--bootstrap <host:port,...>', 'the cluster: broker attribution, groups, settings')
    .option('--brokers <host:port,...>', 'treat these addresses as the brokers')
    .option('--pprof <url>', "a Go service's pprof base URL")
    .option('--probe', 'look for net/http/pprof on the ports the process listens on')
    .option('--heap', 'take a heap snapshot of a Node process (its inspector) or a heap dump of a JVM (attach, GC.heap_dump); pauses it; needs --yes')
    .option('--stacks', 'a Python process: its threads and stacks through py-spy (ptrace rights; never paused); needs --yes')
    .option('--shutdown', 'last, send SIGTERM and check the shutdown: final commit, LeaveGroup, sockets closed, exit in time (needs --yes)')
    .option('--grace <duration>', 'with --shutdown: the grace period', '30s')
    .option('--kill-after <duration>', 'with --shutdown: SIGKILL this long after the grace period if still alive (never otherwise)')
    .option('--yes', 'consent to pausing the process for the heap snapshot, and to the signal of --shutdown')
    .option('--duration <duration>', 'without --drive: watch for this long')
    .option('--interval <duration>', 'time between samples', '1s')
    .option('--group <group>', 'only this consumer group (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--source <dir>', "the service's source tree: also run the static scan and confirm runtime findings at their line in the code")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak diagnose --pid 4242 --bootstrap 127.0.0.1:9092 --pprof http://127.0.0.1:6060\n  $ kleak diagnose --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50 --probe --format markdown --output report.md\n  $ kleak diagnose --pid 4242 --drive http://127.0.0.1:8080/produce --fail-on warning --baseline main.json\n  $ kleak diagnose --pid 4242 --pprof http://127.0.0.1:6060 --drive http://127.0.0.1:8080/produce --source ./services/orders',
    );
  addReportOptions(addConnectionOptions(addDriveOptions(command)), { formatHelp: 'report format (default: table on a terminal, json when piped)' }).action(
    async (flags: DiagnoseFlags) => {
      const prepared = prepareReport(flags, ctx.io.isTty && !flags.output ? 'table' : 'json');
      const drive = drivePlanFromFlags(flags);
      const source = flags.source === undefined ? undefined : checkSourceDir(flags.source);
      // locations are shown relative to the source tree unless --source-root says otherwise
      if (source && !flags.sourceRoot) prepared.sourceRoot = source;
      if (flags.heap && !flags.yes) {
        throw new UsageError(
          '--heap takes a heap snapshot through the inspector (Node) or has a JVM write a heap dump through attach (a full GC first): the process pauses while it is written, and a Node process may need up to twice its heap in memory. Confirm with --yes.',
          { hint: 'Add --yes (the inspector is closed again afterwards).' },
        );
      }
      if (flags.stacks && !flags.yes) {
        throw new UsageError(
          "--stacks reads a Python process's threads and stacks with py-spy, through its memory (ptrace rights; --nonblocking: it is never paused). Confirm with --yes.",
          { hint: 'Add --yes.' },
        );
      }
      if (flags.shutdown && !flags.yes) {
        throw new UsageError('--shutdown sends SIGTERM to the process once everything else is measured: it will shut down. Confirm with --yes.', {
          hint: 'Add --yes; or run kleak shutdown-check on its own.',
        });
      }
      if (flags.shutdown && flags.pid.length !== 1) throw new UsageError('--shutdown checks one process: give one --pid.');
      const run = await diagnose({
        pids: flags.pid,
        children: flags.children,
        bootstrap: flags.bootstrap ? parseHostPorts(flags.bootstrap, '--bootstrap') : undefined,
        brokers: flags.brokers ? parseHostPorts(flags.brokers, '--brokers') : undefined,
        connection: connectionFromFlags(flags),
        pprof: flags.pprof === undefined ? undefined : checkUrl(flags.pprof, '--pprof', 'http://127.0.0.1:6060'),
        probe: flags.probe,
        heap: flags.heap,
        stacks: flags.stacks,
        drive,
        durationMs: flags.duration ? parseDuration(flags.duration, '--duration') : 0,
        intervalMs: parseDuration(flags.interval, '--interval'),
        groupIds: flags.group.length ? flags.group : undefined,
        ...(source ? { source } : {}),
        ...(flags.shutdown
          ? {
              shutdown: {
                graceMs: parseDuration(flags.grace, '--grace'),
                ...(flags.killAfter ? { killAfterMs: parseDuration(flags.killAfter, '--kill-after') } : {}),
              },
            }
          : {}),
        onProgress: (m) => ctx.io.stderr(ctx.chalk.dim(`kleak: ${m}\n`)),
      });
      writeReport(ctx, prepared, run, source ? { rules: runtimeAndScanRules } : {});
    },
  );
}
