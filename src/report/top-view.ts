// What `kleak top` prints: one row per process holding broker sockets, most connections (or growth) first.
import type { ChalkInstance } from 'chalk';
import type { HostProcess, HostTop } from '../collectors/host/types.js';
import { newTable } from './new-table.js';
import { sourceText } from './sockets-view.js';

export type TopSort = 'connections' | 'growth';

export function sortedRows(top: HostTop, sort: TopSort, limit?: number): HostProcess[] {
  const rows = [...top.processes].sort((a, b) =>
    sort === 'growth'
      ? (b.growth ?? 0) - (a.growth ?? 0) || b.totals.established - a.totals.established
      : b.totals.established - a.totals.established || a.pid - b.pid,
  );
  return limit ? rows.slice(0, limit) : rows;
}

export function toTopJson(top: HostTop, rows: HostProcess[]) {
  return { schemaVersion: 1 as const, command: 'top' as const, ...top, processes: rows };
}

/** "sarama 1.36.0 · 9 bugs": the version that runs, and how many known leak bugs it has (kleak advisories lists them) */
function libraryCell(p: HostProcess, chalk?: ChalkInstance): string {
  const main = p.versions?.filter((v) => !v.bundledIn) ?? [];
  return main
    .map((v) => {
      const n = v.advisories?.length ?? 0;
      const bugs = n ? ` · ${n} ${n === 1 ? 'bug' : 'bugs'}` : '';
      return `${v.library} ${v.version}${chalk && bugs ? chalk.yellow(bugs) : bugs}`;
    })
    .join(', ');
}

const signed = (n: number) => (n > 0 ? `+${n}` : `${n}`);

export function renderTopTable(top: HostTop, rows: HostProcess[], chalk: ChalkInstance, watching = false): string {
  const brokers = [...new Set(rows.flatMap((p) => p.brokers.map((b) => b.address)))].sort();
  const table = newTable({
    head: [
      'PID',
      'command',
      'runtime',
      'library',
      'container',
      'ESTAB',
      'CLOSE_WAIT',
      ...(watching ? ['growth'] : []),
      'fds / limit',
      ...(brokers.length > 1 ? ['per broker (ESTAB)'] : []),
    ],
  });
  for (const p of rows) {
    const cmd = p.command.length > 40 ? `${p.command.slice(0, 39)}…` : p.command;
    table.push([
      p.pid,
      cmd,
      p.library && !p.versions?.length ? `${p.runtime}, ${p.library}` : p.runtime,
      libraryCell(p, chalk),
      p.container ?? '',
      p.totals.established,
      p.totals.closeWait ? chalk.yellow(String(p.totals.closeWait)) : 0,
      ...(watching ? [p.growth === undefined ? '' : p.growth > 0 ? chalk.red(signed(p.growth)) : signed(p.growth)] : []),
      `${p.fds} / ${p.fdLimit ?? '?'}`,
      ...(brokers.length > 1 ? [p.brokers.map((b) => `${b.address} ${b.established}`).join(', ')] : []),
    ]);
  }
  const total = top.processes.reduce((n, p) => n + p.totals.established, 0);
  const lines = [
    `${chalk.bold('kleak top')} — ${top.processes.length} processes with broker connections (${total} ESTABLISHED) of ${top.processesScanned} in ${top.namespaces} network namespaces (${top.namespacesWithBrokers} with broker sockets); read from ${top.method} in ${top.durationMs} ms`,
    chalk.dim(sourceText[top.brokerSource]),
    rows.length
      ? table.toString()
      : top.unattributedBrokerSockets
        ? chalk.yellow('No process kleak could read holds a connection to the brokers.')
        : chalk.green('No process holds a connection to the brokers.'),
  ];
  if (top.unattributedBrokerSockets)
    lines.push(
      chalk.yellow(
        `${top.unattributedBrokerSockets} sockets to the brokers belong to processes kleak could not read: run it as root or with CAP_SYS_PTRACE to attribute them`,
      ),
    );
  if (rows.length < top.processes.length) lines.push(chalk.dim(`… ${top.processes.length - rows.length} more (--top)`));
  for (const w of top.warnings) lines.push(chalk.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

export function renderTopMarkdown(top: HostTop, rows: HostProcess[]): string {
  const out = [
    '# kleak top',
    '',
    `${top.processes.length} processes with broker connections, of ${top.processesScanned} in ${top.namespaces} network namespaces; ${sourceText[top.brokerSource]}; read from \`${top.method}\` at ${top.takenAt}.`,
    '',
    '| PID | command | runtime | library | container | ESTABLISHED | CLOSE_WAIT | fds / limit | per broker |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (p) =>
        `| ${p.pid} | \`${p.command.replaceAll('|', '\\|').slice(0, 60)}\` | ${p.library && !p.versions?.length ? `${p.runtime}, ${p.library}` : p.runtime} | ${libraryCell(p)} | ${p.container ?? ''} | ${p.totals.established} | ${p.totals.closeWait} | ${p.fds} / ${p.fdLimit ?? '?'} | ${p.brokers.map((b) => `${b.address} ${b.established}`).join(', ')} |`,
    ),
    ...(top.unattributedBrokerSockets ? [`\n> ${top.unattributedBrokerSockets} sockets to the brokers belong to processes kleak could not read.`] : []),
    ...top.warnings.map((w) => `\n> ${w}`),
  ];
  return `${out.join('\n')}\n`;
}
