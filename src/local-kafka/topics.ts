// Asking a local cluster through kafkajs: is it serving metadata, and a topic made ready.
import { Kafka, logLevel } from 'kafkajs';

/** Asks the cluster for its brokers with a real Metadata request; 0 when it does not answer. */
export async function metadataBrokerCount(brokers: string[]): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const { brokers: found } = await admin.describeCluster();
    return found.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Creates a topic (no error when it exists) and waits for its leader. */
export async function ensureTopic(bootstrap: string, topic: string, numPartitions = 1): Promise<void> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true, timeout: 15_000 });
  } finally {
    await admin.disconnect();
  }
}
