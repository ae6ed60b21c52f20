// close-wait-sockets over one socket inventory.
import closeWaitSockets from '../../src/rules/close-wait-sockets.js';
import { inventory } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const withCloseWait = (n: number) => ({
  sockets: inventory([
    {
      runtime: 'go',
      brokers: [{ address: '127.0.0.1:9092', nodeId: 1, established: 2, states: { ESTABLISHED: 2, CLOSE_WAIT: n }, sendQueueBytes: 0, receiveQueueBytes: 0 }],
      totals: { fds: 50, fdLimit: 1024, sockets: 10, tcpSockets: 10, brokerSockets: 2 + n, brokerEstablished: 2, brokerCloseWait: n, nonBrokerSockets: 8 - n },
    },
  ]),
});

ruleTester(closeWaitSockets, {
  valid: [
    { name: 'none', evidence: withCloseWait(0) },
    { name: 'one (a reconnect in progress)', evidence: withCloseWait(1) },
  ],
  invalid: [
    {
      name: 'some: a warning, per broker',
      evidence: withCloseWait(8),
      findings: [
        {
          summary: '8 broker connections in CLOSE_WAIT (2 ESTABLISHED) in PID 100',
          severity: 'warning',
          confidence: 'likely',
          evidence: [/127\.0\.0\.1:9092 \(node 1\): 8/],
        },
      ],
    },
    { name: 'many: an error', evidence: withCloseWait(150), findings: [{ summary: /^150 broker connections in CLOSE_WAIT/, severity: 'error' }] },
  ],
  missing: {},
});
