// kleak diagnose: every collector that applies, every rule, one report; the CI gate.
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../../collectors/cluster/connection-options.js';
import { diagnose } from '../../diagnose.js';
import { UsageError } from '../../errors.js';
import { formats, reporters, type Format } from '../../report/index.js';
import { readBaseline, newOrWorse } from '../baseline.js';
import { exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, parseDuration, parsePid, type OutputFlags } from '../options.js';
import { addDriveOptions, drivePlanFromFlags, type DriveFlags } from '../drive-options.js';
import { failOnLevels } from '../exit-code.js';

interface DiagnoseFlags extends ConnectionFlags, Omit<OutputFlags, 'format'>, DriveFlags {
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
  format?: Format;
  output?: string;
  baseline?: string;
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
    .option('--heap', 'take a V8 heap snapshot of a Node process through its inspector (pauses it; needs --yes)')
    .option('--yes', 'consent to pausing the process for the heap snapshot')
    .option('--duration <duration>', 'without --drive: watch for this long')
    .option('--interval <duration>', 'time between samples', '1s')
    .option('--group <group>', 'only this consumer group (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--json', 'same as --format json')
    .addOption(new Option('--format <format>', 'report format (default: table on a terminal, json when piped)').choices([...formats]))
    .option('--output <file>', 'write the report to this file and print a short summary on stderr')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices(failOnLevels as string[]).default('error'))
    .option('--baseline <file>', 'an earlier JSON report: fail only on new or worse findings')
    .addHelpText('after', '\nExamples:\n  $ kleak diagnose --pid 4242 --bootstrap 127.0.0.1:9092 --pprof http://127.0.0.1:6060\n  $ kleak diagnose --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50 --probe --format markdown --output report.md\n  $ kleak diagnose --pid 4242 --drive http://127.0.0.1:8080/produce --fail-on warning --baseline main.json');
  addConnectionOptions(addDriveOptions(command)).action(async (flags: DiagnoseFlags) => {
    const format: Format = flags.json ? 'json' : (flags.format ?? (ctx.io.isTty && !flags.output ? 'table' : 'json'));
    const drive = drivePlanFromFlags(flags);
    if (flags.heap && !flags.yes) {
      throw new UsageError('--heap takes a heap snapshot through the inspector: the process pauses while V8 writes it and may need up to twice its heap in memory. Confirm with --yes.', { hint: 'Add --yes (the inspector is closed again afterwards).' });
    }
    const baseline = flags.baseline ? readBaseline(flags.baseline) : undefined;
    const { diagnosis } = await diagnose({
      pids: flags.pid,
      children: flags.children,
      bootstrap: flags.bootstrap ? parseHostPorts(flags.bootstrap, '--bootstrap') : undefined,
      brokers: flags.brokers ? parseHostPorts(flags.brokers, '--brokers') : undefined,
      connection: connectionFromFlags(flags),
      pprof: flags.pprof,
      probe: flags.probe,
      heap: flags.heap,
      drive,
      durationMs: flags.duration ? parseDuration(flags.duration, '--duration') : 0,
      intervalMs: parseDuration(flags.interval, '--interval'),
      groupIds: flags.group.length ? flags.group : undefined,
      onProgress: (m) => ctx.io.stderr(ctx.chalk.dim(`kleak: ${m}\n`)),
    });
    const gated = baseline ? newOrWorse(diagnosis.findings, baseline) : diagnosis.findings;
    const text = reporters[format](diagnosis, { chalk: ctx.chalk });
    if (flags.output) {
      writeFileSync(flags.output, text);
      const counts = ['error', 'warning', 'info'].map((s) => `${diagnosis.findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
      ctx.io.stderr(`kleak: ${diagnosis.findings.length} finding${diagnosis.findings.length === 1 ? '' : 's'} (${counts})${diagnosis.findings.length ? `: ${diagnosis.findings.map((f) => f.ruleId).join(', ')}` : ''}; ${format} report written to ${flags.output}\n`);
    } else {
      ctx.io.stdout(text);
    }
    if (baseline) ctx.io.stderr(`kleak: ${gated.length} new or worse than the baseline${gated.length ? `: ${gated.map((f) => f.ruleId).join(', ')}` : ''}\n`);
    ctx.exitCode = exitCodeFor(gated, flags.failOn);
  });
}
