// non-kafka-growth over driven watch evidence: growth per request that is not to the brokers is said so,
// with the peers; growth to the brokers is client-per-request's, and no growth is nothing.
import nonKafkaGrowth from '../../src/rules/non-kafka-growth.js';
import type { DriveMeasurement } from '../../src/collectors/watch/types.js';
import { drive, watchResult } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const flat = Array.from({ length: 20 }, () => 4);
const driven = (perRequest: Parameters<typeof drive>[0], otherPeers?: DriveMeasurement['otherPeers']) => ({
  watch: watchResult({ established: flat }, { runtime: 'node', drive: { ...drive(perRequest), ...(otherPeers ? { otherPeers } : {}) } }),
});
const upstream = [
  { peer: '127.0.0.1:41000', before: 5, after: 25, perRequest: 1 },
  { peer: ':41000 in', before: 5, after: 25, perRequest: 1 },
];

ruleTester(nonKafkaGrowth, {
  valid: [
    { name: 'nothing grows', evidence: driven({ brokerEstablished: 0, fds: 0 }) },
    { name: 'growth to the brokers is client-per-request’s', evidence: driven({ brokerEstablished: 1, fds: 3 }, upstream) },
    { name: 'below half a descriptor per request', evidence: driven({ brokerEstablished: 0, fds: 0.3 }) },
  ],
  invalid: [
    {
      name: 'sockets to an upstream grow, none to the brokers',
      evidence: driven({ brokerEstablished: 0, fds: 2 }, upstream),
      findings: [
        {
          summary:
            '2.0 new sockets per request to 127.0.0.1:41000 (+1.0 each), :41000 in (+1.0 each), none to the brokers (2.0 file descriptors per request): not a Kafka-client leak',
          severity: 'info',
          library: 'kafkajs',
          messageId: 'peers',
          evidence: [/fds 30 → 70, broker connections 2 → 2; 127\.0\.0\.1:41000 5 → 25; :41000 in 5 → 25/],
        },
      ],
    },
    {
      name: 'descriptors grow, but no TCP peer does (files, pipes)',
      evidence: driven({ brokerEstablished: 0, fds: 1.4 }),
      findings: [{ summary: /^1\.4 new file descriptors per request, none of them sockets/, messageId: 'fds' }],
    },
  ],
  missing: {},
});
