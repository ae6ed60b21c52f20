// The sockets collector: a process's (or a process tree's) sockets, per broker and TCP state.
import type pidusage from 'pidusage';
import { InputError } from '../../errors.js';
import { collect, type CollectorResult } from '../types.js';
import { brokerMatcher, buildProcessSockets, sumTotals } from './build-process-sockets.js';
import { parseCmdline, parseOpenFilesLimit, parseProcStatus, parseSocketInode, parseStatPpid } from './parse-proc-files.js';
import { parseProcNetTcp, type ParsedTcpTable } from './parse-proc-net-tcp.js';
import { nodeProcReader, procError, runtimeOf, type ProcReader } from './read-proc.js';
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
  for (const fd of fds) {
    try {
      const inode = parseSocketInode(reader.readLink(`${base}/fd/${fd}`));
      if (inode !== undefined) socketInodes.add(inode);
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
  const tables = [...byNetns.values()].map((group) => ({ group, chunks: ['tcp', 'tcp6'].map((f) => reader.readLines(`/proc/${group[0]}/net/${f}`)) }));
  const processes = pids.map((pid) => readProcess(pid, reader));
  const tcpByInode = new Map<number, TcpSocket>();
  const warnings = [...(request.warnings ?? [])];
  for (const { group, chunks } of tables) {
    const inodes = new Set<number>();
    for (const p of processes) if (group.includes(p.pid)) for (const inode of p.socketInodes) inodes.add(inode);
    const table = await readTcpTables(group[0]!, chunks, inodes);
    for (const s of table.sockets) tcpByInode.set(s.inode, s);
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
    return {
      pid: p.pid,
      command: p.command || p.status.name,
      exe: p.exe,
      runtime: runtimeOf(p.exe, () => reader.isGoBinary(`/proc/${p.pid}/exe`)),
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
    processes: results,
    totals: sumTotals(results.map((r) => r.totals)),
    warnings,
  };
}

export function collectSockets(request: SocketsRequest, reader: ProcReader = nodeProcReader): Promise<CollectorResult<SocketInventory>> {
  return collect(() => readSocketInventory(request, reader));
}
