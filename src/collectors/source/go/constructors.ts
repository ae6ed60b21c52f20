// The Kafka constructors of the Go libraries, by import path (noctx's table shape), and each library's
// default package name.
import type { Library } from '../../../types.js';
import type { ClientKind } from '../types.js';

export interface Ctor {
  library: Library;
  kind: ClientKind;
  /** New…FromClient: wraps a client it does not close (except the cluster admin, which does) */
  fromClient?: 'keeps-open' | 'closes';
}

export const sarama: Record<string, Ctor> = {
  NewClient: { library: 'sarama', kind: 'client' },
  NewSyncProducer: { library: 'sarama', kind: 'producer' },
  NewAsyncProducer: { library: 'sarama', kind: 'producer' },
  NewConsumer: { library: 'sarama', kind: 'consumer' },
  NewConsumerGroup: { library: 'sarama', kind: 'consumer' },
  NewClusterAdmin: { library: 'sarama', kind: 'admin' },
  NewSyncProducerFromClient: { library: 'sarama', kind: 'producer', fromClient: 'keeps-open' },
  NewAsyncProducerFromClient: { library: 'sarama', kind: 'producer', fromClient: 'keeps-open' },
  NewConsumerFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewConsumerGroupFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewOffsetManagerFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewClusterAdminFromClient: { library: 'sarama', kind: 'admin', fromClient: 'closes' },
};

/** Constructors by import path (noctx's table shape). */
export const goConstructors: Record<string, Record<string, Ctor>> = {
  'github.com/IBM/sarama': sarama,
  'github.com/Shopify/sarama': sarama,
  'github.com/twmb/franz-go/pkg/kgo': { NewClient: { library: 'franz-go', kind: 'client' } },
  'github.com/segmentio/kafka-go': {
    NewWriter: { library: 'kafka-go', kind: 'producer' },
    NewReader: { library: 'kafka-go', kind: 'consumer' },
    Dial: { library: 'kafka-go', kind: 'connection' },
    DialContext: { library: 'kafka-go', kind: 'connection' },
    DialLeader: { library: 'kafka-go', kind: 'connection' },
    DialPartition: { library: 'kafka-go', kind: 'connection' },
  },
  'github.com/confluentinc/confluent-kafka-go/kafka': {
    NewProducer: { library: 'confluent-kafka-go', kind: 'producer' },
    NewConsumer: { library: 'confluent-kafka-go', kind: 'consumer' },
    NewAdminClient: { library: 'confluent-kafka-go', kind: 'admin' },
  },
};
goConstructors['github.com/confluentinc/confluent-kafka-go/v2/kafka'] = goConstructors['github.com/confluentinc/confluent-kafka-go/kafka']!;
/** kafka-go's Writer is also built as a composite literal: &kafka.Writer{…} */
export const literalCtors: Record<string, Record<string, Ctor>> = {
  'github.com/segmentio/kafka-go': { Writer: { library: 'kafka-go', kind: 'producer' } },
};

export const kafkaImportPaths = Object.keys(goConstructors);

export function defaultName(path: string): string {
  const parts = path.split('/');
  let last = parts[parts.length - 1]!;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2]!;
  if (path === 'github.com/segmentio/kafka-go') return 'kafka';
  return last.replace(/^go-/, '').replace(/[-.]go$/, '');
}
