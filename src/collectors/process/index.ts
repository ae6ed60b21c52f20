// The sockets collector: a process's (or a process tree's) sockets, per broker and TCP state.
import type pidusage from 'pidusage';
import { InputError } from '../../errors.js';
import { collect, type CollectorResult } from '../types.js';
import { brokerMatcher, buildProcessSockets, sumTotals } from './build-process-sockets.js';
import { parseCmdline, parseOpenFilesLimit, parseProcStatus, parseSocketInode, parseStatPpid } from './parse-proc-files.js';
import { parseProcNetTcp, type ParsedTcpTable } from './parse-proc-net-tcp.js';
import { brokerFilter, localPortFilter, readSockDiag, sockDiagAccess, type SockDiagAccess, type SocketReadMethod } from './sock-diag.js';
import { nodeProcReader, procError, runtimeOf, type ProcReader } from './read-proc.js';
import { jvmLookOf, noteJvmFdLink, type JvmFdLinks } from './jvm.js';
import { threadNames } from './librdkafka.js';
import { readClientVersions, readPythonLook } from './versions.js';
import { withAdvisories } from '../../advisories/index.js';
import type { BrokerEndpoint, ProcessSockets, SocketInventory, SocketsRequest, TcpSocket } from './types.js';

export const defaultKafkaPorts = [9092, 9093, 9094];

export function defaultPortEndpoints(): BrokerEndpoint[] {
  return defaultKafkaPorts.map((port) => ({ address: `*:${port}` }));
}

export function assertLinux(platform: string = process.platform): void {
  if (platform !== 'linux') {
    throw new InputError(`kleak reads sockets from /proc, which ${platform} does not have.`, {
      hint: 'Run kleak on the Linux host or in the container of the service (same PID namespace).',
    });
  }
}

function childrenOf(roots: number[], reader: ProcReader): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of reader.listDir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const ppid = parseStatPpid(reader.readText(`/proc/${pid}/stat`));
      if (ppid !== undefined) parentOf.set(pid, ppid);
    } catch {
      // exited while we looked
    }
  }
  const all = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (!all.has(pid) && all.has(ppid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  return [...all].sort((a, b) => a - b);
}

interface ProcessRead {
  pid: number;
  command: string;
  exe: string | null;
  fdCount: number;
  fdLimit: number | null;
  socketInodes: Set<number>;
  /** a JVM's epoll fds and open jars, from the same pass over the fd links */
  fdLinks: JvmFdLinks;
  status: ReturnType<typeof parseProcStatus>;
}

function readProcess(pid: number, reader: ProcReader): ProcessRead {
  const base = `/proc/${pid}`;
  let fds: string[];
  try {
    fds = reader.listDir(`${base}/fd`);
  } catch (error) {
    throw procError(pid, `${base}/fd`, error);
  }
  const socketInodes = new Set<number>();
  const fdLinks: JvmFdLinks = { selectors: 0, jars: [] };
  for (const fd of fds) {
    try {
      const link = reader.readLink(`${base}/fd/${fd}`);
      const inode = parseSocketInode(link);
      if (inode !== undefined) socketInodes.add(inode);
      else noteJvmFdLink(fdLinks, link);
    } catch {
      // closed between listing and reading
    }
  }
  const tryRead = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  return {
    pid,
    command: tryRead(() => parseCmdline(reader.readText(`${base}/cmdline`)), ''),
    exe: tryRead<string | null>(() => reader.readLink(`${base}/exe`), null),
    fdCount: fds.length,
    fdLimit: tryRead(() => parseOpenFilesLimit(reader.readText(`${base}/limits`)), null),
    socketInodes,
    fdLinks,
    status: tryRead(() => parseProcStatus(reader.readText(`${base}/status`)), { name: '', threads: null, rssBytes: null, ppid: null }),
  };
}

async function readTcpTables(pid: number, chunks: AsyncIterable<string>[], inodes: ReadonlySet<number>): Promise<ParsedTcpTable> {
  const table: ParsedTcpTable = { sockets: [], warnings: [] };
  for (const [i, file] of ['tcp', 'tcp6'].entries()) {
    try {
      for await (const text of chunks[i]!) parseProcNetTcp(text, inodes, table);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file === 'tcp6') continue; // IPv6 disabled
      throw procError(pid, `/proc/${pid}/net/${file}`, error);
    }
  }
  return table;
}

