// kleak top: every process on the host with TCP sockets to the brokers. The TCP tables are read once per
// network namespace (a pod's processes share one), only the sockets whose remote end is a broker are kept,
// and only the processes of a namespace that has any are searched for them (their fd links): a namespace
// without a broker connection costs one table read. The tables come from the kernel's sock_diag through iproute2's
// `ss` with a kernel-side filter on the brokers (`nsenter` into other namespaces, as root), or from /proc when that
// cannot be (no ss, not root, a broker given by host name, KLEAK_SOCKETS_FROM=proc).
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { brokerMatcher, endpointKey } from '../process/build-process-sockets.js';
import { parseCmdline, parseOpenFilesLimit, parseSocketInode } from '../process/parse-proc-files.js';
import { parseProcNetTcp, type ParsedTcpTable } from '../process/parse-proc-net-tcp.js';
import { assertLinux } from '../process/index.js';
import { nodeProcReader, readProcText, runtimeOf, type ProcReader } from '../process/read-proc.js';
import { readLibrdkafkaBinding, threadNames } from '../process/librdkafka.js';
import { brokerFilter, readSockDiag, sockDiagAccess, type SocketReadMethod } from '../process/sock-diag.js';
import { goLibraryOf } from '../shutdown/proc-watch.js';
import { jvmClientTotal, readJvm } from '../process/jvm.js';
import { readClientVersions } from '../process/versions.js';
import { withAdvisories } from '../../advisories/index.js';
import type { BrokerEndpoint, BrokerSource, Runtime, TcpSocket } from '../process/types.js';
import type { Library } from '../../types.js';
import type { HostProcess, HostTop } from './types.js';
import { containerOf } from './cgroup.js';

export interface HostTopRequest {
  endpoints: BrokerEndpoint[];
  brokerSource: BrokerSource;
  warnings?: string[];
  /** processes not to list (kleak itself) */
  exclude?: number[];
}

// A namespace's table comes from `ss` (a child process, on the other core) while this thread reads the fd links of
// the namespace before it: the two overlap namespace after namespace. The /proc fallback is read in this thread.
async function brokerSocketsOf(
  pid: number,
  netns: string,
  reader: ProcReader,
  matcher: ReturnType<typeof brokerMatcher>,
  filter: string[] | undefined,
  into: ParsedTcpTable & { methods: Map<SocketReadMethod, number>; why: Set<string> },
): Promise<{ found: Map<number, TcpSocket>; method: SocketReadMethod }> {
  const found = new Map<number, TcpSocket>();
  const access = filter && reader === nodeProcReader ? sockDiagAccess(pid, netns) : undefined;
  if (filter && access && 'argv' in access) {
    try {
      const table = await readSockDiag(access, filter);
      for (const s of table.sockets) if (matcher.match(s.remoteAddress, s.remotePort)) found.set(s.inode, s);
      into.warnings.push(...table.warnings);
      into.methods.set('sock_diag', (into.methods.get('sock_diag') ?? 0) + 1);
      return { found, method: 'sock_diag' };
    } catch (error) {
      if (!existsSync(`/proc/${pid}`)) throw error; // gone: the namespace is read through its next process
      into.why.add((error as Error).message);
    }
  } else if (access && 'unavailable' in access) into.why.add(access.unavailable);
  else if (reader === nodeProcReader) into.why.add('a broker is given by host name');
  for (const file of ['tcp', 'tcp6']) {
    const table: ParsedTcpTable = { sockets: [], warnings: [] };
    try {
      parseProcNetTcp(reader.readText(`/proc/${pid}/net/${file}`), undefined, table);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // IPv6 disabled, or the process is gone
      throw error;
    }
    for (const s of table.sockets) if (matcher.match(s.remoteAddress, s.remotePort)) found.set(s.inode, s);
    into.warnings.push(...table.warnings);
  }
  into.methods.set('/proc', (into.methods.get('/proc') ?? 0) + 1);
  return { found, method: '/proc' };
}

