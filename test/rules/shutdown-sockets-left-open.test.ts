// shutdown-sockets-left-open: broker sockets open at exit beside a client evidently not closed.
import socketsLeftOpen from '../../src/rules/shutdown-sockets-left-open.js';
import { shutdownDrive, shutdownGroup, shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const open = { atSignal: 3, closedWhileAlive: 0, openAtExit: 3 };
const lingering = shutdownGroup({ leftAtMs: undefined, leftWhileAlive: false, stillListedAfterExit: true });

ruleTester(socketsLeftOpen, {
  valid: [
    { name: 'closed by the process before exit', evidence: { shutdown: { runs: [shutdownRun({ groups: [lingering] })] } } },
    {
      name: 'open at exit after a clean close (not evidence: the close may be microseconds before exit)',
      evidence: { shutdown: { runs: [shutdownRun({ sockets: open, groups: [shutdownGroup()] })] } },
    },
    {
      name: 'a static member stays listed by design: not evidence of an unclosed client',
      evidence: {
        shutdown: { runs: [shutdownRun({ sockets: open, groups: [{ ...lingering, members: [{ ...lingering.members[0]!, groupInstanceId: 'orders-0' }] }] })] },
      },
    },
    {
      name: 'killed by the signal: no-signal-handler says it',
      evidence: {
        shutdown: { runs: [shutdownRun({ sockets: open, groups: [lingering], exit: { exited: true, afterMs: 6, signal: 'SIGTERM', statusFrom: 'parent' } })] },
      },
    },
  ],
  invalid: [
    {
      name: 'a consumer that never left, its sockets open at exit',
      evidence: { shutdown: { runs: [shutdownRun({ library: 'kafkajs', sockets: open, groups: [lingering] })] } },
      findings: [{ summary: '3 of 3 broker sockets still open when PID 4242 exited (the kernel closed them, not the client)', library: 'kafkajs' }],
    },
    {
      name: 'a producer that lost accepted messages',
      evidence: {
        shutdown: {
          runs: [
            shutdownRun({ library: 'franz-go', sockets: { atSignal: 2, closedWhileAlive: 1, openAtExit: 1 }, drive: shutdownDrive({ lost: 3, found: 97 }) }),
          ],
        },
      },
      findings: [{ summary: /^1 of 2 broker sockets still open/ }],
    },
  ],
  missing: {},
});
