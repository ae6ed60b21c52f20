// What `kleak sockets` prints: per process, the broker connections by state, then totals and findings.
import type { ChalkInstance } from 'chalk';

import { mergeBrokers } from '../collectors/process/build-process-sockets.js';
import type { BrokerConnections, JvmAttachLook, ProcessSockets, SocketInventory } from '../collectors/process/types.js';
import type { Finding } from '../types.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';

export const sourceText: Record<SocketInventory['brokerSource'], string> = {
  cluster: 'brokers from the cluster metadata (--bootstrap)',
  flag: 'brokers as given (--brokers)',
  'default-ports': 'brokers guessed by port (9092-9094); give --bootstrap for exact attribution',
};

export const methodText: Record<SocketInventory['method'], string> = {
  sock_diag: 'TCP sockets read through sock_diag (ss, filtered in the kernel)',
  '/proc': 'TCP sockets read from /proc/PID/net/tcp',
};

export function toSocketsJson(inventory: SocketInventory, findings: Finding[]) {
  return {
    schemaVersion: 1 as const,
    command: 'sockets' as const,
    takenAt: inventory.takenAt,
    pid: inventory.processes[0]?.pid ?? null,
    pids: inventory.processes.map((p) => p.pid),
    brokerSource: inventory.brokerSource,
    brokerEndpoints: inventory.brokerEndpoints,
    method: inventory.method,
    brokers: mergeBrokers(inventory.processes.map((p) => p.brokers)),
    totals: inventory.totals,
    processes: inventory.processes,
    findings,
    warnings: inventory.warnings,
  };
}

const mb = (bytes: number | null) => (bytes === null ? '?' : `${(bytes / 1e6).toFixed(1)} MB`);

function brokerTable(brokers: BrokerConnections[]): string {
  const table = newTable({ head: ['broker', 'node', 'ESTABLISHED', 'CLOSE_WAIT', 'other states', 'send-Q', 'recv-Q'] });
  for (const b of brokers) {
    const others = Object.entries(b.states)
      .filter(([s]) => s !== 'ESTABLISHED' && s !== 'CLOSE_WAIT')
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    table.push([
      b.host ? `${b.address} (${b.host})` : b.address,
      b.nodeId ?? '',
      b.established,
      b.states.CLOSE_WAIT ?? 0,
      others || '',
      b.sendQueueBytes,
      b.receiveQueueBytes,
    ]);
  }
  return table.toString();
}

function processHeader(p: ProcessSockets, chalk: ChalkInstance): string {
  const cmd = p.command.length > 70 ? `${p.command.slice(0, 67)}…` : p.command;
  const python = p.python
    ? ` (Python${p.python.version ? ` ${p.python.version}` : ''}${p.python.virtualenv ? `, virtualenv ${p.python.virtualenv}` : ''})`
    : '';
  return `${chalk.bold(`PID ${p.pid}`)} ${cmd} — runtime ${p.runtime}${python}, ${p.threads ?? '?'} threads, RSS ${mb(p.rssBytes)}, CPU ${p.cpuPercent ?? '?'}%`;
}

