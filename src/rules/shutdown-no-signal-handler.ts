// shutdown-no-signal-handler: the process died within milliseconds of the signal, killed by it, before
// any shutdown step (commit, LeaveGroup, closing a broker socket): it has no handler, so nothing was
// flushed or closed. (A handler that closes everything and then re-raises the signal, as kafkajs's
// example does, also dies by the signal — but only after those steps, so it is not flagged.)
import { defineRule } from './define-rule.js';
import { inRuns, shutdownSequence } from './helpers.js';

/**
 * A process with a handler that does any Kafka work takes longer than this (and its steps show). The exit is
 * timed by kleak's own event loop: on a busy 2-core machine a death in the same millisecond was seen 100+ ms late.
 */
export const noHandlerWithinMs = 250;

export default defineRule({
  id: 'shutdown-no-signal-handler',
  meta: {
    title: 'No signal handler: the process dies on SIGTERM without closing its clients',
    description:
      'The process was killed by the signal within milliseconds and did nothing first: producers are not flushed, consumers neither commit nor leave.',
    severity: 'warning',
    messages: {
      noHandler: 'PID {pid} died {after} ms after {signal}{how}, before any commit, LeaveGroup or socket close: no signal handler{runs}',
    },
    fix: {
      sarama: shutdownSequence.sarama,
      'franz-go': shutdownSequence['franz-go'],
      kafkajs: shutdownSequence.kafkajs,
      unknown: shutdownSequence.unknown,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    const runs = shutdown.runs.filter((r) => {
      if (!r.exit.exited || r.exit.killed || (r.exit.afterMs ?? Infinity) > noHandlerWithinMs) return false;
      // without the exit status (kleak is not the parent and the parent reaped it at once) a handler that
      // calls exit(0) at once looks the same: not flagged, the run's notes say the status was not readable
      const bySignal = r.exit.signal === r.signal || r.exit.code === 128 + (r.signal === 'SIGTERM' ? 15 : r.signal === 'SIGINT' ? 2 : 0);
      if (!bySignal) return false;
      const steps = r.timeline.filter((e) => (e.kind === 'commit' || e.kind === 'leave' || e.kind === 'sockets-closed') && e.atMs < (r.exit.afterMs ?? 0));
      return steps.length === 0;
    });
    if (runs.length === 0) return [];
    const r = runs[0]!;
    return [
      {
        messageId: 'noHandler' as const,
        data: {
          pid: r.pid,
          after: r.exit.afterMs!,
          signal: r.signal,
          how:
            r.exit.statusFrom === 'unknown'
              ? ' (exit status not readable: kleak is not its parent)'
              : `, ${r.exit.signal ? `killed by ${r.exit.signal}` : `status ${r.exit.code}`}`,
          runs: inRuns(runs.length, shutdown.runs.length),
        },
        confidence: 'confirmed' as const,
        library: r.library,
        evidence: runs.map((x) => ({
          source: 'shutdown' as const,
          description: `run ${x.run}: ${x.exit.signal ? `killed by ${x.exit.signal}` : x.exit.code !== undefined ? `exit status ${x.exit.code}` : 'status not readable'} ${x.exit.afterMs} ms after ${x.signal}; ${x.sockets.atSignal} broker socket(s) open at the signal, ${x.sockets.closedWhileAlive} closed before exit`,
          data: { run: x.run, afterMs: x.exit.afterMs! },
        })),
      },
    ];
  },
});
