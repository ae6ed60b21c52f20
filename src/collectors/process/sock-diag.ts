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
import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readlinkSync, readSync, unlinkSync } from 'node:fs';
import { readProcText } from './read-proc.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
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
  // by hand, not split(/\s+/): 100,000 lines a namespace on a busy node, and the fields past the fifth are skipped
  const fields: string[] = [];
  for (let at = 0; at < text.length;) {
    let eol = text.indexOf('\n', at);
    if (eol < 0) eol = text.length;
    fields.length = 0;
    let inode = NaN;
    for (let i = at; i < eol;) {
      while (i < eol && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      if (i >= eol) break;
      let j = i;
      while (j < eol && text.charCodeAt(j) !== 32 && text.charCodeAt(j) !== 9) j++;
      if (fields.length < 5) fields.push(text.slice(i, j));
      else if (text.startsWith('ino:', i)) inode = Number(text.slice(i + 4, j));
      i = j;
    }
    const lineStart = at;
    at = eol + 1;
    if (fields.length === 0) continue;
    const state = stateByName[fields[0]!];
    const local = splitEndpoint(fields[3] ?? '');
    const remote = splitEndpoint(fields[4] ?? '');
    if (!state || !local || !remote || !Number.isInteger(inode) || fields.length < 5) {
      if (into.warnings.length < 20) into.warnings.push(`unparseable ss line: ${text.slice(lineStart, eol).slice(0, 120).trim()}`);
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
  const families = ipv6TcpInUse(pid) ? [] : ['-4'];
  if (theirs === ownNetns) return { argv: ['ss', ...families] };
  if (process.getuid?.() !== 0) return { unavailable: 'entering another network namespace needs root (CAP_SYS_ADMIN)' };
  return { argv: ['nsenter', `--net=/proc/${pid}/ns/net`, 'ss', ...families] };
}

/**
 * Whether the namespace of `pid` has an IPv6 TCP socket (a JVM's sockets are IPv6 ones, to v4-mapped addresses)
 * or may have (unreadable). Without one, ss is given `-4`: each family's dump walks every TCP socket of the host,
 * whatever its namespace, so skipping the empty IPv6 one halves the kernel's work.
 */
export function ipv6TcpInUse(pid: number): boolean {
  let text: string;
  try {
    text = readProcText(`/proc/${pid}/net/sockstat6`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(`/proc/${pid}`); // no file in a live process: IPv6 is off
  }
  const inUse = /^TCP6: inuse (\d+)/m.exec(text);
  return !inUse || Number(inUse[1]) > 0;
}

function ssArguments(filter: readonly string[], listening: boolean): string[] {
  return listening ? ['-tlnHe', ...filter] : ['-tanHe', 'state', 'all', ...filter];
}

const maxOutput = 1 << 30;
let outputFiles = 0;

/**
 * Runs `command` with its stdout in an unlinked file of kleak's own: the child never waits on this thread, which
 * may be busy the while (kleak top reads one namespace's fd links while `ss` dumps the next). With a pipe, `ss`
 * stops once 64 kB are unread and the two take turns; nothing is left on disk, even if kleak is killed.
 */
function runToFile(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }> {
  let fd: number;
  try {
    const path = join(tmpdir(), `kleak-ss-${process.pid}-${threadId}-${outputFiles++}`);
    fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
  } catch {
    // no writable temporary directory: a pipe, read as it comes
    return new Promise((resolve) => {
      execFile(command, args, { encoding: 'latin1', maxBuffer: maxOutput, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? (((error as { code?: unknown }).code as number | null) ?? 1) : 0, stdout, stderr, ...(error ? { error } : {}) }),
      );
    });
  }
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', fd, 'pipe'], timeout: 60_000 });
    let stderr = '';
    child.stderr!.setEncoding('latin1');
    child.stderr!.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    let error: Error | undefined;
    child.on('error', (e) => (error = e));
    child.on('close', (status) => {
      try {
        const size = fstatSync(fd).size;
        if (size > maxOutput) throw new Error(`more than ${maxOutput} bytes of output`);
        const buffer = Buffer.allocUnsafe(size);
        let read = 0;
        while (read < size) {
          const n = readSync(fd, buffer, read, size - read, read);
          if (n === 0) break;
          read += n;
        }
        resolve({ status, stdout: buffer.toString('latin1', 0, read), stderr, ...(error ? { error } : {}) });
      } catch (e) {
        resolve({ status: 1, stdout: '', stderr, error: e as Error });
      } finally {
        closeSync(fd);
      }
    });
  });
}

/** Runs ss with a filter in the namespace `access` enters; sockets of every state (or the listening ones). */
export async function readSockDiag(access: SockDiagAccess, filter: readonly string[], listening = false): Promise<ParsedTcpTable> {
  const [command, ...lead] = access.argv;
  const run = await runToFile(command!, [...lead, ...ssArguments(filter, listening)]);
  if (run.status !== 0)
    throw Object.assign(new Error(`${access.argv.join(' ')} failed: ${run.stderr.trim() || run.error?.message || `exit ${run.status}`}`), {
      code: 'ESOCKDIAG',
    });
  return parseSsLines(run.stdout);
}