/** A JVM's Kafka clients from outside: threads by kind, selectors, the JVM's own thread counters. */
function jvmLine(p: ProcessSockets): string | undefined {
  const j = p.jvm;
  if (!j) return undefined;
  const t = j.threads;
  const kinds = [
    [t.producers, 'producer'],
    [t.admins, 'admin'],
    [t.consumers, 'consumer (classic, in a group)'],
    [t.asyncConsumers, 'consumer (new protocol)'],
  ] as const;
  const clients = kinds.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`);
  return `JVM${j.kafkaClients ? ` · kafka-clients ${j.kafkaClients}` : ''}${j.springKafka ? ` · spring-kafka ${j.springKafka}` : ''} · Kafka client threads: ${clients.length ? clients.join(', ') : 'none'} · epoll fds ${j.selectors} (a Selector per client)${
    j.counters ? ` · threads started ${j.counters.started}, live ${j.counters.live} (hsperfdata)` : ' · no hsperfdata (-XX:-UsePerfData?)'
  }`;
}

/** What the JVM said through the attach protocol: its Kafka client threads by id, its counters, its Kafka objects. */
function attachLines(a: JvmAttachLook): string[] {
  const byKind = new Map<string, string[]>();
  const numbered = (id = '') => Number(/(\d+)$/.exec(id)?.[1] ?? 0);
  for (const c of [...a.clients].sort((x, y) => numbered(x.clientId) - numbered(y.clientId)))
    byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.clientId ?? '']);
  const ids = [...byKind].map(
    ([kind, list]) =>
      `${list.length} ${kind}${list.length === 1 ? '' : 's'}${list[0] ? ` (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', …' : ''})` : ''}`,
  );
  const built = [
    a.builtAtLeast.producers ? `${a.builtAtLeast.producers} producers` : '',
    a.builtAtLeast.admins ? `${a.builtAtLeast.admins} admin clients` : '',
  ].filter(Boolean);
  const short = (cls: string) => cls.slice(cls.lastIndexOf('.') + 1);
  const histogram = Object.entries(a.histogram).map(([cls, h]) => `${short(cls)} ${h.instances}`);
  return [
    `attach · Thread.print: ${ids.length ? ids.join(', ') : 'no Kafka client thread'}${built.length ? ` · at least ${built.join(' and ')} built in this JVM (the default client ids' counter)` : ''}`,
    `attach · GC.class_histogram (after a full GC): ${histogram.length ? histogram.join(', ') : 'no Kafka client object'}`,
    `attach · ${a.listenerStarted ? "kleak started the JVM's Attach Listener (SIGQUIT): its thread and /tmp/.java_pid socket stay for the JVM's life" : 'the JVM’s Attach Listener was running already'}`,
  ];
}

/** What py-spy read: the threads, and the Kafka client threads among them by kind. */
function pythonStacksLine(s: NonNullable<NonNullable<ProcessSockets['python']>['stacks']>): string {
  const clients = s.clients.map(
    (c) => `${c.threads} ${c.library} ${c.kind}${c.threads === 1 ? '' : 's'} (${c.names.slice(0, 2).join(', ')}${c.names.length > 2 ? ', …' : ''})`,
  );
  return `${s.tool} · ${s.threads.length} Python threads · ${clients.length ? clients.join(', ') : 'no Kafka client thread (confluent-kafka’s are librdkafka’s own, aiokafka has none)'}`;
}

/** The Kafka client libraries and versions the process runs, with how many known leak bugs each version has. */
export function librariesLine(p: Pick<ProcessSockets, 'libraries'>): string | undefined {
  if (!p.libraries?.length) return undefined;
  const parts = p.libraries.map((v) => {
    const bugs = v.advisories?.length ?? 0;
    const how = v.bundledIn ? `bundled in ${v.bundledIn}` : v.from;
    return `${v.library} ${v.version} (${how})${bugs ? ` — ${bugs} known leak ${bugs === 1 ? 'bug' : 'bugs'}: kleak advisories --library ${v.library} --version ${v.version}` : ''}`;
  });
  return `libraries · ${parts.join(' · ')}`;
}

function totalsLine(t: ProcessSockets['totals']): string {
  return `fds ${t.fds} of ${t.fdLimit ?? 'unlimited'} · sockets ${t.sockets} (TCP ${t.tcpSockets}) · to brokers ${t.brokerSockets} (ESTABLISHED ${t.brokerEstablished}, CLOSE_WAIT ${t.brokerCloseWait}) · not to brokers ${t.nonBrokerSockets}`;
}

export function renderSocketsTable(inventory: SocketInventory, findings: Finding[], chalk: ChalkInstance): string {
  const out = [chalk.dim(`${sourceText[inventory.brokerSource]} · ${methodText[inventory.method]}`)];
  for (const w of inventory.warnings) out.push(chalk.yellow(`warning: ${w}`));
  for (const p of inventory.processes) {
    out.push('', processHeader(p, chalk));
    out.push(p.brokers.length ? brokerTable(p.brokers) : chalk.dim('  no connections to brokers'));
    out.push(totalsLine(p.totals));
    const libraries = librariesLine(p);
    if (libraries) out.push(libraries);
    if (p.python?.stacks) out.push(pythonStacksLine(p.python.stacks));
    const jvm = jvmLine(p);
    if (jvm) out.push(jvm);
    if (p.jvm?.attach) out.push(...attachLines(p.jvm.attach));
  }
  if (inventory.processes.length > 1) {
    out.push('', chalk.bold(`All ${inventory.processes.length} processes`));
    const table = newTable({ head: ['pid', 'runtime', 'fds', 'broker ESTABLISHED', 'broker CLOSE_WAIT', 'not to brokers'] });
    for (const p of inventory.processes)
      table.push([p.pid, p.runtime, p.totals.fds, p.totals.brokerEstablished, p.totals.brokerCloseWait, p.totals.nonBrokerSockets]);
    const t = inventory.totals;
    table.push(['total', '', t.fds, t.brokerEstablished, t.brokerCloseWait, t.nonBrokerSockets]);
    out.push(table.toString());
  }
  out.push('', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}
