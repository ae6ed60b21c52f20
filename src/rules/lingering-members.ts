// lingering-members: members stay in their group after their process is gone. Without a LeaveGroup
// (no graceful shutdown: SIGKILL, or exit without consumer.disconnect()/Close()), the coordinator
// keeps the member until session.timeout.ms passes, and the group cannot rebalance its partitions
// to the survivors until then. kleak can tell only when it was given the process (--pid) on this
// host and the process is gone; with --watch it also measures when the member finally left.
import { defineRule } from './define-rule.js';
import { plural } from './helpers.js';

export default defineRule({
  id: 'lingering-members',
  meta: {
    title: 'Group members outlive their process: no graceful shutdown',
    description: 'Members from a process that is gone stay in the group until the session times out: the consumer did not leave the group on shutdown.',
    severity: 'warning',
    messages: {
      lingering: 'group {groupId}: {members} {memberWord} from this host ({hosts}) still joined after PID {gonePids} ended{left}',
    },
    fix: {
      sarama: 'On SIGTERM cancel the Consume context and call group.Close() (it leaves the group and commits), then client.Close().',
      'franz-go': 'On SIGTERM stop polling, commit (cl.CommitUncommittedOffsets), then cl.Close(), which leaves the group.',
      kafkajs: `Disconnect on SIGTERM/SIGINT: disconnect() stops the consumer and sends LeaveGroup.
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, async () => { await consumer.disconnect(); process.exit(0) })`,
      unknown: 'Close the consumer on SIGTERM so it sends LeaveGroup; do not exit or get killed with the group joined.',
    },
  },
  needs: ['cluster'],
  check({ cluster }) {
    const local = cluster.local;
    if (!local || local.gone.length === 0 || local.alive.length > 0) return [];
    const here = new Set(local.addresses);
    const findings = [];
    for (const g of cluster.view.groups) {
      const stale = g.members.filter((m) => here.has(m.clientHost));
      if (stale.length === 0) continue;
      const left =
        cluster.membership?.events.filter((e) => e.groupId === g.groupId && e.kind === 'leave' && stale.some((m) => m.memberId === e.memberId)) ?? [];
      const stillThere = stale.length - left.length;
      const timeouts = Object.values(cluster.view.config)
        .map((c) => c['group.min.session.timeout.ms'])
        .filter(Boolean);
      findings.push({
        messageId: 'lingering' as const,
        data: {
          groupId: g.groupId,
          members: stale.length,
          memberWord: plural(stale.length, 'member'),
          hosts: [...new Set(stale.map((m) => m.clientHost))].join(', '),
          gonePids: local.gone.join(', '),
          left: left.length
            ? `; ${left.length} left ${(left[left.length - 1]!.atMs / 1000).toFixed(1)} s into the watch (the session timeout), ${stillThere} still there`
            : '',
        },
        confidence: left.length ? ('confirmed' as const) : ('likely' as const),
        library: 'unknown' as const,
        evidence: [
          {
            source: 'cluster' as const,
            description: `members ${stale.map((m) => `${m.clientId}/${m.memberId.slice(-12)}`).join(', ')}; the broker allows session timeouts from ${timeouts[0] ?? '?'} ms`,
            data: { groupId: g.groupId, members: stale.length, left: left.length, gonePids: local.gone },
          },
        ],
      });
    }
    return findings;
  },
});
