// What the shutdown-check tests share: running kleak shutdown-check on a fixture it starts itself, and the
// independent truth kleak's numbers are checked against (the topic read by the test's own consumer, the
// group as the admin API describes it, committed offsets).
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type * as KafkaJs from 'kafkajs';
import { after } from 'node:test';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { runKleakJson } from './cli.js';

export type Scenario =
  | 'sarama-async'
  | 'franz-produce'
  | 'sarama-group'
  | 'franz-group'
  | 'sarama-static'
  | 'sarama-hang'
  | 'kafkajs-producer'
  | 'kafkajs-consumer'
  | 'java-producer'
  | 'python-producer';

export const isProducer = (s: Scenario) =>
  s === 'sarama-async' || s === 'franz-produce' || s === 'kafkajs-producer' || s === 'java-producer' || s === 'python-producer';

export function commandOf(scenario: Scenario): string {
  if (scenario === 'java-producer') {
    const target = join(repoRoot, 'fixtures/java/target');
    return `java -Xmx256m -cp '${target}/classes:${target}/libs/*' kleak.fixtures.ShutdownProducer`;
  }
  if (scenario === 'python-producer')
    return `${join(repoRoot, 'fixtures/python/.venv/bin/python')} -u ${join(repoRoot, 'fixtures/python/shutdown_producer.py')}`;
  return scenario.startsWith('kafkajs')
    ? `${process.execPath} ${join(repoRoot, 'fixtures/node/shutdown-svc/server.mjs')}`
    : join(repoRoot, 'fixtures/go/bin/shutdown-svc');
}

export interface CheckOptions {
  bootstrap: string;
  topic: string;
  group?: string;
  graceful: boolean;
  repeat?: number;
  extra?: string[];
  env?: Record<string, string>;
}

/** kleak shutdown-check --exec on a fixture; JSON checked against docs/json-schema/shutdown.schema.json. */
export async function shutdownCheck(scenario: Scenario, o: CheckOptions) {
  const port = await freePort();
  const env = {
    KAFKA_BROKERS: o.bootstrap,
    PORT: String(port),
    TOPIC: o.topic,
    GROUP: o.group ?? `${o.topic}-group`,
    SCENARIO: scenario,
    GRACEFUL: o.graceful ? '1' : '',
    ...o.env,
  };
  const args = [
    'shutdown-check',
    '--exec',
    commandOf(scenario),
    '--ready',
    `http://127.0.0.1:${port}/healthz`,
    '--bootstrap',
    o.bootstrap,
    '--repeat',
    String(o.repeat ?? 1),
    // a service still alive after the grace period is killed, so that no test leaves one behind
    '--kill-after',
    '2s',
    ...(isProducer(scenario) ? ['--drive', `http://127.0.0.1:${port}/produce`, '--topic', o.topic] : ['--group', env.GROUP]),
    ...(o.extra ?? []),
  ];
  return runKleakJson(args, 'shutdown', { env, timeoutMs: 240_000 });
}

// franz-go compresses with snappy by default, which kafkajs cannot read without this codec
const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as typeof KafkaJs;
kafkajs.CompressionCodecs[kafkajs.CompressionTypes.Snappy] = require('kafkajs-snappy') as (typeof kafkajs.CompressionCodecs)[1];

const ids = /kleak[0-9a-f]{8}-\d+/g;

/** Every kleak drive id in the topic, read from the beginning by a consumer of the test's own. */
export async function idsInTopic(bootstrap: string, topic: string): Promise<Map<string, number>> {
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const found = new Map<string, number>();
  if (remaining.size === 0) return found;
  const groupId = `test-oracle-${topic}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: ({ partition, message }) => {
      for (const id of String(message.value ?? '').match(ids) ?? []) found.set(id, (found.get(id) ?? 0) + 1);
      if (Number(message.offset) >= (remaining.get(partition) ?? 0) - 1) remaining.delete(partition);
      if (remaining.size === 0) done();
      return Promise.resolve();
    },
  });
  const timer = setTimeout(done, 30_000);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  if (remaining.size) throw new Error(`the oracle did not read ${topic} to its end in 30 s`);
  return found;
}

/** A producer that keeps a consumer fixture busy: a backlog first, then `perSecond` messages a second until stopped. */
export async function feed(bootstrap: string, topic: string, backlog: number, perSecond: number): Promise<{ stop: () => Promise<void> }> {
  const producer: Producer = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  let n = 0;
  const batch = (size: number) => Array.from({ length: size }, () => ({ value: `m${n++}` }));
  for (let sent = 0; sent < backlog; sent += 500) await producer.send({ topic, messages: batch(Math.min(500, backlog - sent)) });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await producer.send({ topic, messages: batch(Math.max(1, Math.round(perSecond / 10))) });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const stop = async () => {
    stopped = true;
    await loop.catch(() => {});
    await producer.disconnect();
  };
  after(stop);
  return { stop };
}

/** The admin API's view, the test's own connection. */
export async function withAdmin<T>(bootstrap: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}
