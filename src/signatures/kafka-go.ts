// segmentio/kafka-go (github.com/segmentio/kafka-go v0.4.x). Names from transport.go, reader.go,
// writer.go, consumergroup.go: a Transport's connPool runs discover per pool and run per connection.
import type { GoLibrarySignatures } from './types.js';

export const kafkaGo: GoLibrarySignatures = {
  library: 'kafka-go',
  packages: ['github.com/segmentio/kafka-go'],
  wrappers: [],
  goroutines: [
    { role: 'client-metadata-loop', fn: '(*connPool).discover' },
    { role: 'broker-reader', fn: '(*conn).run' },
    { role: 'fetch-loop', fn: '(*Reader).run' },
    { role: 'fetch-loop', fn: '(*reader).run' },
    { role: 'group-session', fn: '(*ConsumerGroup).run' },
    { role: 'producer-dispatcher', fn: '(*Writer).spawn.func1' },
  ],
  constructors: ['NewWriter', 'NewReader', 'NewConsumerGroup', 'Dial', 'DialContext', 'DialLeader', '(*Dialer).DialContext', '(*Transport).RoundTrip'],
  heapSites: [{ site: 'decompression', fn: 'compress.Compression.NewReader' }],
};
