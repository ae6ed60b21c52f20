// kleak cluster: brokers, consumer groups and their members, connection settings.
import type { Command } from 'commander';
import { collectCluster } from '../../collectors/cluster/index.js';
import { isDenied } from '../../collectors/cluster/fetch-cluster.js';
import { connectionFromFlags, hostPortText, parseHostPorts, type ConnectionFlags } from '../../collectors/cluster/connection-options.js';
import { rules } from '../../rules/index.js';
import { runRules } from '../../rules/run-rules.js';
import { eventLine, renderClusterTable, toClusterJson } from '../../report/cluster-view.js';
import { exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, addOutputOptions, parseDuration, parsePid, wantsJson, type OutputFlags } from '../options.js';

interface ClusterFlags extends ConnectionFlags, OutputFlags {
  bootstrap: string;
  group: string[];
  watch?: boolean;
  interval: string;
  duration: string;
  pid?: number[];
}

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
    .addHelpText('after', '\nExamples:\n  $ kleak cluster --bootstrap 127.0.0.1:9092\n  $ kleak cluster --bootstrap kafka-1:9093 --tls --tls-ca ca.pem --sasl-mechanism scram-sha-512 --sasl-username app   # password in KLEAK_SASL_PASSWORD\n  $ kleak cluster --bootstrap 127.0.0.1:9092 --group orders --watch --duration 1m --pid 4242');
  addOutputOptions(addConnectionOptions(command)).action(async (flags: ClusterFlags) => {
    const json = wantsJson(flags);
    const bootstrap = parseHostPorts(flags.bootstrap, '--bootstrap');
    const connection = { ...connectionFromFlags(flags), bootstrap: bootstrap.map(hostPortText) };
    const evidence = await collectCluster(
      { connection, bootstrap, groupIds: flags.group.length ? flags.group : undefined },
      flags.watch
        ? {
            intervalMs: parseDuration(flags.interval, '--interval'),
            durationMs: parseDuration(flags.duration, '--duration'),
            onSample: (_, events) => {
              if (!json) for (const e of events) ctx.io.stderr(`${eventLine(e)}\n`);
            },
          }
        : undefined,
      flags.pid,
    );
    const { findings } = runRules(rules, { cluster: evidence });
    ctx.io.stdout(json ? `${JSON.stringify(toClusterJson(evidence, findings), null, 2)}\n` : renderClusterTable(evidence, findings, ctx.chalk));
    ctx.exitCode = exitCodeFor(findings, flags.failOn);
    // A group asked for by name that the broker refused to describe: the report above has what could be
    // read, but not what was asked, so this is exit 2 (a permission to grant), said in one paragraph.
    const denied = evidence.view.problems.filter((p) => isDenied(p) && flags.group.some((g) => p.what === `group ${g}`));
    if (denied.length) {
      const names = denied.map((p) => p.what.replace(/^group /, '')).join(', ');
      ctx.io.stderr(`kleak: the cluster refused to describe ${denied.length === 1 ? 'group' : 'groups'} ${names}; the report has everything else.
  hint: grant this principal DESCRIBE on ${denied.length === 1 ? 'that group' : 'those groups'} (kafka-acls --add --allow-principal User:<name> --operation Describe --group <group>).
`);
      ctx.exitCode = 2;
    }
  });
}
