// shutdown-no-leave-group: a member still listed after exit; info for static members; silent when it left.
import noLeave from '../../src/rules/shutdown-no-leave-group.js';
import { shutdownGroup, shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const lingering = shutdownGroup({ leftAtMs: undefined, leftWhileAlive: false, stillListedAfterExit: true, commitAtMs: undefined });

ruleTester(noLeave, {
  valid: [
    { name: 'the member left while the process was alive', evidence: { shutdown: { runs: [shutdownRun({ groups: [shutdownGroup()] })] } } },
    {
      name: 'gone just after the exit, long before the session could time out: a LeaveGroup',
      evidence: { shutdown: { runs: [shutdownRun({ groups: [shutdownGroup({ leftAtMs: 910, leftWhileAlive: false })] })] } },
    },
    {
      name: 'still running at the end: exceeds-grace says so, not this rule',
      evidence: { shutdown: { runs: [shutdownRun({ exit: { exited: false, statusFrom: 'unknown' }, groups: [lingering] })] } },
    },
  ],
  invalid: [
    {
      name: 'still listed after exit',
      evidence: { shutdown: { runs: [shutdownRun({ groups: [lingering] })] } },
      findings: [
        {
          summary:
            "group orders: 1 member still listed after PID 4242 exited — no LeaveGroup; its partitions stay unconsumed until the session times out (10.0 s, sarama's default)",
          confidence: 'confirmed',
          evidence: [/run 1: members sarama@10.0.0.7 still listed after the exit at 850 ms/],
        },
      ],
    },
    {
      name: 'gone only when the session timed out: no LeaveGroup either',
      evidence: { shutdown: { runs: [shutdownRun({ groups: [shutdownGroup({ leftAtMs: 10_400, leftWhileAlive: false })] })] } },
      findings: [{ summary: /no LeaveGroup/, confidence: 'likely' }],
    },
    {
      name: 'a static member does not leave, by design: info',
      evidence: {
        shutdown: { runs: [shutdownRun({ groups: [{ ...lingering, members: [{ ...lingering.members[0]!, groupInstanceId: 'orders-0' }] }] })] },
      },
      findings: [
        {
          summary:
            "group orders: static member (orders-0) did not leave the group, by design (group.instance.id): its partitions wait 10.0 s, sarama's default for it to come back",
          severity: 'info',
        },
      ],
    },
  ],
  missing: {},
});
