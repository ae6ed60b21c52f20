// kleak demo: a local broker, a leaky sample service, driven and diagnosed; everything stopped after, also on Ctrl-C.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { join } from 'node:path';
import { diagnose } from '../../core/diagnose.js';
import { repoRoot } from '../../repo-root.js';
import { runtimeAndScanRules } from '../../scan/rules/index.js';
import type { KafkaCluster } from '../../local-kafka/types.js';
import type { FixtureService } from '../../local-kafka/start-fixture.js';
import type { CliContext } from '../context.js';
import { parsePositiveInt } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type ReportFlags } from '../report.js';

interface DemoFlags extends ReportFlags {
  requests: string;
  node?: boolean;
  java?: boolean;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  const command = program
    .command('demo')
    .description('start a local broker and a leaky sample service, and diagnose it')
    .option('--requests <n>', 'requests to drive', '50')
    .option('--node', 'use the kafkajs sample service even when Go is installed')
    .option('--java', 'use the kafka-clients (JVM) sample service: a KafkaProducer per request, never closed (compiled with Maven and javac on first use)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak demo\n  $ kleak demo --java\n\nStarts Apache Kafka (jars from Maven Central on first use), the leaky Sarama sample service\n(the kafkajs one when Go is missing), drives 50 requests, prints the diagnosis, and stops both.',
    );
  addReportOptions(command, { failOn: 'never' }).action(async (flags: DemoFlags) => {
    const prepared = prepareReport(flags);
    const say = (m: string) => ctx.io.stderr(ctx.chalk.dim(`demo: ${m}\n`));
    // loaded here: the launcher pulls in kafkajs, which no other command start-up should pay for
    const { launchKafka } = await import('../../local-kafka/launch-kafka.js');
    const { ensureTopic } = await import('../../local-kafka/topics.js');
    const { startFixture } = await import('../../local-kafka/start-fixture.js');
    const goFound = !flags.java && !spawnSync('go', ['version']).error;
    const hasGo = !flags.node && !flags.java && goFound;
    const name = flags.java ? 'java-producer-per-request' : hasGo ? 'sarama-per-request' : 'kafkajs-per-request';
    const sample = flags.java ? 'kafka-clients (JVM)' : hasGo ? 'Sarama (Go)' : 'kafkajs (Node)';
    if (!flags.node && !flags.java && !goFound) say('Go is not on PATH: using the kafkajs (Node) sample service instead of the Sarama (Go) one');
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
      say(
        `starting the leaky ${sample} sample service: a Kafka client per request, never closed${hasGo ? ' (building it with Go on first use)' : flags.java ? ' (compiling it with Maven and javac on first use)' : ''}`,
      );
      service = await startFixture(name, { bootstrap: cluster.bootstrap, topic: 'orders' });
      say(`service PID ${service.pid} at ${service.url}; diagnosing it`);
      const run = await diagnose({
        pids: [service.pid],
        bootstrap: [{ host: '127.0.0.1', port: cluster.nodes[0]!.brokerPort }],
        pprof: hasGo ? service.url : undefined,
        drive: {
          url: `${service.url}/produce`,
          method: 'POST',
          requests: Math.max(1, parsePositiveInt(flags.requests, '--requests')),
          warmup: 5,
          settleTimeoutMs: 15_000,
        },
        // the sample's own source: the scan confirms the runtime finding at its line (the JVM sample shares its package
        // with the other JVM samples: its one file, read with the package around it)
        source: join(
          repoRoot,
          flags.java
            ? 'fixtures/java/src/kleak/fixtures/ProducerPerRequest.java'
            : hasGo
              ? 'fixtures/go/sarama-per-request'
              : 'fixtures/node/kafkajs-per-request',
        ),
        onProgress: say,
      });
      writeReport(ctx, prepared, run, { rules: runtimeAndScanRules });
    } finally {
      say('stopping the service and the broker');
      await cleanup();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });
}
