// What `kleak shutdown-check` prints: per run, the timeline from the signal to exit and what was measured.
import type { ChalkInstance } from 'chalk';
import type { ShutdownEvidence } from '../collectors/shutdown/types.js';
import type { Finding } from '../types.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';

export function toShutdownJson(evidence: ShutdownEvidence, findings: Finding[]) {
  return { schemaVersion: 1 as const, command: 'shutdown-check' as const, ...evidence, findings };
}

const at = (ms: number) => `${ms >= 0 ? '+' : '−'}${(Math.abs(ms) / 1000).toFixed(3)} s`;

export function renderShutdownTable(evidence: ShutdownEvidence, findings: Finding[], chalk: ChalkInstance): string {
  const out: string[] = [];
  for (const run of evidence.runs) {
    out.push(
      chalk.bold(`${evidence.runs.length > 1 ? `Run ${run.run}: ` : ''}PID ${run.pid}`) +
        ` ${run.command.slice(0, 80)} (${run.runtime}, ${run.library}) — ${run.signal}, grace ${run.graceMs / 1000} s${run.prestopMs ? ` − ${run.prestopMs / 1000} s preStop` : ''}`,
    );
    const timeline = newTable({ head: ['after the signal', 'event', 'detail'] });
    for (const e of run.timeline) timeline.push([at(e.atMs), e.kind, e.detail]);
    out.push(timeline.toString());
    const measured = newTable({ head: ['check', 'measured'] });
    measured.push([
      'sockets',
      `${run.sockets.atSignal} broker sockets at the signal; ${run.sockets.closedWhileAlive} closed by the process before exit; ${run.sockets.openAtExit} open at exit`,
    ]);
    for (const g of run.groups)
      measured.push([
        `group ${g.groupId}`,
        `${g.members.map((m) => `${m.clientId}${m.groupInstanceId ? ` (static: ${m.groupInstanceId})` : ''}`).join(', ')}; ${g.commitAtMs !== undefined ? `commit at ${at(g.commitAtMs)} (${g.committedPartitions} partitions)` : 'no commit in the window'}; ${g.leftAtMs !== undefined ? `left at ${at(g.leftAtMs)}${g.leftWhileAlive ? ' (process alive)' : ''}` : 'still listed after exit'}; ${g.uncommittedAfterExit} uncommitted after exit`,
      ]);
    if (run.drive)
      measured.push([
        'producer',
        `${run.drive.sent} requests with ids, ${run.drive.accepted} accepted (${run.drive.acceptedAfterSignal} after the signal); ${run.drive.found} found in ${run.drive.topics.join(', ')} (${run.drive.scanned} messages read back), ${run.drive.lost} lost, ${run.drive.duplicates} duplicates${run.drive.problems.length ? `; ${run.drive.problems.join('; ')}` : ''}`,
      ]);
    measured.push([
      'exit',
      run.exit.exited
        ? `${run.exit.afterMs} ms after the signal, ${run.exit.signal ? `killed by ${run.exit.signal}` : run.exit.code !== undefined ? `status ${run.exit.code}` : 'status not readable'}${run.exit.killed ? ' (SIGKILL, --kill-after)' : ''}`
        : 'still running',
    ]);
    for (const s of run.stuck ?? [])
      measured.push([
        `stuck [${s.state}${s.minutes !== null ? `, ${s.minutes} min` : ''}] ×${s.count}`,
        s.frames
          .slice(0, 4)
          .map((f) => `${f.function} ${f.file.split('/').slice(-2).join('/')}:${f.line}`)
          .join('\n'),
      ]);
    out.push(measured.toString());
    for (const n of run.notes) out.push(chalk.dim(`note: ${n}`));
    out.push('');
  }
  if (evidence.producerNotEvaluated) out.push(chalk.dim(`producer side not evaluated: ${evidence.producerNotEvaluated}`), '');
  out.push(findings.length ? renderFindings(findings, chalk) : chalk.green('Shut down gracefully: no finding.'));
  return `${out.join('\n')}\n`;
}
