// Parses /proc/<pid>/net/tcp and tcp6 text into sockets; does not resolve inodes to pids.
// Format (linux/net/ipv4/tcp_ipv4.c get_tcp4_sock), one socket per line after a header:
//   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//    1: 0100007F:4A37 0100007F:2384 01 00000000:00000000 00:00000000 00000000     0        0 19817 1 …
// Addresses are hex in host byte order per 32-bit word (little-endian here); ports are big hex.
import { tcpStates, type TcpSocket, type TcpState } from './types.js';

const stateByCode = new Map<number, TcpState>(tcpStates.map((s, i) => [i + 1, s]));

function hexWordToIpv4(hex: string, at: number): string {
  // "0100007F" is the bytes 01 00 00 7F in memory order → 127.0.0.1
  const b0 = parseInt(hex.substr(at + 6, 2), 16);
  const b1 = parseInt(hex.substr(at + 4, 2), 16);
  const b2 = parseInt(hex.substr(at + 2, 2), 16);
  const b3 = parseInt(hex.substr(at, 2), 16);
  return `${b0}.${b1}.${b2}.${b3}`;
}

/** RFC 5952 text for eight 16-bit groups; IPv4-mapped addresses come back as plain IPv4. */
export function formatIpv6(groups: number[]): string {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function hexToIpv6(hex: string): string {
  const groups: number[] = [];
  for (let word = 0; word < 4; word++) {
    const at = word * 8;
    // each 32-bit word is little-endian: bytes reversed
    const bytes = [6, 4, 2, 0].map((o) => parseInt(hex.substr(at + o, 2), 16));
    groups.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
  }
  return formatIpv6(groups);
}

function parseEndpoint(field: string): { address: string; port: number } | undefined {
  const colon = field.indexOf(':');
  if (colon !== 8 && colon !== 32) return undefined;
  const port = parseInt(field.slice(colon + 1), 16);
  if (!Number.isFinite(port)) return undefined;
  return { address: colon === 8 ? hexWordToIpv4(field, 0) : hexToIpv6(field.slice(0, 32)), port };
}

export interface ParsedTcpTable {
  sockets: TcpSocket[];
  warnings: string[];
}

/**
 * Parses whole lines of a tcp/tcp6 table (the header line, if present, is skipped).
 * With `inodes`, only sockets whose inode is in the set are decoded: the rest of a 200k-line
 * table costs one field scan per line.
 */
export function parseProcNetTcp(text: string, inodes?: ReadonlySet<number>, into: ParsedTcpTable = { sockets: [], warnings: [] }): ParsedTcpTable {
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    if (end > start) parseLine(text, start, end, inodes, into);
    start = end + 1;
  }
  return into;
}

// Field offsets of the current line (reused: no allocation per line).
// Fields by index: 0 sl, 1 local, 2 remote, 3 st, 4 tx:rx, 5 tr:when, 6 retrnsmt, 7 uid, 8 timeout, 9 inode
const starts = new Int32Array(10);
const ends = new Int32Array(10);

function warn(text: string, start: number, end: number, into: ParsedTcpTable): void {
  if (into.warnings.length < 20) into.warnings.push(`unparseable /proc/net/tcp line: ${text.slice(start, Math.min(end, start + 120)).trim()}`);
}

function parseLine(text: string, start: number, end: number, inodes: ReadonlySet<number> | undefined, into: ParsedTcpTable): void {
  let n = 0;
  let i = start;
  while (i < end && n < 10) {
    while (i < end && text.charCodeAt(i) === 32) i++;
    if (i >= end) break;
    starts[n] = i;
    while (i < end && text.charCodeAt(i) !== 32) i++;
    ends[n++] = i;
  }
  if (n > 0 && text.charCodeAt(starts[0]!) === 115 /* s */ && text.startsWith('sl', starts[0])) return; // header
  if (n < 10) return warn(text, start, end, into);
  let inode = 0;
  for (let k = starts[9]!; k < ends[9]!; k++) {
    const digit = text.charCodeAt(k) - 48;
    if (digit < 0 || digit > 9) return warn(text, start, end, into);
    inode = inode * 10 + digit;
  }
  if (inodes && !inodes.has(inode)) return;
  const field = (f: number) => text.slice(starts[f], ends[f]);
  const local = parseEndpoint(field(1));
  const remote = parseEndpoint(field(2));
  const state = stateByCode.get(parseInt(field(3), 16));
  const queues = field(4);
  const colon = queues.indexOf(':');
  if (!local || !remote || !state || colon < 0) return warn(text, start, end, into);
  into.sockets.push({
    inode,
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote.address,
    remotePort: remote.port,
    state,
    sendQueueBytes: parseInt(queues.slice(0, colon), 16),
    receiveQueueBytes: parseInt(queues.slice(colon + 1), 16),
  });
}
