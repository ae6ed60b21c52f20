// shutdown-no-leave-group: the process's group members were still listed after it exited, so no
// LeaveGroup was sent and the coordinator waits out the session timeout before its partitions move.
// A member that vanished while the process was alive (or within session timeout − heartbeat of the
// signal) left explicitly. Static members (group.instance.id) skip LeaveGroup by design: info.
import { defineRule } from './define-rule.js';
import { inRuns, plural, seconds, shutdownSequence } from './helpers.js';

export default defineRule({
  id: 'shutdown-no-leave-group',
  meta: {
    title: 'No LeaveGroup at shutdown: partitions wait out the session timeout',
    description: 'The consumer exited without leaving its group: the group cannot give its partitions to the others until the session times out.',
    severity: 'warning',
    messages: {
      noLeave:
        'group {groupId}: {members} {memberWord} still listed after PID {pid} exited — no LeaveGroup; its partitions stay unconsumed until the session times out ({session}){runs}',
      static:
        'group {groupId}: static {memberWord} ({instanceIds}) did not leave the group, by design (group.instance.id): its partitions wait {session} for it to come back{runs}',
    },
    fix: {
      sarama: `Cancel the Consume context and call group.Close() on SIGTERM: it commits, then sends LeaveGroup.
  ${shutdownSequence.sarama}`,
      'franz-go': `Call cl.Close() (or cl.LeaveGroupContext(ctx)) on SIGTERM: it commits and leaves the group.
  ${shutdownSequence['franz-go']}`,
      kafkajs: `await consumer.disconnect() on SIGTERM before exiting: it commits and sends LeaveGroup.
  ${shutdownSequence.kafkajs}`,
      unknown: shutdownSequence.unknown,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    const findings = [];
    const byGroup = new Map<string, { noLeave: typeof shutdown.runs; static: typeof shutdown.runs }>();
    for (const r of shutdown.runs) {
      if (!r.exit.exited || r.exit.killed) continue; // exceeds-grace says what happened
      for (const g of r.groups) {
        const session = g.sessionTimeoutMs;
        const proven = g.leftAtMs !== undefined && (g.leftWhileAlive || (session !== undefined && g.leftAtMs < session - 3000) || session === undefined);
        if (proven) continue;
        const isStatic = g.instanceIdsKnown && g.members.every((m) => m.groupInstanceId);
        const entry = byGroup.get(g.groupId) ?? { noLeave: [], static: [] };
        (isStatic ? entry.static : entry.noLeave).push(r);
        byGroup.set(g.groupId, entry);
      }
    }
    for (const [groupId, entry] of byGroup) {
      for (const kind of ['noLeave', 'static'] as const) {
        const runs = entry[kind];
        if (runs.length === 0) continue;
        const r = runs[0]!;
        const g = r.groups.find((x) => x.groupId === groupId)!;
        findings.push({
          messageId: kind,
          data: {
            groupId,
            members: g.members.length,
            memberWord: plural(g.members.length, 'member'),
            pid: r.pid,
            session: g.sessionTimeoutMs ? `${seconds(g.sessionTimeoutMs)}, ${g.sessionTimeoutFrom}` : 'session.timeout.ms',
            instanceIds: g.members.map((m) => m.groupInstanceId ?? '?').join(', '),
            runs: inRuns(runs.length, shutdown.runs.length),
          },
          ...(kind === 'static' ? { severity: 'info' as const } : {}),
          confidence: g.stillListedAfterExit ? ('confirmed' as const) : ('likely' as const),
          library: r.library,
          evidence: runs.map((x) => {
            const gx = x.groups.find((y) => y.groupId === groupId)!;
            return {
              source: 'shutdown' as const,
              description: `run ${x.run}: members ${gx.members.map((m) => `${m.clientId}@${m.clientHost}`).join(', ')} ${gx.stillListedAfterExit ? `still listed ${x.exit.afterMs !== undefined ? 'after the exit at' : 'at'} ${x.exit.afterMs ?? '?'} ms` : `gone only at ${gx.leftAtMs} ms, after the exit at ${x.exit.afterMs} ms (the session timeout)`}${gx.instanceIdsKnown ? '' : '; static membership not readable (SASL: DescribeGroups v4 not spoken)'}`,
              data: { run: x.run, groupId, stillListed: gx.stillListedAfterExit ? 1 : 0 },
            };
          }),
        });
      }
    }
    return findings;
  },
});
