// The kernel's sock_diag netlink interface, through iproute2's `ss`: Node cannot open a netlink socket, and `ss`
// hands the kernel a bytecode filter (`dst 10.0.0.5:9092 or dport = :9093`) so that of a namespace's 200k TCP
// sockets only the ones to the brokers are copied out and printed. /proc/PID/net/tcp has no such filter: the kernel
// formats every socket, one page per read.
//
// `ss -tanHe` prints one socket per line:
//   ESTAB 0      0      127.0.0.1:32768 127.0.0.1:39685 uid:1000 ino:1162555 sk:3a0df cgroup:/ <->
// (state, Recv-Q, Send-Q, local, peer, then the -e details: uid only when not root, ino 0 for TIME-WAIT).
// Another network namespace is entered with `nsenter --net=/proc/PID/ns/net` (CAP_SYS_ADMIN: root); without
// the right, or without `ss`, the caller reads /proc instead and says so.
import { execFile, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ParsedTcpTable } from './parse-proc-net-tcp.js';
import type { BrokerEndpoint, TcpSocket, TcpState } from './types.js';

export type SocketReadMethod = 'sock_diag' | '/proc';

const stateByName: Record<string, TcpState> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** "127.0.0.1:9092", "[::1]:9092", "[::ffff:127.0.0.1]:9092", "*:9092", "[::]:*" → address and port. */
function splitEndpoint(text: string): { address: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  let address = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = portText === '*' ? 0 : Number(portText);
  if (!Number.isInteger(port)) return undefined;
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const percent = address.indexOf('%'); // fe80::1%eth0
  if (percent >= 0) address = address.slice(0, percent);
  if (address === '*') address = '0.0.0.0';
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  return { address, port };
}

/** Parses `ss -tanHe` output into sockets, in the shape the /proc parser gives. */
export function parseSsLines(text: string, into: ParsedTcpTable = { sockets: [], warnings: [] }): ParsedTcpTable {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const state = stateByName[fields[0] ?? ''];
    const local = splitEndpoint(fields[3] ?? '');
    const remote = splitEndpoint(fields[4] ?? '');
    const inodeField = fields.find((f) => f.startsWith('ino:'));
    const inode = inodeField === undefined ? NaN : Number(inodeField.slice(4));
    if (!state || !local || !remote || !Number.isInteger(inode) || fields.length < 5) {
      if (into.warnings.length < 20) into.warnings.push(`unparseable ss line: ${line.slice(0, 120).trim()}`);
      continue;
    }
    into.sockets.push({
      inode,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      receiveQueueBytes: Number(fields[1]),
      sendQueueBytes: Number(fields[2]),
    } satisfies TcpSocket);
  }
  return into;
}

/**
 * The kernel-side filter for sockets whose remote end is one of the endpoints ("ip:port", "[ip6]:port",
 * "*:port"), as ss arguments; undefined when an endpoint is not an IP literal (ss would resolve it).
 */
export function brokerFilter(endpoints: readonly BrokerEndpoint[]): string[] | undefined {
  if (endpoints.length === 0) return undefined;
  const terms: string[][] = [];
  for (const e of endpoints) {
    const at = splitEndpoint(e.address);
    if (!at || at.port === 0) return undefined;
    if (e.address.startsWith('*:')) terms.push(['dport', '=', `:${at.port}`]);
    else if (isIP(at.address)) terms.push(['dst', isIP(at.address) === 6 ? `[${at.address}]:${at.port}` : `${at.address}:${at.port}`]);
    else return undefined;
  }
  return ['(', ...terms.flatMap((t, i) => (i === 0 ? t : ['or', ...t])), ')'];
}

/** Local ports as a kernel-side filter (connections into the ports a process listens on). */
export function localPortFilter(ports: readonly number[]): string[] {
  return ['(', ...ports.flatMap((p, i) => (i === 0 ? ['sport', '=', `:${p}`] : ['or', 'sport', '=', `:${p}`])), ')'];
}

export interface SockDiagAccess {
  /** the command and its leading arguments, ss's own arguments follow */
  argv: string[];
}

let ownNetns: string | undefined;
let ssWorks: boolean | undefined;

/**
 * How to read the network namespace of `pid` through sock_diag, or why it cannot be: `KLEAK_SOCKETS_FROM=proc`
 * turns it off; without `ss`, or for another namespace without root, /proc is read.
 */
export function sockDiagAccess(pid: number, netns?: string): SockDiagAccess | { unavailable: string } {
  if (process.env.KLEAK_SOCKETS_FROM === 'proc') return { unavailable: 'KLEAK_SOCKETS_FROM=proc' };
  if (process.platform !== 'linux') return { unavailable: 'not Linux' };
  if (ssWorks === undefined) {
    const probe = spawnSync('ss', ['-tanHe', 'state', 'listening', '(', 'sport', '=', ':1', ')'], { stdio: 'ignore', timeout: 5000 });
    ssWorks = probe.status === 0;
  }
  if (!ssWorks) return { unavailable: 'iproute2 `ss` with -H and -e is not installed' };
  ownNetns ??= readlinkSync('/proc/self/ns/net');
  let theirs = netns;
  try {
    theirs ??= readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return { unavailable: `cannot read /proc/${pid}/ns/net` };
  }
  if (theirs === ownNetns) return { argv: ['ss'] };
  if (process.getuid?.() !== 0) return { unavailable: 'entering another network namespace needs root (CAP_SYS_ADMIN)' };
  return { argv: ['nsenter', `--net=/proc/${pid}/ns/net`, 'ss'] };
}

function ssArguments(filter: readonly string[], listening: boolean): string[] {
  return listening ? ['-tlnHe', ...filter] : ['-tanHe', 'state', 'all', ...filter];
}

const maxOutput = 1 << 30;

/** Runs ss with a filter in the namespace `access` enters; sockets of every state (or the listening ones). */
export function readSockDiag(access: SockDiagAccess, filter: readonly string[], listening = false): Promise<ParsedTcpTable> {
  const [command, ...lead] = access.argv;
  return new Promise((resolve, reject) => {
    execFile(command!, [...lead, ...ssArguments(filter, listening)], { encoding: 'latin1', maxBuffer: maxOutput, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${access.argv.join(' ')} failed: ${String(stderr).trim() || error.message}`), { code: 'ESOCKDIAG' }));
      else resolve(parseSsLines(stdout));
    });
  });
}

/** The same, blocking: for `kleak top`, which reads namespace after namespace. */
export function readSockDiagSync(access: SockDiagAccess, filter: readonly string[], listening = false): ParsedTcpTable {
  const [command, ...lead] = access.argv;
  const run = spawnSync(command!, [...lead, ...ssArguments(filter, listening)], { encoding: 'latin1', maxBuffer: maxOutput, timeout: 60_000 });
  if (run.status !== 0)
    throw Object.assign(new Error(`${access.argv.join(' ')} failed: ${(run.stderr ?? '').trim() || run.error?.message}`), { code: 'ESOCKDIAG' });
  return parseSsLines(run.stdout);
}
