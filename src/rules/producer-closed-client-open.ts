// producer-closed-client-open: Sarama clients alive without the producers they were made for.
// Why it leaks: NewAsyncProducerFromClient / NewSyncProducerFromClient (and the consumer FromClient
// constructors) wrap the client in a no-op closer, so producer.Close() stops the producer's
// goroutines but leaves the client's metadata loop, its broker readers and sockets running.
// Signature: per leaked client one backgroundMetadataUpdater + one responseReceiver per open
// broker connection, and no dispatcher / sync-producer handler / group session beside it.
// Deliberately ignored: up to 2 such clients (an admin or metadata-only client is legitimate).
import { defineRule } from './define-rule.js';
import { constructorLocations, creatorLocations, orElse, fmt, orphanThreshold, signed } from './helpers.js';

export default defineRule({
  id: 'producer-closed-client-open',
  meta: {
    title: 'Producers closed, their Sarama clients left open',
    description:
      'Sarama clients whose producers were closed keep their metadata goroutine, broker readers and sockets: producer.Close() does not close a client passed to New*ProducerFromClient.',
    severity: 'error',
    messages: {
      orphans:
        '{clients} Sarama clients alive ({clients} metadata loops, {readers} broker readers, {readersPerClient} per client) but only {users} producers/consumers use them{sinceBaseline}',
    },
    fix: {
      sarama: `Close the client too: producer.Close() is a no-op for the client it was built from.
  client, err := sarama.NewClient(brokers, cfg)
  if err != nil { return err }
  defer client.Close()                       // runs after producer.Close()
  producer, err := sarama.NewAsyncProducerFromClient(client)
  if err != nil { return err }
  defer producer.Close()
Better: build the client and producer once at start-up and share them.`,
      'franz-go': 'n/a for franz-go: the producer is the *kgo.Client; call cl.Close().',
      kafkajs: 'n/a for kafkajs: producer.disconnect() closes its Cluster and sockets.',
      unknown: 'Close the underlying client as well as the producer built from it.',
    },
  },
  needs: ['goroutines'],
  uses: ['goHeap'],
  check({ goroutines, goHeap }) {
    const now = goroutines.classification.libraries.sarama;
    if (!now) return [];
    const users = now.producers + now.syncProducers + now.groupSessions + now.partitionConsumers;
    const orphans = now.clients - users;
    const before = goroutines.baseline?.libraries.sarama;
    const grew = before ? now.clients - before.clients : undefined;
    const grewUsers = before ? users - (before.producers + before.syncProducers + before.groupSessions + before.partitionConsumers) : undefined;
    const orphanGrowth = grew !== undefined && grewUsers !== undefined ? grew - Math.max(0, grewUsers) : undefined;
    if (orphans < orphanThreshold && !(orphanGrowth !== undefined && orphanGrowth >= orphanThreshold)) return [];
    const readers = now.brokerConnections;
    return [
      {
        messageId: 'orphans',
        data: {
          clients: now.clients,
          readers,
          readersPerClient: fmt(now.clients ? readers / now.clients : 0),
          users,
          sinceBaseline: grew !== undefined ? `; ${signed(grew)} clients since the baseline` : '',
        },
        confidence: orphans >= 10 || (orphanGrowth ?? 0) >= orphanThreshold ? 'confirmed' : 'likely',
        library: 'sarama',
        // the line that built the client that outlives its producer
        locations: orElse(constructorLocations(goHeap, 'sarama', ['NewClient']), () => creatorLocations(goroutines, 'sarama', ['client-metadata-loop'])),
        evidence: [
          {
            source: 'goroutines',
            description: `(*client).backgroundMetadataUpdater ×${now.clients}, (*Broker).responseReceiver ×${readers}, (*asyncProducer).dispatcher ×${now.producers}, sync producer handlers for ${now.syncProducers}, group sessions ×${now.groupSessions}`,
            data: { ...now },
          },
          ...(before
            ? [
                {
                  source: 'goroutines' as const,
                  description: `baseline: ${before.clients} clients, ${before.brokerConnections} broker readers, ${before.producers} producers`,
                  data: { ...before },
                },
              ]
            : []),
        ],
      },
    ];
  },
});
