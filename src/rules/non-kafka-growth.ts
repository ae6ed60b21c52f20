// non-kafka-growth (informational): the process grows per driven request, but not in sockets to the
// brokers. Not a Kafka-client leak — said so, with where the growth is (the peers whose sockets grew, or
// file descriptors that are not sockets), so triage knows where to look next.
import { defineRule } from './define-rule.js';
import { fmt } from './helpers.js';

export default defineRule({
  id: 'non-kafka-growth',
  meta: {
    title: 'The service leaks, but not Kafka clients',
    description:
      'File descriptors or sockets grow with every request, while the connections to the brokers do not: a leak of something else (HTTP keep-alive agents, database pools, files), not of Kafka clients.',
    severity: 'info',
    messages: {
      peers: '{sockets} new sockets per request to {peers}, none to the brokers ({fds} file descriptors per request): not a Kafka-client leak',
      fds: '{fds} new file descriptors per request, none of them sockets to the brokers or TCP peers (files, pipes, other sockets): not a Kafka-client leak',
    },
    fix: {
      sarama: 'Not Kafka: close what each request opens (response bodies, http.Client transports, files); share clients across requests.',
      'franz-go': 'Not Kafka: close what each request opens (response bodies, http.Client transports, files); share clients across requests.',
      kafkajs: 'Not Kafka: share one http.Agent (or destroy per-request agents), close files and database clients each request opens.',
      unknown: 'Not Kafka: close what each request opens, and share long-lived clients (HTTP agents, database pools) across requests.',
    },
  },
  needs: ['watch'],
  check({ watch }) {
    const d = watch.drive;
    if (!d || d.requests === 0) return [];
    // growth to the brokers is client-per-request's
    if (d.perRequest.brokerEstablished >= 0.5 || d.perRequest.brokerSockets >= 0.5) return [];
    const peers = d.otherPeers ?? [];
    if (peers.length === 0 && d.perRequest.fds < 0.5) return [];
    const library = watch.runtime === 'node' ? ('kafkajs' as const) : ('unknown' as const);
    const evidence = [
      {
        source: 'watch' as const,
        description: `over ${d.requests} requests to ${d.method} ${d.url}: fds ${d.baseline.fds} → ${d.after.fds}, broker connections ${d.baseline.brokerEstablished} → ${d.after.brokerEstablished}${peers.map((p) => `; ${p.peer} ${p.before} → ${p.after}`).join('')}`,
        data: { perRequest: d.perRequest, otherPeers: peers },
      },
    ];
    if (peers.length) {
      const sockets = peers.reduce((n, p) => n + p.perRequest, 0);
      return [
        {
          messageId: 'peers' as const,
          data: { sockets: fmt(sockets), peers: peers.map((p) => `${p.peer} (+${fmt(p.perRequest)} each)`).join(', '), fds: fmt(d.perRequest.fds) },
          confidence: d.settled ? ('confirmed' as const) : ('likely' as const),
          library,
          evidence,
        },
      ];
    }
    return [{ messageId: 'fds' as const, data: { fds: fmt(d.perRequest.fds) }, confidence: 'likely' as const, library, evidence }];
  },
});