/** One look at the host: the processes holding broker sockets, their states per broker, fds of the limit. */
/** the process ended between the listing of /proc and the read (kleak's own `ss`, a short-lived process) */
const gone = (error: unknown) => ['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

export async function readHostTop(request: HostTopRequest, reader: ProcReader = nodeProcReader, carry?: HostLookCarry): Promise<HostTop> {
  if (reader === nodeProcReader) assertLinux();
  const started = performance.now();
  const exclude = new Set(request.exclude ?? []);
  const byNetns = new Map<string, number[]>();
  let unreadable = 0;
  for (const entry of reader.listDir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || exclude.has(pid)) continue;
    try {
      const ns = reader.readLink(`/proc/${pid}/ns/net`);
      const list = byNetns.get(ns);
      if (list) list.push(pid);
      else byNetns.set(ns, [pid]);
    } catch (error) {
      if (!gone(error)) unreadable++; // another user's process without the rights to read it
    }
  }
  if (byNetns.size === 0)
    throw new InputError('No process could be read under /proc.', {
      hint: 'Run kleak as the services’ user, or as root (or with CAP_SYS_PTRACE) to see every process.',
    });
  const matcher = brokerMatcher(request.endpoints);
  const warnings = [...(request.warnings ?? [])];
  const parseWarnings = { sockets: [], warnings: [], methods: new Map<SocketReadMethod, number>(), why: new Set<string>() };
  const filter = brokerFilter(request.endpoints);
  const processes: HostProcess[] = [];
  let namespacesWithBrokers = 0;
  const cache: ExeCache = { runtimes: new Map(), goLibraries: new Map() };
  let brokerSocketsSeen = 0;
  let unattributed = 0;
  // the excluded processes' own sockets (kleak's metadata connection, still closing) are not someone else's
  const excludedInodes = new Set<number>();
  for (const pid of exclude)
    try {
      for (const inode of socketInodesOf(pid, reader).inodes) excludedInodes.add(inode);
    } catch {
      // gone
    }
  const tableOf = async (netns: string, pids: number[]): Promise<{ found: Map<number, TcpSocket>; method: SocketReadMethod } | undefined> => {
    for (const reading of pids) {
      try {
        return await brokerSocketsOf(reading, netns, reader, matcher, filter, parseWarnings);
      } catch {
        // that process went away: its namespace's table is read through the next one
      }
    }
    return undefined;
  };
  // with a carry (kleak export, top --watch), a namespace whose TCP counters, processes and fd counts are as at its
  // last read is not read again: its table and fd links would say the same
  const reused = new Set<string>();
  const states = new Map<string, NamespaceState>();
  if (carry && reader !== nodeProcReader) carry = undefined; // counters of captured files are not kept
  if (carry) {
    for (const netns of carry.namespaces.keys()) if (!byNetns.has(netns)) carry.namespaces.delete(netns);
    for (const [netns, pids] of byNetns) {
      const state = namespaceState(pids);
      if (!state) continue;
      states.set(netns, state);
      const last = carry.namespaces.get(netns);
      if (!last || last.counters !== state.counters || last.looksSinceRead + 1 >= carry.fullReadEvery) continue;
      if (last.brokerSockets > 0 && last.processes !== processesState(pids)) continue;
      last.looksSinceRead++;
      reused.add(netns);
      processes.push(...last.found);
      unreadable += last.unreadable;
      unattributed += last.unattributed;
      brokerSocketsSeen += last.brokerSockets;
      if (last.brokerSockets > 0) namespacesWithBrokers++;
      parseWarnings.methods.set(last.method, (parseWarnings.methods.get(last.method) ?? 0) + 1);
    }
  }
  const namespaces = [...byNetns].filter(([netns]) => !reused.has(netns));
  // the next namespaces' tables are under way while this one's processes are read: two at a time, the kernel's
  // dump of each walks every TCP socket of the host, whatever its namespace, and one alone leaves a core idle
  const tables = new Map<number, ReturnType<typeof tableOf>>();
  const ahead = (i: number) => {
    if (i < namespaces.length && !tables.has(i)) tables.set(i, tableOf(...namespaces[i]!));
  };
  for (let i = 0; i < namespaces.length; i++) {
    const [netns, pids] = namespaces[i]!;
    ahead(i);
    ahead(i + 1);
    const table = await tables.get(i);
    const sockets = table?.found;
    tables.delete(i);
    ahead(i + 1);
    ahead(i + 2);
    const read: CarriedNamespace | undefined =
      carry && states.has(netns)
        ? {
            counters: states.get(netns)!.counters,
            processes: '',
            looksSinceRead: 0,
            found: [],
            unreadable: 0,
            unattributed: 0,
            brokerSockets: sockets?.size ?? 0,
            method: table?.method ?? 'sock_diag',
          }
        : undefined;
    if (read && sockets) carry!.namespaces.set(netns, read);
    else carry?.namespaces.delete(netns);
    if (!sockets || sockets.size === 0) continue;
    namespacesWithBrokers++;
    brokerSocketsSeen += sockets.size;
    const claimed = new Set(excludedInodes);
    for (const pid of pids) {
      const p = readHostProcess(pid, netns, sockets, reader, cache, claimed);
      if (p === 'unreadable') {
        unreadable++;
        if (read) read.unreadable++;
      } else if (p) {
        processes.push(p);
        read?.found.push(p);
      }
    }
    // held by a process kleak could not read (or by none: inode 0, a socket closing)
    let left = 0;
    for (const [inode] of sockets) if (inode !== 0 && !claimed.has(inode)) left++;
    unattributed += left;
    if (read) {
      read.unattributed = left;
      // after the fd reads: a process started meanwhile, or an fd opened, makes the next look read again
      read.processes = processesState(pids);
    }
  }
  if (unreadable > 0) warnings.push(`${unreadable} processes could not be read (another user's, without CAP_SYS_PTRACE): their sockets are not attributed`);
  warnings.push(...parseWarnings.warnings.slice(0, 5));
  const viaProc = parseWarnings.methods.get('/proc') ?? 0;
  const viaDiag = parseWarnings.methods.get('sock_diag') ?? 0;
  if (viaProc > 0 && reader === nodeProcReader)
    warnings.push(`${viaProc} network namespaces read from /proc, not sock_diag (${[...parseWarnings.why].join('; ')}): slower on hosts with many sockets`);
  processes.sort((a, b) => b.totals.established - a.totals.established || a.pid - b.pid);
  return {
    takenAt: new Date().toISOString(),
    method: viaProc > 0 && viaDiag > 0 ? 'mixed' : viaDiag > 0 ? 'sock_diag' : '/proc',
    brokerSource: request.brokerSource,
    brokerEndpoints: request.endpoints,
    namespaces: byNetns.size,
    namespacesWithBrokers,
    processesScanned: [...byNetns.values()].reduce((n, p) => n + p.length, 0),
    brokerSockets: brokerSocketsSeen,
    unattributedBrokerSockets: unattributed,
    processes,
    ...(carry ? { namespacesUnchanged: reused.size } : {}),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    warnings,
  };
}

