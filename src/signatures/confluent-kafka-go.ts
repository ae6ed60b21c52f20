// confluent-kafka-go (librdkafka via cgo). The Go side runs pollers per handle; broker connections
// live in librdkafka's own threads, which a goroutine dump does not show.
// Names from kafka/handle.go, producer.go, consumer.go.
import type { GoLibrarySignatures } from './types.js';

export const confluentKafkaGo: GoLibrarySignatures = {
  library: 'confluent-kafka-go',
  packages: ['github.com/confluentinc/confluent-kafka-go/v2/kafka', 'github.com/confluentinc/confluent-kafka-go/kafka'],
  wrappers: [],
  goroutines: [
    { role: 'handle-poller', fn: 'poller' },
    { role: 'producer-dispatcher', fn: 'channelProducer' },
    { role: 'producer-dispatcher', fn: 'channelBatchProducer' },
    { role: 'fetch-loop', fn: 'consumerReader' },
    { role: 'handle-poller', fn: '(*handle).pollLogEvents' },
  ],
  constructors: ['NewProducer', 'NewConsumer', 'NewAdminClient', 'NewAdminClientFromProducer', 'NewAdminClientFromConsumer'],
  heapSites: [],
};
