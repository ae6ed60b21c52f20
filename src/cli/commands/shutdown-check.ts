// kleak shutdown-check: send SIGTERM (with --yes) and prove the service shuts down gracefully: accepted
// messages flushed, a final commit, LeaveGroup, broker sockets closed, exit within the grace period.
import { Option, type Command } from 'commander';
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../../collectors/cluster/connection-options.js';
import { checkShutdown } from '../../core/shutdown.js';
import { UsageError } from '../../errors.js';
import { renderShutdownTable, toShutdownJson } from '../../report/shutdown-view.js';
import type { CliContext } from '../context.js';
import { consent } from '../consent.js';
import { checkUrl, parseHeaders } from '../drive-options.js';
import { addConnectionOptions, parseDuration, parsePositiveInt } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface ShutdownFlags extends ConnectionFlags, ReportFlags {
  bootstrap: string;
  pid?: string;
  exec?: string;
  ready?: string;
  readyTimeout: string;
  repeat: string;
  drive?: string;
  method: string;
  idHeader?: string;
  header: string[];
  concurrency: string;
  lead: string;
  trail: string;
  topic: string[];
  group: string[];
  grace: string;
  prestop: string;
  signal: string;
  killAfter?: string;
  pprof?: string;
  yes?: boolean;
}

export const shutdownView: CommandView = {
  table: (run, chalk) => renderShutdownTable(run.evidence.shutdown!, run.diagnosis.findings, chalk),
  json: (run) => toShutdownJson(run.evidence.shutdown!, run.diagnosis.findings),
};

const repeatable = (v: string, prev: string[]) => [...prev, v];

