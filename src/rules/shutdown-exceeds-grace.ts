// shutdown-exceeds-grace: the process was still alive when the grace period ended (Kubernetes then sends
// SIGKILL: whatever Close had not finished is lost). With a Go pprof endpoint the goroutines that wait
// (select, chan receive, semacquire) show where Close is stuck, e.g. a ConsumeClaim that never returns
// holds the lock group.Close() needs (Sarama #1351).
import { defineRule } from './define-rule.js';
import { inRuns, seconds, shutdownSequence } from './helpers.js';
import type { SourceLocation } from '../types.js';
import type { StuckGoroutine } from '../collectors/shutdown/types.js';

/** "github.com/IBM/sarama.(*consumerGroup).leave" → "sarama.(*consumerGroup).leave" */
const short = (fn: string) => fn.slice(fn.lastIndexOf('/') + 1);

export default defineRule({
  id: 'shutdown-exceeds-grace',
  meta: {
    title: 'Shutdown takes longer than the grace period',
    description: 'The process was still running when the grace period ended: the orchestrator kills it, and what Close had not finished is lost.',
    severity: 'error',
    messages: {
      alive: 'PID {pid} was still running {budget} after {signal} (grace period {grace}){stuck}{runs}',
      slow: 'PID {pid} exited {after} after {signal}, past the grace period of {budget}{runs}',
    },
    fix: {
      sarama: `Bound every step of the shutdown by the grace period, and make ConsumeClaim return when its session ends (select on session.Context().Done() beside claim.Messages()), or group.Close() waits for it forever.
  ${shutdownSequence.sarama}`,
      'franz-go': `Bound Close: cl.Flush(ctx) and cl.LeaveGroupContext(ctx) with a context that ends before the grace period; with BlockRebalanceOnPoll call cl.AllowRebalance() (or CloseAllowingRebalance).
  ${shutdownSequence['franz-go']}`,
      kafkajs: `Never await consumer.disconnect() inside eachMessage (it waits for that very handler); bound the handler's work, and set the grace period above the fetch wait (maxWaitTimeInMs, 5 s) plus the handler time.
  ${shutdownSequence.kafkajs}`,
      unknown: `Bound each step of the shutdown by the grace period (terminationGracePeriodSeconds, 30 s by default), or raise the grace period above the worst case. ${shutdownSequence.unknown}`,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    const late = shutdown.runs.filter((r) => !r.exit.exited || r.exit.killed || (r.exit.afterMs ?? 0) > r.graceMs - r.prestopMs);
    if (late.length === 0) return [];
    const r = late[0]!;
    const budget = r.graceMs - r.prestopMs;
    const alive = !r.exit.exited || r.exit.killed;
    const locations: SourceLocation[] = [];
    for (const st of r.stuck ?? []) {
      const own = st.serviceFrame;
      if (own && !locations.some((l) => l.file === own.file && l.line === own.line))
        locations.push({ file: own.file, line: own.line, function: own.function, count: st.count, countOf: 'goroutines', from: 'runtime' });
    }
    const where = (st: StuckGoroutine) =>
      `${st.count} goroutine${st.count === 1 ? '' : 's'} [${st.state}${st.minutes !== null ? `, ${st.minutes} minutes` : ''}] in ${short(st.waitsIn.function)}${st.serviceFrame && (st.serviceFrame.function !== st.waitsIn.function || st.serviceFrame.line !== st.waitsIn.line) ? ` (called at ${st.serviceFrame.file.split('/').pop()}:${st.serviceFrame.line})` : ''}`;
    const closeStuck = r.stuck?.find((st) => st.kind === 'close');
    const serviceStuck = r.stuck?.find((st) => st.kind === 'service');
    const stuck = [closeStuck ? `Close waits: ${where(closeStuck)}` : '', serviceStuck ? `the service waits: ${where(serviceStuck)}` : '']
      .filter(Boolean)
      .join('; ');
    return [
      {
        messageId: alive ? ('alive' as const) : ('slow' as const),
        data: {
          pid: r.pid,
          signal: r.signal,
          budget: seconds(budget),
          grace: `${seconds(r.graceMs)}${r.prestopMs ? ` − ${seconds(r.prestopMs)} preStop` : ''}`,
          after: seconds(r.exit.afterMs ?? 0),
          stuck: stuck ? `; ${stuck}` : '',
          runs: inRuns(late.length, shutdown.runs.length),
        },
        confidence: 'confirmed' as const,
        library: r.library,
        evidence: [
          ...late.map((x) => ({
            source: 'shutdown' as const,
            description: `run ${x.run}: ${x.exit.exited ? (x.exit.killed ? 'killed with SIGKILL (--kill-after) after the grace period' : `exited ${x.exit.afterMs} ms after the signal`) : 'still running at the end of the check'}`,
            data: { run: x.run, exited: x.exit.exited ? 1 : 0 },
          })),
          ...(r.stuck ?? []).map((s) => ({
            source: 'shutdown' as const,
            description: `${s.count} goroutine(s) [${s.state}${s.minutes !== null ? `, ${s.minutes} minutes` : ''}] (${s.kind}): ${s.frames
              .filter((f) => !/^(runtime|internal\/|sync\.)/.test(f.function))
              .slice(0, 4)
              .map((f) => `${f.function} (${f.file.split('/').slice(-2).join('/')}:${f.line})`)
              .join(' ← ')}`,
          })),
        ],
        locations,
      },
    ];
  },
});
