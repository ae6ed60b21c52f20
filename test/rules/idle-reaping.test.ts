// idle-reaping: the brokers' connections.max.idle.ms, as information.
import idleReaping from '../../src/rules/idle-reaping.js';
import { clusterEvidence } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(idleReaping, {
  valid: [{ name: 'the setting could not be read', evidence: { cluster: clusterEvidence({ config: { 1: {} } }) } }],
  invalid: [
    {
      name: "Kafka's default, 10 minutes",
      evidence: { cluster: clusterEvidence({ config: { 1: { 'connections.max.idle.ms': '600000' } } }) },
      findings: [
        {
          summary:
            "the brokers close connections idle for 10 min (connections.max.idle.ms=600000): an unclosed client's sockets end in CLOSE_WAIT or are reopened, see close-wait-sockets",
          severity: 'info',
          data: { connectionsMaxIdleMs: 600000 },
        },
      ],
    },
    {
      name: 'brokers that differ: the shortest counts, all are named',
      evidence: { cluster: clusterEvidence({ config: { 1: { 'connections.max.idle.ms': '600000' }, 2: { 'connections.max.idle.ms': '30000' } } }) },
      findings: [{ summary: /idle for 30 s \(connections\.max\.idle\.ms=600000\/30000\)/ }],
    },
  ],
  missing: {},
});
