// /proc reads the shutdown check polls: is the process alive (and how did it end), and which of its
// broker sockets are still open. Cheap enough for a 20–50 ms poll: one stat, one fd listing.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { parseSocketInode } from '../process/parse-proc-files.js';
import { parseProcNetTcp } from '../process/parse-proc-net-tcp.js';
import type { BrokerMatcher } from '../process/build-process-sockets.js';
import { nodeProcReader } from '../process/read-proc.js';

export interface ProcStat {
  state: string;
  startTime: number;
  /** field 52: the wait status while a zombie (0 otherwise) */
  exitCode: number;
}

/** /proc/PID/stat fields after the command name (which may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); field N is fields[N - 3]
  const state = fields[0];
  const startTime = Number(fields[22 - 3]);
  if (!state || !Number.isFinite(startTime)) return undefined;
  const exitCode = Number(fields[52 - 3] ?? 0);
  return { state, startTime, exitCode: Number.isFinite(exitCode) ? exitCode : 0 };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined; // gone (reaped)
  }
}

/** A wait status (as field 52 holds it) → exit code or terminating signal number. */
export function decodeWaitStatus(status: number): { code?: number; signalNumber?: number } {
  const signalNumber = status & 0x7f;
  return signalNumber === 0 ? { code: (status >> 8) & 0xff } : { signalNumber };
}

/** Adds the socket inodes of the process's open fds to `into`; false when /proc/PID/fd cannot be listed. */
export function listSocketInodes(pid: number, into: Set<number>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const inode = parseSocketInode(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (inode !== undefined) into.add(inode);
    } catch {
      // closed while listed
    }
  }
  return true;
}

/** The process's socket inodes now; undefined when it is gone or a zombie (whose fds are already closed). */
export function socketInodes(pid: number): Set<number> | undefined {
  const inodes = new Set<number>();
  if (!listSocketInodes(pid, inodes)) return undefined;
  const state = readProcStat(pid)?.state;
  return state === undefined || state === 'Z' || state === 'X' ? undefined : inodes;
}

export interface BrokerSocketSet {
  inodes: Set<number>;
  /** the process's own addresses on those sockets: how group members (client host) are matched to it */
  localAddresses: Set<string>;
  /** TCP ports it listens on */
  listenPorts: number[];
}

/** The process's sockets to brokers, joined with its namespace's TCP tables. */
export function brokerSockets(pid: number, matcher: BrokerMatcher): BrokerSocketSet | undefined {
  const inodes = socketInodes(pid);
  if (!inodes) return undefined;
  const table = { sockets: [], warnings: [] } as ReturnType<typeof parseProcNetTcp>;
  for (const file of ['tcp', 'tcp6']) {
    try {
      parseProcNetTcp(readFileSync(`/proc/${pid}/net/${file}`, 'latin1'), inodes, table);
    } catch {
      // no IPv6
    }
  }
  const out: BrokerSocketSet = { inodes: new Set(), localAddresses: new Set(), listenPorts: [] };
  for (const s of table.sockets) {
    if (s.state === 'LISTEN') out.listenPorts.push(s.localPort);
    else if (matcher.match(s.remoteAddress, s.remotePort)) {
      out.inodes.add(s.inode);
      out.localAddresses.add(s.localAddress.replace(/^::ffff:/, ''));
    }
  }
  return out;
}

export function isGoBinary(pid: number): boolean {
  try {
    return nodeProcReader.isGoBinary(`/proc/${pid}/exe`);
  } catch {
    return false;
  }
}

/** The Kafka library a Go binary was built with, from the module paths its build info names. */
export function goLibraryOf(pid: number): 'sarama' | 'franz-go' | undefined {
  try {
    const exe = readFileSync(`/proc/${pid}/exe`);
    const sarama = exe.includes('github.com/IBM/sarama') || exe.includes('github.com/Shopify/sarama');
    const franz = exe.includes('github.com/twmb/franz-go/pkg/kgo');
    return sarama && !franz ? 'sarama' : franz && !sarama ? 'franz-go' : undefined;
  } catch {
    return undefined;
  }
}

/** true when the process has librdkafka mapped (confluent-kafka-go, node-rdkafka, @confluentinc/kafka-javascript). */
export function usesLibrdkafka(pid: number): boolean {
  try {
    return /librdkafka/.test(readFileSync(`/proc/${pid}/maps`, 'latin1'));
  } catch {
    return false;
  }
}
