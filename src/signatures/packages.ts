// The Kafka client libraries by the name each ecosystem gives them: how a version read from a binary, a
// package.json, a jar, site-packages or a manifest is tied to kleak's name for the library and to the
// advisories (OSV names packages by ecosystem and name).
import type { ClientLibrary, Ecosystem } from './types.js';

export interface KafkaPackage {
  ecosystem: Ecosystem;
  name: string;
  library: ClientLibrary;
  /** the library bundles librdkafka of the same version (confluent-kafka-go, confluent-kafka-python wheels) */
  bundlesLibrdkafka?: 'same-version';
}

export const kafkaPackages: readonly KafkaPackage[] = [
  { ecosystem: 'Go', name: 'github.com/Shopify/sarama', library: 'sarama' },
  { ecosystem: 'Go', name: 'github.com/IBM/sarama', library: 'sarama' },
  { ecosystem: 'Go', name: 'github.com/twmb/franz-go', library: 'franz-go' },
  { ecosystem: 'Go', name: 'github.com/segmentio/kafka-go', library: 'kafka-go' },
  { ecosystem: 'Go', name: 'github.com/confluentinc/confluent-kafka-go', library: 'confluent-kafka-go', bundlesLibrdkafka: 'same-version' },
  { ecosystem: 'Go', name: 'github.com/confluentinc/confluent-kafka-go/v2', library: 'confluent-kafka-go', bundlesLibrdkafka: 'same-version' },
  { ecosystem: 'npm', name: 'kafkajs', library: 'kafkajs' },
  { ecosystem: 'npm', name: 'node-rdkafka', library: 'node-rdkafka' },
  { ecosystem: 'npm', name: '@confluentinc/kafka-javascript', library: 'confluent-kafka-javascript' },
  { ecosystem: 'ConanCenter', name: 'librdkafka', library: 'librdkafka' },
  { ecosystem: 'Maven', name: 'org.apache.kafka:kafka-clients', library: 'kafka-clients' },
  { ecosystem: 'Maven', name: 'org.springframework.kafka:spring-kafka', library: 'spring-kafka' },
  { ecosystem: 'PyPI', name: 'confluent-kafka', library: 'confluent-kafka-python', bundlesLibrdkafka: 'same-version' },
  { ecosystem: 'PyPI', name: 'kafka-python', library: 'kafka-python' },
  { ecosystem: 'PyPI', name: 'aiokafka', library: 'aiokafka' },
];

export function kafkaPackageOf(ecosystem: Ecosystem, name: string): KafkaPackage | undefined {
  return kafkaPackages.find((p) => p.ecosystem === ecosystem && p.name === name);
}
