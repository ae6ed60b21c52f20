// close-wait-sockets: broker connections in CLOSE_WAIT. The broker closed them (idle reaping after
// connections.max.idle.ms, or a broker restart) and the client process never closed its end: the
// client that owned them is no longer used, but nobody closed it. Deliberately ignored: a single
// CLOSE_WAIT socket for under a sample (a client in the middle of reconnecting).
import { defineRule } from './define-rule.js';
import { libraryFor, plural } from './helpers.js';

export default defineRule({
  id: 'close-wait-sockets',
  meta: {
    title: 'Broker connections left in CLOSE_WAIT by an unclosed client',
    description: 'The broker closed these connections and the process never closed its side: a client that is no longer used but was never closed.',
    severity: 'warning',
    messages: {
      closeWait: '{closeWait} broker {connections} in CLOSE_WAIT ({established} ESTABLISHED) in PID {pids}',
    },
    fix: {
      sarama: `Close every sarama.Client you create (client.Close(), also after producer.Close() when the
producer came from New*ProducerFromClient). Sarama only notices a broker-side close on its next request
through that connection, so an abandoned client keeps CLOSE_WAIT sockets forever.`,
      'franz-go': 'Call cl.Close() on every *kgo.Client you stop using (defer cl.Close() right after kgo.NewClient).',
      kafkajs: 'Call await producer.disconnect() / consumer.disconnect() / admin.disconnect() for every client you stop using.',
      unknown: 'Close every Kafka client the service stops using; CLOSE_WAIT means the broker hung up and the client never did.',
    },
  },
  needs: ['sockets'],
  check({ sockets }) {
    const closeWait = sockets.totals.brokerCloseWait;
    if (closeWait < 2) return [];
    const perBroker = sockets.processes.flatMap((p) =>
      p.brokers.filter((b) => b.states.CLOSE_WAIT).map((b) => `${b.address}${b.nodeId !== undefined ? ` (node ${b.nodeId})` : ''}: ${b.states.CLOSE_WAIT}`),
    );
    const p = sockets.processes[0]!;
    return [
      {
        messageId: 'closeWait',
        data: {
          closeWait,
          connections: plural(closeWait, 'connection'),
          established: sockets.totals.brokerEstablished,
          pids: sockets.processes.map((x) => x.pid).join(', '),
        },
        confidence: 'likely',
        severity: closeWait >= 100 ? 'error' : undefined,
        library: libraryFor(p.runtime),
        evidence: [
          {
            source: 'sockets',
            description: `CLOSE_WAIT per broker: ${perBroker.join(', ')}`,
            data: { closeWait, established: sockets.totals.brokerEstablished },
          },
        ],
      },
    ];
  },
});
