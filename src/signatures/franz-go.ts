// franz-go (github.com/twmb/franz-go/pkg/kgo). Goroutines start with plain `go`: no wrapper frame.
// An idle, leaked Client is exactly updateMetadataLoop + reapConnectionsLoop (+ pushMetrics, v1.19+).
// Names from client.go, broker.go, sink.go, source.go, consumer_group.go, compression.go.
import type { GoLibrarySignatures } from './types.js';

export const franzGo: GoLibrarySignatures = {
  library: 'franz-go',
  packages: ['github.com/twmb/franz-go/pkg/kgo'],
  wrappers: [],
  goroutines: [
    { role: 'client-metadata-loop', fn: '(*Client).updateMetadataLoop' },
    { role: 'client-connection-reaper', fn: '(*Client).reapConnectionsLoop' },
    { role: 'client-metrics', fn: '(*Client).pushMetrics' },
    { role: 'broker-io', fn: '(*broker).handleReqs' },
    { role: 'broker-io', fn: '(*brokerCxn).handleResps' },
    { role: 'broker-io', fn: '(*brokerCxn).readConn.func1' },
    { role: 'broker-io', fn: '(*brokerCxn).writeConn.func1' },
    { role: 'broker-io', fn: '(*brokerCxn).discard' },
    { role: 'broker-producer', fn: '(*sink).drain' },
    { role: 'broker-producer', fn: '(*sink).handleSeqResps' },
    { role: 'fetch-loop', fn: '(*source).loopFetch' },
    { role: 'fetch-loop', fn: '(*fetchManager).manageFetchConcurrency' },
    { role: 'fetch-loop', fn: '(*consumerSession).manageFetchConcurrency' },
    { role: 'group-session', fn: '(*groupConsumer).manage' },
    { role: 'offset-manager', fn: '(*groupConsumer).loopCommit' },
    { role: 'group-heartbeat', fn: '(*groupConsumer).heartbeat' },
    { role: 'group-heartbeat', fn: '(*groupConsumer).setupAssignedAndHeartbeat.func1' },
  ],
  constructors: ['NewClient'],
  heapSites: [
    { site: 'decompression', fn: '(*decompressor).Decompress' },
    { site: 'decompression', fn: '(*decompressor).decompress' },
    { site: 'response-buffer', fn: '(*brokerCxn).readConn.func1' },
    { site: 'record-slab', fn: 'processRecordBatch' },
    { site: 'record-slab', fn: 'recordToRecord' },
  ],
};