interface StartedTable {
  group: number[];
  /** sock_diag: the broker sockets, asked for first so the kernel's side runs beside the fd reads */
  diag?: { access: SockDiagAccess; filter: string[]; brokers: Promise<ParsedTcpTable> };
  chunks?: AsyncIterable<string>[];
}

function startTable(group: number[], netns: string, filter: string[] | undefined, reader: ProcReader): StartedTable {
  const access = filter ? sockDiagAccess(group[0]!, netns) : undefined;
  if (filter && access && 'argv' in access) {
    // the listeners too (no peer: `dport = :0`), in the same pass: every dump walks the whole namespace
    const brokers = readSockDiag(access, ['(', ...filter, 'or', 'dport', '=', ':0', ')']);
    brokers.catch(() => undefined); // awaited in finishTable
    return { group, diag: { access, filter, brokers } };
  }
  return { group, chunks: ['tcp', 'tcp6'].map((f) => reader.readLines(`/proc/${group[0]}/net/${f}`)) };
}

// Inodes of the namespace's sockets that are not TCP (a systemd service's stdout is a unix socket): known
// from small tables, so that they do not cost a dump of every TCP socket.
function nonTcpInodes(pid: number, reader: ProcReader): Set<number> {
  const inodes = new Set<number>();
  const column = { unix: 6, udp: 9, udp6: 9, netlink: 9 } as const;
  for (const [file, at] of Object.entries(column)) {
    let text: string;
    try {
      text = reader.readText(`/proc/${pid}/net/${file}`);
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = Number(line.trim().split(/\s+/)[at]);
      if (Number.isInteger(inode) && inode > 0) inodes.add(inode);
    }
  }
  return inodes;
}

/**
 * The namespace's TCP sockets that the group's processes hold. Through sock_diag: the broker sockets and the
 * listeners (one kernel-filtered pass); when some of the processes' socket inodes are still unknown and not in the
 * small non-TCP tables, the connections into their listening ports (filtered in the kernel), and only then every
 * other TCP socket.
 */
async function finishTable(
  started: StartedTable,
  inodes: ReadonlySet<number>,
  reader: ProcReader,
): Promise<{ table: ParsedTcpTable; method: SocketReadMethod }> {
  const pid = started.group[0]!;
  if (started.diag) {
    const { access, filter } = started.diag;
    try {
      const first = await started.diag.brokers;
      const table: ParsedTcpTable = { sockets: [], warnings: first.warnings };
      const unknown = new Set(inodes);
      const take = (more: ParsedTcpTable) => {
        for (const s of more.sockets) if (unknown.delete(s.inode)) table.sockets.push(s);
        if (more !== first) table.warnings.push(...more.warnings);
      };
      take(first);
      if (unknown.size > 0) for (const inode of nonTcpInodes(pid, reader)) unknown.delete(inode);
      const listenPorts = [...new Set(table.sockets.filter((s) => s.state === 'LISTEN').map((s) => s.localPort))];
      if (unknown.size > 0 && listenPorts.length > 0) take(await readSockDiag(access, [...localPortFilter(listenPorts), 'and', 'not', ...filter]));
      if (unknown.size > 0) take(await readSockDiag(access, ['not', ...filter]));
      return { table, method: 'sock_diag' };
    } catch (error) {
      const table = await readTcpTables(
        pid,
        ['tcp', 'tcp6'].map((f) => reader.readLines(`/proc/${pid}/net/${f}`)),
        inodes,
      );
      table.warnings.push(`sock_diag could not be read (${(error as Error).message}); read /proc/${pid}/net/tcp instead`);
      return { table, method: '/proc' };
    }
  }
  return { table: await readTcpTables(pid, started.chunks!, inodes), method: '/proc' };
}

async function readUsage(pids: number[]): Promise<Record<number, pidusage.Status>> {
  const { default: usage } = await import('pidusage');
  return usage(pids).catch(() => ({}));
}

