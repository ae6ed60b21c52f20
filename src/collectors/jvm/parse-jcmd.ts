// What a JVM's own diagnostic commands say of its Kafka clients (pure parsers of jcmd's text):
// Thread.print gives the whole thread names, so the client ids, and with them kafka-clients' per-JVM counter
// (the default client.id takes the next value of a static counter that close() never gives back: a thread
// "kafka-producer-network-thread | producer-1734" says 1,734 producers were built in this JVM, closed or not);
// GC.class_histogram counts the objects every client keeps (a Selector, a NetworkClient, a Metrics each).
import type { JvmAttachLook, JvmClientThread } from '../process/types.js';

export interface JvmThreadDump extends Pick<JvmAttachLook, 'clients' | 'builtAtLeast'> {
  threads: number;
  /** "Attach Listener" is among the threads (it stays for the JVM's life once started) */
  attachListener: boolean;
}

const threadLine = /^"(.*)" #\d+/;

export function parseThreadDump(text: string): JvmThreadDump {
  const out: JvmThreadDump = { threads: 0, clients: [], builtAtLeast: { producers: 0, admins: 0, consumers: 0 }, attachListener: false };
  for (const line of text.split('\n')) {
    const name = threadLine.exec(line)?.[1];
    if (name === undefined) continue;
    out.threads++;
    if (name === 'Attach Listener') out.attachListener = true;
    const id = name.includes(' | ') ? name.slice(name.indexOf(' | ') + 3) : undefined;
    let kind: JvmClientThread['kind'] | undefined;
    if (name.startsWith('kafka-producer-network-thread')) kind = 'producer';
    else if (name.startsWith('kafka-admin-client-thread')) kind = 'admin';
    else if (name.startsWith('kafka-coordinator-heartbeat-thread')) kind = 'consumer';
    else if (name === 'consumer_background_thread') kind = 'consumer (new protocol)';
    if (!kind) continue;
    out.clients.push({ kind, ...(id ? { clientId: id } : {}) });
    const n = (re: RegExp) => Number(re.exec(id ?? '')?.[1] ?? 0);
    if (kind === 'producer') out.builtAtLeast.producers = Math.max(out.builtAtLeast.producers, n(/^producer-(\d+)$/));
    if (kind === 'admin') out.builtAtLeast.admins = Math.max(out.builtAtLeast.admins, n(/^adminclient-(\d+)$/));
  }
  return out;
}

/** The Kafka classes a class histogram is read for: one instance per client (or per connection). */
export const kafkaHistogramClasses = [
  'org.apache.kafka.common.network.Selector',
  'org.apache.kafka.clients.NetworkClient',
  'org.apache.kafka.common.metrics.Metrics',
  'org.apache.kafka.common.network.KafkaChannel',
  'org.apache.kafka.clients.producer.KafkaProducer',
  'org.apache.kafka.clients.producer.internals.Sender',
  'org.apache.kafka.clients.producer.internals.RecordAccumulator',
  'org.apache.kafka.clients.producer.internals.BufferPool',
  'org.apache.kafka.clients.admin.KafkaAdminClient',
  'org.apache.kafka.clients.consumer.KafkaConsumer',
  'org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer',
  'org.apache.kafka.clients.consumer.internals.LegacyKafkaConsumer',
  'org.apache.kafka.clients.consumer.internals.AsyncKafkaConsumer',
] as const;

/** GC.class_histogram's rows ("  12:   34   5678  org.apache…Selector (module)") for the Kafka classes: class → instances, bytes. */
export function parseClassHistogram(text: string): Record<string, { instances: number; bytes: number }> {
  const wanted = new Set<string>(kafkaHistogramClasses);
  const out: Record<string, { instances: number; bytes: number }> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
    if (m && wanted.has(m[3]!)) out[m[3]!] = { instances: Number(m[1]), bytes: Number(m[2]) };
  }
  return out;
}
