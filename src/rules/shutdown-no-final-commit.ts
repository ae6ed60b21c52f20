// shutdown-no-final-commit: no committed offset of the process's group moved between the signal and
// exit while messages were left uncommitted: what it processed since its last commit is read again by
// the next owner of the partitions (duplicates), or, with franz-go's commit of polled offsets, skipped.
import { defineRule } from './define-rule.js';
import { inRuns, plural, shutdownSequence } from './helpers.js';

export default defineRule({
  id: 'shutdown-no-final-commit',
  meta: {
    title: 'No final commit at shutdown',
    description: 'The consumer exited without committing what it had consumed: the next owner of its partitions reads those messages again.',
    severity: 'warning',
    messages: {
      noCommit: 'group {groupId}: no offset committed between the signal and exit; {tail} {messageWord} uncommitted after PID {pid} exited{runs}',
    },
    fix: {
      sarama: `Close the consumer group on SIGTERM: release() waits for ConsumeClaim to return, then commits the marked offsets (AutoCommit), then leaves.
  ${shutdownSequence.sarama}`,
      'franz-go': `cl.Close() commits through the default revoke (autocommit); with autocommit off, cl.CommitUncommittedOffsets(ctx) first.
  ${shutdownSequence['franz-go']}`,
      kafkajs: `await consumer.disconnect(): it waits for the running eachMessage/eachBatch and commits before leaving.
  ${shutdownSequence.kafkajs}`,
      unknown: shutdownSequence.unknown,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    const byGroup = new Map<string, typeof shutdown.runs>();
    for (const r of shutdown.runs) {
      if (!r.exit.exited || r.exit.killed) continue;
      for (const g of r.groups) if (g.commitAtMs === undefined && g.uncommittedAfterExit > 0) byGroup.set(g.groupId, [...(byGroup.get(g.groupId) ?? []), r]);
    }
    return [...byGroup].map(([groupId, runs]) => {
      const r = runs[0]!;
      const g = r.groups.find((x) => x.groupId === groupId)!;
      return {
        messageId: 'noCommit' as const,
        data: {
          groupId,
          tail: g.uncommittedAfterExit,
          messageWord: plural(g.uncommittedAfterExit, 'message'),
          pid: r.pid,
          runs: inRuns(runs.length, shutdown.runs.length),
        },
        confidence: 'confirmed' as const,
        library: r.library,
        evidence: runs.map((x) => {
          const gx = x.groups.find((y) => y.groupId === groupId)!;
          return {
            source: 'shutdown' as const,
            description: `run ${x.run}: committed offsets polled every 100 ms from the signal to ${x.exit.afterMs} ms (exit): none moved; end − committed after exit = ${gx.uncommittedAfterExit} over ${gx.topics.join(', ')}`,
            data: { run: x.run, groupId, uncommitted: gx.uncommittedAfterExit },
          };
        }),
      };
    });
  },
});
