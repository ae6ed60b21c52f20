// kleak sockets: one inventory of a process's sockets, per broker and TCP state.
import type { Command } from 'commander';
import { inspectSockets } from '../../core/sockets.js';
import { renderSocketsTable, toSocketsJson } from '../../report/sockets-view.js';
import type { CliContext } from '../context.js';
import { brokerFlags, type AttributionFlags } from '../attribution.js';
import { addTargetOptions } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface SocketsFlags extends AttributionFlags, ReportFlags {
  pid: number[];
  children?: boolean;
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
      '\nExamples:\n  $ kleak sockets --pid 4242 --bootstrap 127.0.0.1:9092\n  $ kleak sockets --pid 4242 --children --brokers 10.0.0.5:9092,10.0.0.6:9092 --json',
    );
  addReportOptions(addTargetOptions(command)).action(async (flags: SocketsFlags) => {
    const prepared = prepareReport(flags);
    const run = await inspectSockets({ pids: flags.pid, children: flags.children, ...brokerFlags(flags) });
    writeReport(ctx, prepared, run, socketsView, ['sockets']);
  });
}
