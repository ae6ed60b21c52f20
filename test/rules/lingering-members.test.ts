// lingering-members: members from this host still joined after the given process is gone.
import lingeringMembers from '../../src/rules/lingering-members.js';
import { clusterEvidence, group, member } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const here = ['127.0.0.1', '::1', 'localhost', '10.1.2.3'];
const gone = { pids: [4242], alive: [], gone: [4242], addresses: here };
const alive = { pids: [4242], alive: [4242], gone: [], addresses: here };
const orders = group('orders', [member('consumer-1-abc', '10.1.2.3', [0]), member('consumer-1-def', '10.9.9.9', [1])]);

ruleTester(lingeringMembers, {
  valid: [
    { name: 'no process given', evidence: { cluster: clusterEvidence({ groups: [orders] }) } },
    { name: 'the process still runs', evidence: { cluster: clusterEvidence({ groups: [orders], local: alive }) } },
    {
      name: 'the process is gone and none of the members is from this host',
      evidence: { cluster: clusterEvidence({ groups: [group('orders', [member('m', '10.9.9.9', [0])])], local: gone }) },
    },
  ],
  invalid: [
    {
      name: 'a member from this host outlives its process',
      evidence: { cluster: clusterEvidence({ groups: [orders], local: gone }) },
      findings: [{ summary: 'group orders: 1 member from this host (10.1.2.3) still joined after PID 4242 ended', confidence: 'likely', data: { members: 1 } }],
    },
    {
      name: 'watched until the session timed out: confirmed, with when it left',
      evidence: {
        cluster: clusterEvidence({
          groups: [orders],
          local: gone,
          membership: {
            intervalMs: 1000,
            samples: [],
            events: [{ atMs: 8400, groupId: 'orders', kind: 'leave', memberId: 'consumer-1-abc', clientId: 'svc', clientHost: '10.1.2.3' }],
          },
        }),
      },
      findings: [
        {
          summary:
            'group orders: 1 member from this host (10.1.2.3) still joined after PID 4242 ended; 1 left 8.4 s into the watch (the session timeout), 0 still there',
          confidence: 'confirmed',
        },
      ],
    },
  ],
  missing: {},
});
