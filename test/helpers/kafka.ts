// The real broker tests use: the run's shared one (KLEAK_TEST_BOOTSTRAP), or one this file starts.
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import { ensureTopic } from '../../src/local-kafka/topics.js';
import type { KafkaCluster, KafkaClusterOptions } from '../../src/local-kafka/types.js';

let own: Promise<KafkaCluster> | undefined;
// Registered at import, on the root test: a broker started for one file lives until the file ends.
after(async () => (await own?.catch(() => undefined))?.stop());

/** The bootstrap of a broker shared by the whole test run. */
export async function sharedBootstrap(): Promise<string> {
  if (process.env.KLEAK_TEST_BOOTSTRAP) return process.env.KLEAK_TEST_BOOTSTRAP;
  own ??= launchKafka();
  return (await own).bootstrap;
}

/** A broker of the test's own (other settings, or one a test may kill); stopped after the file. */
export async function privateCluster(options: KafkaClusterOptions): Promise<KafkaCluster> {
  const cluster = await launchKafka(options);
  after(() => cluster.stop());
  return cluster;
}

/** Creates a topic with a unique name and waits for its leader. */
export async function createTopic(bootstrap: string, prefix: string, numPartitions = 1): Promise<string> {
  const topic = `${prefix}-${randomBytes(4).toString('hex')}`;
  await ensureTopic(bootstrap, topic, numPartitions);
  return topic;
}
