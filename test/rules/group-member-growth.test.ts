// group-member-growth: membership over time, and more members from one host than partitions.
import groupMemberGrowth from '../../src/rules/group-member-growth.js';
import type { Membership } from '../../src/collectors/cluster/types.js';
import { clusterEvidence, group, member } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

/** a member joins every sample (a consumer per request) */
function joining(n: number, leaves = 0): Membership {
  const samples = Array.from({ length: n + 1 }, (_, i) => ({ atMs: i * 2000, members: { orders: i } }));
  const events = [
    ...Array.from({ length: n }, (_, i) => ({
      atMs: (i + 1) * 2000,
      groupId: 'orders',
      kind: 'join' as const,
      memberId: `m${i}`,
      clientId: 'svc',
      clientHost: '127.0.0.1',
    })),
    ...Array.from({ length: leaves }, (_, i) => ({
      atMs: (i + 1) * 2000,
      groupId: 'orders',
      kind: 'leave' as const,
      memberId: `m${i}`,
      clientId: 'svc',
      clientHost: '127.0.0.1',
    })),
  ];
  return { intervalMs: 2000, samples, events };
}
const members = (n: number, host = '127.0.0.1') => Array.from({ length: n }, (_, i) => member(`m${i}`, host, i < 3 ? [i] : []));

ruleTester(groupMemberGrowth, {
  valid: [
    { name: 'members match the partitions', evidence: { cluster: clusterEvidence({ groups: [group('orders', members(3))] }) } },
    {
      name: 'joins balanced by leaves (a rolling restart)',
      evidence: { cluster: clusterEvidence({ groups: [group('orders', members(2))], membership: joining(8, 8) }) },
    },
    {
      name: 'more members than partitions, but spread over hosts',
      evidence: { cluster: clusterEvidence({ groups: [group('orders', [...members(2, '10.0.0.1'), ...members(2, '10.0.0.2')])] }) },
    },
  ],
  invalid: [
    {
      name: 'one host holds more members than partitions',
      evidence: { cluster: clusterEvidence({ groups: [group('orders', members(7))] }) },
      findings: [
        { summary: 'group orders: 7 members from 127.0.0.1 for 3 partitions: 4 can never get one', confidence: 'likely', data: { groupId: 'orders' } },
      ],
    },
    {
      name: 'members join steadily while watched: confirmed',
      evidence: { cluster: clusterEvidence({ groups: [group('orders', members(3))], membership: joining(10) }) },
      findings: [{ summary: /^group orders: 10 members joined and 0 left in 20 s$/, confidence: 'confirmed', data: { joins: 10, leaves: 0 } }],
    },
  ],
  missing: {},
});
