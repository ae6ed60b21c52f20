// shutdown-sockets-left-open: broker sockets still open when the process exited, so the kernel closed
// them, not the client. Weak on its own (Sarama closes brokers asynchronously after LeaveGroup; a FIN
// proves nothing, a killed process sends one too), hence info, and only beside a client evidently not closed.
import { defineRule } from './define-rule.js';
import { inRuns, plural, shutdownSequence } from './helpers.js';

export default defineRule({
  id: 'shutdown-sockets-left-open',
  meta: {
    title: 'Broker connections left open at exit',
    description: 'Some broker sockets were still open when the process exited: a client was not closed before exit.',
    severity: 'info',
    messages: {
      open: '{open} of {atSignal} broker {socketWord} still open when PID {pid} exited (the kernel closed them, not the client){runs}',
    },
    fix: {
      sarama: `Close every client before returning from main (client.Close() after the producers and groups built on it).
  ${shutdownSequence.sarama}`,
      'franz-go': `cl.Close() every client before returning from main.
  ${shutdownSequence['franz-go']}`,
      kafkajs: `await disconnect() on every producer, consumer and admin before exit.
  ${shutdownSequence.kafkajs}`,
      unknown: shutdownSequence.unknown,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    // A socket that leaves /proc/PID/fd while the process lives proves a close; its absence proves little
    // when the process exits right after closing (Go: microseconds; Sarama even closes asynchronously). So
    // this says something only beside a client that was evidently not closed: a member that did not leave,
    // or accepted messages lost. A process killed by the signal is shutdown-no-signal-handler's.
    const isStatic = (g: (typeof shutdown.runs)[number]['groups'][number]) => g.instanceIdsKnown && g.members.every((m) => m.groupInstanceId);
    const notClosed = (r: (typeof shutdown.runs)[number]) =>
      r.groups.some((g) => g.stillListedAfterExit && g.leftAtMs === undefined && !isStatic(g)) || (r.drive?.lost ?? 0) > 0;
    const runs = shutdown.runs.filter((r) => r.exit.exited && !r.exit.killed && r.sockets.openAtExit > 0 && r.exit.signal !== r.signal && notClosed(r));
    if (runs.length === 0) return [];
    const r = runs[0]!;
    return [
      {
        messageId: 'open' as const,
        data: {
          open: r.sockets.openAtExit,
          atSignal: r.sockets.atSignal,
          socketWord: plural(r.sockets.atSignal, 'socket'),
          pid: r.pid,
          runs: inRuns(runs.length, shutdown.runs.length),
        },
        confidence: 'likely' as const,
        library: r.library,
        evidence: runs.map((x) => ({
          source: 'shutdown' as const,
          description: `run ${x.run}: ${x.sockets.atSignal} broker socket(s) at the signal; ${x.sockets.closedWhileAlive} left /proc/${x.pid}/fd while the process was alive; ${x.sockets.openAtExit} open at exit (${x.exit.afterMs} ms)`,
          data: { run: x.run, open: x.sockets.openAtExit },
        })),
      },
    ];
  },
});