export function registerShutdownCheck(program: Command, ctx: CliContext): void {
  const command = program
    .command('shutdown-check')
    .description('send SIGTERM and verify flush, final commit, LeaveGroup, sockets closed and exit within the grace period')
    .requiredOption('--bootstrap <host:port,...>', 'brokers to connect to')
    .option('-p, --pid <pid>', 'the running service to signal (asks first; --yes in scripts)')
    .option('--exec <command>', 'start the service, wait until it is ready, exercise it, stop it (kleak is its parent: exact exit status)')
    .option('--ready <url>', 'with --exec: ready when this URL answers 2xx (else: when it has a broker connection)')
    .option('--ready-timeout <duration>', 'with --exec: bound on waiting for ready and for its group to settle', '60s')
    .option('--repeat <n>', 'with --exec: start and stop it this many times', '1')
    .option('--drive <url>', 'send requests with unique ids through the signal, then look for each accepted id in --topic')
    .option('--method <method>', 'HTTP method for --drive', 'POST')
    .option('--id-header <name>', 'send each id in this header (default: as the body)')
    .option('--header <header>', 'request header "Name: value" (repeatable)', repeatable, [] as string[])
    .option('--concurrency <n>', 'requests in flight at once with --drive', '2')
    .option('--lead <duration>', 'drive this long before the signal', '1s')
    .option('--trail <duration>', 'and this long after it (traffic still reaches a terminating pod), or until it exits', '1s')
    .option('--topic <topic>', 'where the driven messages go (repeatable)', repeatable, [] as string[])
    .option('--group <group>', "the service's consumer group (repeatable; default: every group with a member from its address)", repeatable, [] as string[])
    .option('--grace <duration>', "the grace period (Kubernetes' terminationGracePeriodSeconds)", '30s')
    .option('--prestop <duration>', 'a preStop hook that runs first, within the grace period', '0s')
    .addOption(new Option('--signal <signal>', 'the signal to send').choices(['TERM', 'INT', 'SIGTERM', 'SIGINT']).default('TERM'))
    .option('--kill-after <duration>', 'send SIGKILL this long after the grace period if it is still alive (never otherwise)')
    .option('--pprof <url>', 'Go: the pprof endpoint for a goroutine dump when it does not exit (default: found on its ports)')
    .option('--yes', 'send the signal without asking')
    .addHelpText(
      'after',
      `
Examples:
  $ kleak shutdown-check --pid 4242 --bootstrap 127.0.0.1:9092 --group orders --yes
  $ kleak shutdown-check --exec "./orders-svc" --ready http://127.0.0.1:8080/healthz --bootstrap 127.0.0.1:9092 \\
      --drive http://127.0.0.1:8080/produce --topic orders --repeat 5 --fail-on warning
The signal is sent only with --yes (or a "y" on a terminal); SIGKILL only with --kill-after.`,
    );
  addReportOptions(addConnectionOptions(command)).action(async (flags: ShutdownFlags) => {
    if (!flags.pid === !flags.exec)
      throw new UsageError('Give --pid or --exec, one of the two.', { hint: 'kleak shutdown-check --pid 4242 --bootstrap 127.0.0.1:9092 --yes' });
    const pid = flags.pid === undefined ? undefined : Number(flags.pid);
    if (pid !== undefined && (!Number.isInteger(pid) || pid <= 1 || pid === process.pid))
      throw new UsageError(`--pid "${flags.pid}" is not a process kleak can signal.`, { hint: 'Find the PID with `pgrep -af NAME` or `ps aux`.' });
    const repeat = parsePositiveInt(flags.repeat, '--repeat');
    if (repeat < 1 || repeat > 100) throw new UsageError('--repeat must be between 1 and 100.');
    if (repeat > 1 && !flags.exec) throw new UsageError('--repeat needs --exec: kleak can restart only a service it starts itself.');
    if (flags.ready && !flags.exec) throw new UsageError('--ready is for --exec: a service given by --pid is already running.');
    if (flags.ready) checkUrl(flags.ready, '--ready', 'http://127.0.0.1:8080/healthz');
    if (flags.drive) checkUrl(flags.drive, '--drive', 'http://127.0.0.1:8080/produce');
    if (flags.pprof) checkUrl(flags.pprof, '--pprof', 'http://127.0.0.1:6060');
    const concurrency = parsePositiveInt(flags.concurrency, '--concurrency');
    if (concurrency < 1 || concurrency > 16) throw new UsageError('--concurrency must be between 1 and 16 for shutdown-check.');
    const graceMs = parseDuration(flags.grace, '--grace');
    const prestopMs = parseDuration(flags.prestop, '--prestop');
    if (prestopMs >= graceMs)
      throw new UsageError(`--prestop (${flags.prestop}) leaves nothing of --grace (${flags.grace}).`, {
        hint: 'The preStop hook runs within the grace period.',
      });
    const signal = (flags.signal.startsWith('SIG') ? flags.signal : `SIG${flags.signal}`) as NodeJS.Signals;
    const prepared = prepareReport(flags);
    const request = {
      ...(pid !== undefined ? { pid } : {}),
      ...(flags.exec
        ? {
            exec: { command: flags.exec, ...(flags.ready ? { ready: flags.ready } : {}), readyTimeoutMs: parseDuration(flags.readyTimeout, '--ready-timeout') },
          }
        : {}),
      repeat,
      bootstrap: parseHostPorts(flags.bootstrap, '--bootstrap'),
      connection: connectionFromFlags(flags),
      groups: flags.group,
      topics: flags.topic,
      ...(flags.drive
        ? {
            drive: {
              url: flags.drive,
              method: flags.method.toUpperCase(),
              ...(flags.idHeader ? { idHeader: flags.idHeader } : {}),
              headers: parseHeaders(flags.header),
              concurrency,
              leadMs: parseDuration(flags.lead, '--lead'),
              trailMs: parseDuration(flags.trail, '--trail'),
            },
          }
        : {}),
      signal,
      graceMs,
      prestopMs,
      ...(flags.killAfter ? { killAfterMs: parseDuration(flags.killAfter, '--kill-after') } : {}),
      ...(flags.pprof ? { pprof: flags.pprof.replace(/\/+$/, '') } : {}),
      progress: (line: string) => {
        if (prepared.format === 'table' && prepared.output === undefined) ctx.io.stderr(`kleak: ${line}\n`);
      },
    };
    if (pid !== undefined)
      await consent(
        ctx,
        `kleak will send ${signal} to PID ${pid}: the service will shut down${flags.killAfter ? `, and be killed ${flags.killAfter} after the grace period if still alive` : ''}.`,
        flags.yes,
        `Cancelled: no signal was sent to PID ${pid}.`,
      );
    const run = await checkShutdown(request);
    writeReport(ctx, prepared, run, shutdownView, ['shutdown']);
  });
}
