// kleak sockets: one inventory of a process's sockets, per broker and TCP state.
import type { Command } from 'commander';
import { inspectSockets } from '../../core/sockets.js';
import { renderSocketsTable, toSocketsJson } from '../../report/sockets-view.js';
import type { CliContext } from '../context.js';
import { consent } from '../consent.js';
import { brokerFlags, type AttributionFlags } from '../attribution.js';
import { addTargetOptions } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface SocketsFlags extends AttributionFlags, ReportFlags {
  pid: number[];
  children?: boolean;
  attach?: boolean;
  stacks?: boolean;
  yes?: boolean;
}

export const socketsView: CommandView = {
  table: (run, chalk) => renderSocketsTable(run.evidence.sockets!, run.diagnosis.findings, chalk),
  json: (run) => toSocketsJson(run.evidence.sockets!, run.diagnosis.findings),
};

export function registerSockets(program: Command, ctx: CliContext): void {
  const command = program
    .command('sockets')
    .description("inventory of a process's sockets, per broker and TCP state")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak sockets --pid 4242 --bootstrap 127.0.0.1:9092\n  $ kleak sockets --pid 4242 --children --brokers 10.0.0.5:9092,10.0.0.6:9092 --json\n  $ kleak sockets --pid 4242 --attach --yes   # a JVM: its thread dump and class histogram\n  $ kleak sockets --pid 4242 --stacks --yes   # a Python process: its threads and stacks (py-spy)',
    );
  command
    .option(
      '--attach',
      'a JVM: read its thread dump (whole client ids) and class histogram through the HotSpot attach protocol — SIGQUIT starts its Attach Listener, which stays; GC.class_histogram forces a full GC (a pause). Never sent to a JVM that does not catch SIGQUIT (-Xrs) or forbids attach',
    )
    .option(
      '--stacks',
      'a Python process: read its threads and their stacks with py-spy (pip install py-spy): from outside, without pausing it (--nonblocking); needs ptrace rights over it',
    )
    .option('--yes', 'with --attach or --stacks: do not ask first');
  addReportOptions(addTargetOptions(command)).action(async (flags: SocketsFlags) => {
    const prepared = prepareReport(flags);
    if (flags.attach)
      await consent(
        ctx,
        `kleak will attach to the JVM among PID ${flags.pid.join(', ')} (HotSpot's attach protocol: SIGQUIT starts its Attach Listener thread, which stays for the JVM's life) and run Thread.print and GC.class_histogram (a full GC: a pause).`,
        flags.yes,
        'Cancelled: nothing was attached.',
      );
    if (flags.stacks)
      await consent(
        ctx,
        `kleak will read the threads and stacks of the Python process among PID ${flags.pid.join(', ')} with py-spy (ptrace rights; it reads the interpreter's memory and never pauses it).`,
        flags.yes,
        'Cancelled: nothing was read.',
      );
    const run = await inspectSockets({ pids: flags.pid, children: flags.children, attach: flags.attach, stacks: flags.stacks, ...brokerFlags(flags) });
    writeReport(ctx, prepared, run, socketsView, ['sockets']);
  });
}