/**
 * What kleak export and top --watch keep between looks at the host: per network namespace, what its last read
 * found and the state it was read in. A namespace is read again when its TCP counters change (a connection opened,
 * accepted, failed, reset or out of ESTABLISHED), a process started or ended, any process's fd count changed, or
 * after `fullReadEvery` looks in any case: a connection that the broker closes (ESTABLISHED to CLOSE_WAIT) moves
 * no counter that Linux keeps per namespace, and is seen at that read.
 */
export interface HostLookCarry {
  fullReadEvery: number;
  namespaces: Map<string, CarriedNamespace>;
}

interface CarriedNamespace {
  counters: string;
  processes: string;
  looksSinceRead: number;
  found: HostProcess[];
  unreadable: number;
  unattributed: number;
  brokerSockets: number;
  method: SocketReadMethod;
}

export function hostLookCarry(fullReadEvery = 10): HostLookCarry {
  return { fullReadEvery, namespaces: new Map() };
}

interface NamespaceState {
  counters: string;
}

const tcpCounters = ['ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'CurrEstab'];

/**
 * The namespace's TCP counters, read through the first of its processes that can be read: from /proc/PID/net/snmp,
 * connections opened (ActiveOpens, PassiveOpens), failed, reset and ESTABLISHED; from sockstat and sockstat6, the
 * TCP sockets in use (one closes) and in TIME_WAIT. None of them moves with traffic on a connection.
 */
function namespaceState(pids: readonly number[]): NamespaceState | undefined {
  for (const pid of pids) {
    try {
      const snmp = readProcText(`/proc/${pid}/net/snmp`).split('\n');
      const header = snmp.find((l) => l.startsWith('Tcp: '))?.split(' ');
      const values = snmp.filter((l) => l.startsWith('Tcp: '))[1]?.split(' ');
      if (!header || !values) return undefined;
      const tcp = tcpCounters.map((name) => values[header.indexOf(name)] ?? '?');
      const sockstat = /^TCP: inuse (\d+) orphan \d+ tw (\d+)/m.exec(readProcText(`/proc/${pid}/net/sockstat`));
      let v6 = '-';
      try {
        v6 = /^TCP6: inuse (\d+)/m.exec(readProcText(`/proc/${pid}/net/sockstat6`))?.[1] ?? '?';
      } catch {
        // IPv6 off
      }
      if (!sockstat) return undefined;
      return { counters: `${tcp.join(',')} ${sockstat[1]},${sockstat[2]},${v6}` };
    } catch {
      // gone: the next one
    }
  }
  return undefined;
}

/** Each process's PID, start time and number of fds (Linux 6.2+ gives it as the fd directory's size). */
function processesState(pids: readonly number[]): string {
  const parts: string[] = [];
  for (const pid of pids) {
    try {
      const stat = readProcText(`/proc/${pid}/stat`);
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      let fds = statSync(`/proc/${pid}/fd`).size;
      if (fds === 0) fds = readdirSync(`/proc/${pid}/fd`).length;
      parts.push(`${pid}:${startTime}:${fds}`);
    } catch {
      parts.push(`${pid}:?`);
    }
  }
  return parts.join(' ');
}

interface ExeCache {
  runtimes: Map<string, Runtime>;
  goLibraries: Map<string, Library | undefined>;
}

/** The socket inodes behind a process's fds, and how many fds it has; throws when its fd directory cannot be listed. */
function socketInodesOf(pid: number, reader: ProcReader): { fds: number; inodes: number[] } {
  const guessed = reader === nodeProcReader ? socketInodesByNumber(pid) : undefined;
  if (guessed) return guessed;
  const fds = reader.listDir(`/proc/${pid}/fd`);
  const inodes: number[] = [];
  for (const fd of fds) {
    let link: string;
    try {
      link = reader.readLink(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const inode = parseSocketInode(link);
    if (inode !== undefined) inodes.push(inode);
  }
  return { fds: fds.length, inodes };
}

/**
 * The same without listing the fd directory: Linux 6.2+ gives the number of open fds as the directory's size, and
 * fds are dense from 0, so the links are read by number until that many are found (listing 500 fds costs the kernel
 * about as much as reading their links). Undefined when the size is not given or the table has wide holes.
 */
function socketInodesByNumber(pid: number): { fds: number; inodes: number[] } | undefined {
  let count: number;
  try {
    count = statSync(`/proc/${pid}/fd`).size;
  } catch {
    return undefined;
  }
  if (count <= 0) return undefined;
  const inodes: number[] = [];
  let found = 0;
  let misses = 0;
  for (let fd = 0; found < count; fd++) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // another user's: unreadable
      if (++misses > 64) return undefined; // a sparse table (or the process is gone): list it
      continue;
    }
    found++;
    misses = 0;
    const inode = parseSocketInode(link);
    if (inode !== undefined) inodes.push(inode);
  }
  return { fds: count, inodes };
}

function readHostProcess(
  pid: number,
  netns: string,
  sockets: ReadonlyMap<number, TcpSocket>,
  reader: ProcReader,
  cache: ExeCache,
  claimed: Set<number>,
): HostProcess | 'unreadable' | undefined {
  const base = `/proc/${pid}`;
  let fds: number;
  const mine: TcpSocket[] = [];
  try {
    const listed = socketInodesOf(pid, reader);
    fds = listed.fds;
    for (const inode of listed.inodes) {
      const s = sockets.get(inode);
      if (s) {
        mine.push(s);
        claimed.add(inode);
      }
    }
  } catch (error) {
    return gone(error) ? undefined : 'unreadable';
  }
  if (mine.length === 0) return undefined;
  const tryRead = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  const exe = tryRead<string | null>(() => reader.readLink(`${base}/exe`), null);
  // one look per executable: 200 workers of one binary are one read of it
  const runtime = exe !== null && cache.runtimes.has(exe) ? cache.runtimes.get(exe)! : runtimeOf(exe, () => reader.isGoBinary(`${base}/exe`));
  if (exe !== null) cache.runtimes.set(exe, runtime);
  const brokers = new Map<string, HostProcess['brokers'][number]>();
  for (const s of mine) {
    const address = endpointKey(s.remoteAddress, s.remotePort);
    const b = brokers.get(address) ?? { address, established: 0, closeWait: 0, other: 0 };
    if (s.state === 'ESTABLISHED') b.established++;
    else if (s.state === 'CLOSE_WAIT') b.closeWait++;
    else b.other++;
    brokers.set(address, b);
  }
  const list = [...brokers.values()].sort((a, b) => a.address.localeCompare(b.address));
  const live = reader === nodeProcReader;
  let library: Library | undefined;
  let jvmClients: HostProcess['jvmClients'];
  let jvm: ReturnType<typeof readJvm> | undefined;
  if (live && (runtime === 'go' || runtime === 'node')) {
    library = readLibrdkafkaBinding(pid, runtime);
    if (!library && runtime === 'go') {
      const key = exe ?? `pid-${pid}`;
      if (!cache.goLibraries.has(key)) cache.goLibraries.set(key, goLibraryOf(pid));
      library = cache.goLibraries.get(key);
    }
  } else if (live && runtime === 'java') {
    // a JVM: its Kafka client threads, or the kafka-clients / spring-kafka jar it holds open
    jvm = readJvm(pid, threadNames(pid));
    library = jvm.springKafka ? 'spring-kafka' : jvm.kafkaClients || jvmClientTotal(jvm.threads) > 0 ? 'kafka-clients' : undefined;
    if (library) jvmClients = jvm.threads;
  }
  // the library versions (cached per process: read once, from its binary, package.json, jars or site-packages)
  const versions = live ? withAdvisories(readClientVersions({ pid, runtime, exe, ...(jvm ? { jvm } : {}) })) : [];
  return {
    pid,
    command: tryRead(() => parseCmdline(reader.readText(`${base}/cmdline`)), '') || tryRead(() => reader.readText(`${base}/comm`).trim(), ''),
    runtime,
    ...(library ? { library } : {}),
    ...(versions.length ? { versions } : {}),
    ...(jvmClients ? { jvmClients } : {}),
    container: tryRead(() => containerOf(reader.readText(`${base}/cgroup`)), null),
    netns,
    fds,
    fdLimit: tryRead(() => parseOpenFilesLimit(reader.readText(`${base}/limits`)), null),
    brokers: list,
    totals: {
      established: list.reduce((n, b) => n + b.established, 0),
      closeWait: list.reduce((n, b) => n + b.closeWait, 0),
      other: list.reduce((n, b) => n + b.other, 0),
    },
  };
}