/** Reads the inventory; throws InputError for a missing PID or a permission problem. */
export async function readSocketInventory(request: SocketsRequest, reader: ProcReader = nodeProcReader): Promise<SocketInventory> {
  if (reader === nodeProcReader) assertLinux();
  if (request.pids.length === 0) throw new InputError('No PID was given.', { hint: 'Pass --pid PID (repeat it for several processes).' });
  const pids = request.children ? childrenOf(request.pids, reader) : [...new Set(request.pids)];
  // One read of the TCP tables per network namespace, started first: the kernel's side of it runs
  // beside the fd reads below, and the lines are filtered by the union of the namespace's inodes.
  const byNetns = new Map<string, number[]>();
  for (const pid of pids) {
    let netns: string;
    try {
      netns = reader.readLink(`/proc/${pid}/ns/net`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw procError(pid, `/proc/${pid}`, error);
      netns = `pid-${pid}`;
    }
    byNetns.set(netns, [...(byNetns.get(netns) ?? []), pid]);
  }
  const filter = reader === nodeProcReader ? brokerFilter(request.endpoints) : undefined;
  const tables = [...byNetns.entries()].map(([netns, group]) => startTable(group, netns, filter, reader));
  const processes = pids.map((pid) => readProcess(pid, reader));
  const tcpByInode = new Map<number, TcpSocket>();
  const warnings = [...(request.warnings ?? [])];
  const methods = new Set<SocketReadMethod>();
  for (const started of tables) {
    const inodes = new Set<number>();
    for (const p of processes) if (started.group.includes(p.pid)) for (const inode of p.socketInodes) inodes.add(inode);
    const { table, method } = await finishTable(started, inodes, reader);
    methods.add(method);
    for (const s of table.sockets) if (inodes.has(s.inode)) tcpByInode.set(s.inode, s);
    warnings.push(...table.warnings);
  }

  const usage = request.usage === false || reader !== nodeProcReader ? {} : await readUsage(pids);
  const matcher = brokerMatcher(request.endpoints);
  const results: ProcessSockets[] = processes.map((p) => {
    const { brokers, totals, listenPorts, peers } = buildProcessSockets(
      { fdCount: p.fdCount, fdLimit: p.fdLimit, socketInodes: p.socketInodes, tcpByInode },
      matcher,
    );
    const u = (usage as Record<number, pidusage.Status | undefined>)[p.pid];
    const runtime = runtimeOf(p.exe, () => reader.isGoBinary(`/proc/${p.pid}/exe`));
    // a JVM read from /proc itself (its threads, fds and hsperfdata); not from a captured /proc
    const jvm = runtime === 'java' && reader === nodeProcReader ? jvmLookOf(p.pid, threadNames(p.pid), p.fdLinks) : undefined;
    const libraries = reader === nodeProcReader ? withAdvisories(readClientVersions({ pid: p.pid, runtime, exe: p.exe, ...(jvm ? { jvm } : {}) })) : [];
    return {
      pid: p.pid,
      command: p.command || p.status.name,
      exe: p.exe,
      runtime,
      ...(jvm ? { jvm } : {}),
      ...(libraries.length ? { libraries } : {}),
      ...(runtime === 'python' && reader === nodeProcReader ? { python: readPythonLook(p.pid, p.exe) } : {}),
      threads: p.status.threads,
      rssBytes: p.status.rssBytes ?? u?.memory ?? null,
      cpuPercent: u ? Math.round(u.cpu * 10) / 10 : null,
      listenPorts,
      brokers,
      totals,
      peers,
    };
  });
  return {
    takenAt: new Date().toISOString(),
    brokerSource: request.brokerSource,
    brokerEndpoints: request.endpoints,
    method: methods.has('/proc') ? '/proc' : 'sock_diag',
    processes: results,
    totals: sumTotals(results.map((r) => r.totals)),
    warnings,
  };
}

export function collectSockets(request: SocketsRequest, reader: ProcReader = nodeProcReader): Promise<CollectorResult<SocketInventory>> {
  return collect(() => readSocketInventory(request, reader));
}
