// kleak cluster: brokers, consumer groups and their members, connection settings.
import type { Command } from 'commander';
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../../collectors/cluster/connection-options.js';
import { inspectCluster } from '../../core/cluster.js';
import { eventLine, renderClusterTable, toClusterJson } from '../../report/cluster-view.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, parseDuration, parsePid } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface ClusterFlags extends ConnectionFlags, ReportFlags {
  bootstrap: string;
  group: string[];
  watch?: boolean;
  interval: string;
  duration: string;
  pid?: number[];
}

export const clusterView: CommandView = {
  table: (run, chalk) => renderClusterTable(run.evidence.cluster!, run.diagnosis.findings, chalk),
  json: (run) => toClusterJson(run.evidence.cluster!, run.diagnosis.findings),
};

export function registerCluster(program: Command, ctx: CliContext): void {
  const command = program
    .command('cluster')
    .description('brokers, consumer groups, members per client id and host')
    .requiredOption('--bootstrap <host:port,...>', 'brokers to connect to')
    .option('--group <group>', 'only this consumer group (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--watch', 'sample group membership over time: joins and leaves')
    .option('--interval <duration>', 'time between membership samples', '2s')
    .option('--duration <duration>', 'how long to watch membership', '30s')
    .option('-p, --pid <pid>', 'a service process on this host (repeatable): members from this host outliving it are lingering', parsePid)
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak cluster --bootstrap 127.0.0.1:9092\n  $ kleak cluster --bootstrap kafka-1:9093 --tls --tls-ca ca.pem --sasl-mechanism scram-sha-512 --sasl-username app   # password in KLEAK_SASL_PASSWORD\n  $ kleak cluster --bootstrap 127.0.0.1:9092 --group orders --watch --duration 1m --pid 4242',
    );
  addReportOptions(addConnectionOptions(command)).action(async (flags: ClusterFlags) => {
    const prepared = prepareReport(flags);
    const run = await inspectCluster({
      bootstrap: parseHostPorts(flags.bootstrap, '--bootstrap'),
      connection: connectionFromFlags(flags),
      groupIds: flags.group.length ? flags.group : undefined,
      watch: flags.watch
        ? {
            intervalMs: parseDuration(flags.interval, '--interval'),
            durationMs: parseDuration(flags.duration, '--duration'),
            onSample: (_, events) => {
              if (prepared.format === 'table') for (const e of events) ctx.io.stderr(`${eventLine(e)}\n`);
            },
          }
        : undefined,
      pids: flags.pid,
    });
    // a group asked for by name that the broker refused to describe: the report has what could be read,
    // but not what was asked, so this is exit 2 (a permission to grant) after the report
    writeReport(ctx, prepared, run, clusterView, ['cluster']);
  });
}
