// kleak demo: a local broker, a leaky sample service, driven and diagnosed; everything stopped after, also on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { Option, type Command } from 'commander';
import { diagnose } from '../../diagnose.js';
import type { KafkaCluster } from '../../local-kafka/launch-kafka.js';
import type { FixtureService } from '../../local-kafka/start-fixture.js';
import { formats, reporters, type Format } from '../../report/index.js';
import { exitCodeFor, failOnLevels, type FailOn } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { parsePositiveInt } from '../options.js';

interface DemoFlags {
  requests: string;
  format?: Format;
  json?: boolean;
  failOn: FailOn;
  node?: boolean;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('start a local broker and a leaky sample service, and diagnose it')
    .option('--requests <n>', 'requests to drive', '50')
    .option('--node', 'use the kafkajs sample service even when Go is installed')
    .option('--json', 'same as --format json')
    .addOption(new Option('--format <format>', 'report format').choices([...formats]))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices(failOnLevels as string[]).default('never'))
    .addHelpText('after', '\nExample:\n  $ kleak demo\n\nStarts Apache Kafka (jars from Maven Central on first use), the leaky Sarama sample service\n(the kafkajs one when Go is missing), drives 50 requests, prints the diagnosis, and stops both.')
    .action(async (flags: DemoFlags) => {
      const say = (m: string) => ctx.io.stderr(ctx.chalk.dim(`demo: ${m}\n`));
      // loaded here: the launcher pulls in kafkajs, which no other command start-up should pay for
      const { ensureTopic, launchKafka } = await import('../../local-kafka/launch-kafka.js');
      const { startFixture } = await import('../../local-kafka/start-fixture.js');
      const hasGo = !flags.node && !spawnSync('go', ['version']).error;
      const name = hasGo ? 'sarama-per-request' : 'kafkajs-per-request';
      let cluster: KafkaCluster | undefined;
      let service: FixtureService | undefined;
      const cleanup = async () => {
        await service?.stop().catch(() => {});
        await cluster?.stop().catch(() => {});
      };
      const onSignal = () => {
        say('interrupted: stopping the service and the broker');
        void cleanup().finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        say('starting a Kafka broker on 127.0.0.1 (the first run resolves its jars with Maven)');
        cluster = await launchKafka({ log: say });
        await ensureTopic(cluster.bootstrap, 'orders');
        say(`starting the leaky ${hasGo ? 'Sarama (Go)' : 'kafkajs (Node)'} sample service: a Kafka client per request, never closed${hasGo ? ' (building it with Go on first use)' : ''}`);
        service = await startFixture(name, { bootstrap: cluster.bootstrap, topic: 'orders' });
        say(`service PID ${service.pid} at ${service.url}; diagnosing it`);
        const { diagnosis } = await diagnose({
          pids: [service.pid],
          bootstrap: [{ host: '127.0.0.1', port: cluster.nodes[0]!.brokerPort }],
          pprof: hasGo ? service.url : undefined,
          drive: { url: `${service.url}/produce`, method: 'POST', requests: Math.max(1, parsePositiveInt(flags.requests, '--requests')), warmup: 5, settleTimeoutMs: 15_000 },
          onProgress: say,
        });
        const format: Format = flags.json ? 'json' : (flags.format ?? 'table');
        ctx.io.stdout(reporters[format](diagnosis, { chalk: ctx.chalk }));
        ctx.exitCode = exitCodeFor(diagnosis.findings, flags.failOn);
      } finally {
        say('stopping the service and the broker');
        await cleanup();
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
