// idle-reaping (informational): the brokers close connections idle longer than
// connections.max.idle.ms. An unclosed client's sockets then end in CLOSE_WAIT (Sarama never reads
// them again) or are reopened on its next metadata refresh (kafkajs, franz-go): see close-wait-sockets.
import { defineRule } from './define-rule.js';
import { formatDuration } from './helpers.js';

export default defineRule({
  id: 'idle-reaping',
  meta: {
    title: 'Brokers reap idle connections',
    description:
      'The brokers close connections idle for connections.max.idle.ms; what an unclosed client does then decides whether its sockets pile up in CLOSE_WAIT.',
    severity: 'info',
    messages: {
      reaping:
        "the brokers close connections idle for {idle} (connections.max.idle.ms={values}): an unclosed client's sockets end in CLOSE_WAIT or are reopened, see close-wait-sockets",
    },
    fix: {
      sarama: 'Nothing to change on the broker. Close every sarama.Client you stop using; see close-wait-sockets.',
      'franz-go': 'Nothing to change on the broker. franz-go reaps its own idle connections; close clients you stop using.',
      kafkajs: 'Nothing to change on the broker. Disconnect every producer/consumer/admin you stop using.',
      unknown: 'Nothing to change on the broker. Close every Kafka client the service stops using; see close-wait-sockets.',
    },
  },
  needs: ['cluster'],
  check({ cluster }) {
    const values = [
      ...new Set(
        Object.values(cluster.view.config)
          .map((c) => c['connections.max.idle.ms'])
          .filter((v): v is string => v !== undefined),
      ),
    ];
    if (values.length === 0) return [];
    const ms = Math.min(...values.map(Number));
    return [
      {
        messageId: 'reaping',
        data: { idle: formatDuration(ms), values: values.join('/'), connectionsMaxIdleMs: ms },
        confidence: 'confirmed',
        library: 'unknown',
        evidence: [
          {
            source: 'cluster',
            description: `connections.max.idle.ms per broker: ${Object.entries(cluster.view.config)
              .map(([id, c]) => `${id}=${c['connections.max.idle.ms'] ?? '?'}`)
              .join(', ')}`,
            data: { connectionsMaxIdleMs: ms },
          },
        ],
      },
    ];
  },
});
