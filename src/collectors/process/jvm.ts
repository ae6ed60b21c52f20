// JVM services (Apache kafka-clients, Spring Kafka), seen from outside without attaching: HotSpot names each
// Java thread after itself (pthread_setname_np, cut to 15 bytes), so /proc/PID/task/*/comm counts the Kafka
// clients by kind; every client owns one java.nio Selector (an epoll fd); the JVM's own jvmstat counters
// (hsperfdata: a file the JVM maps and updates, read here and never written) give java.threads.started, a
// running total, beside java.threads.live — a client built and closed per request shows in the first only;
// and the kafka-clients (and spring-kafka) jar the JVM holds open names the library and its version.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { JvmClientThreads, JvmLook, JvmThreadCounters } from './types.js';

const prefixes: Array<[keyof JvmClientThreads, string]> = [
  ['producers', 'kafka-producer-'],
  ['admins', 'kafka-admin-cli'],
  ['consumers', 'kafka-coordinat'],
  ['asyncConsumers', 'consumer_backgr'],
];

export function countJvmClientThreads(names: readonly string[]): JvmClientThreads {
  const out: JvmClientThreads = { producers: 0, admins: 0, consumers: 0, asyncConsumers: 0 };
  for (const name of names) for (const [kind, prefix] of prefixes) if (name.startsWith(prefix)) out[kind]++;
  return out;
}

export const jvmClientTotal = (t: JvmClientThreads): number => t.producers + t.admins + t.consumers + t.asyncConsumers;

/**
 * Parses an hsperfdata file (HotSpot's PerfDataPrologue and PerfDataEntry records: magic 0xcafec0c0 in
 * big-endian, then the byte order of everything else) into name → number (longs) or string (byte arrays).
 * Returns undefined when it is not one; reads only the entries the prologue declares, within the buffer.
 */
export function parseHsperfdata(buf: Buffer): Map<string, number | string> | undefined {
  if (buf.length < 32 || buf.readUInt32BE(0) !== 0xcafec0c0) return undefined;
  const little = buf[4] === 1;
  const i32 = (o: number) => (little ? buf.readInt32LE(o) : buf.readInt32BE(o));
  const i64 = (o: number) => Number(little ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o));
  const entryOffset = i32(24);
  const entries = i32(28);
  const out = new Map<string, number | string>();
  let at = entryOffset;
  for (let n = 0; n < entries && at + 20 <= buf.length; n++) {
    const length = i32(at);
    if (length <= 0 || at + length > buf.length) break;
    const nameAt = at + i32(at + 4);
    const vectorLength = i32(at + 8);
    const type = String.fromCharCode(buf[at + 12]!);
    const dataAt = at + i32(at + 16);
    const nameEnd = buf.indexOf(0, nameAt);
    if (nameEnd > nameAt && nameEnd <= at + length) {
      const name = buf.toString('latin1', nameAt, nameEnd);
      if (type === 'J' && vectorLength === 0 && dataAt + 8 <= at + length) out.set(name, i64(dataAt));
      else if (type === 'B' && vectorLength > 0 && dataAt + vectorLength <= at + length) {
        const end = buf.indexOf(0, dataAt);
        out.set(name, buf.toString('utf8', dataAt, end >= dataAt && end < dataAt + vectorLength ? end : dataAt + vectorLength));
      }
    }
    at += length;
  }
  return out;
}

export function threadCountersOf(counters: Map<string, number | string>): JvmThreadCounters | undefined {
  const get = (k: string) => (typeof counters.get(k) === 'number' ? (counters.get(k) as number) : undefined);
  const started = get('java.threads.started');
  const live = get('java.threads.live');
  if (started === undefined || live === undefined) return undefined;
  return { started, live, daemon: get('java.threads.daemon') ?? 0 };
}

/** The JVM's pid in its own PID namespace (the name of its hsperfdata file), from /proc/PID/status's NSpid. */
function namespacePid(pid: number): number {
  try {
    const line = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    const last = line?.trim().split(/\s+/).pop();
    return last ? Number(last) : pid;
  } catch {
    return pid;
  }
}

/** hsperfdata of a JVM, through its own root (its mount namespace's /tmp): /tmp/hsperfdata_<user>/<nspid>. */
export function readHsperfdata(pid: number): Map<string, number | string> | undefined {
  const tmp = `/proc/${pid}/root/tmp`;
  const file = String(namespacePid(pid));
  let dirs: string[];
  try {
    dirs = readdirSync(tmp).filter((d) => d.startsWith('hsperfdata_'));
  } catch {
    return undefined;
  }
  for (const dir of dirs) {
    try {
      return parseHsperfdata(readFileSync(`${tmp}/${dir}/${file}`));
    } catch {
      // not this user's directory, or -XX:-UsePerfData / -XX:+PerfDisableSharedMem
    }
  }
  return undefined;
}

/** kafka-clients and spring-kafka versions from the jars a JVM holds open (or maps), by their file names. */
export function jvmLibrariesOf(paths: readonly string[]): { kafkaClients?: string; springKafka?: string } {
  const out: { kafkaClients?: string; springKafka?: string } = {};
  for (const p of paths) {
    const clients = /(?:^|\/)kafka-clients-(\d[\w.-]*?)\.jar$/.exec(p);
    if (clients) out.kafkaClients ??= clients[1];
    const spring = /(?:^|\/)spring-kafka-(\d[\w.-]*?)\.jar$/.exec(p);
    if (spring) out.springKafka ??= spring[1];
  }
  return out;
}

/** What a JVM's fd links tell: its epoll fds (a Selector each) and the jars it holds open. */
export interface JvmFdLinks {
  selectors: number;
  jars: string[];
}

/** Adds one fd link to what a JVM's fds tell (the sockets collector calls it in its own pass over the fds). */
export function noteJvmFdLink(links: JvmFdLinks, target: string): void {
  if (target === 'anon_inode:[eventpoll]') links.selectors++;
  else if (target.endsWith('.jar')) links.jars.push(target);
}

/** A JVM from its thread names, its fd links (read once, by whoever lists its fds) and its hsperfdata. */
export function jvmLookOf(pid: number, threadNames: readonly string[], links: JvmFdLinks): JvmLook {
  const hsperf = readHsperfdata(pid);
  const counters = hsperf ? threadCountersOf(hsperf) : undefined;
  return { threads: countJvmClientThreads(threadNames), selectors: links.selectors, ...(counters ? { counters } : {}), ...jvmLibrariesOf(links.jars) };
}

/** A JVM read whole: its fds listed here (kleak top and shutdown-check, which list no fd links of their own). */
export function readJvm(pid: number, threadNames: readonly string[]): JvmLook {
  const links: JvmFdLinks = { selectors: 0, jars: [] };
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    // gone, or not ours to read: the threads still tell
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    noteJvmFdLink(links, target);
  }
  return jvmLookOf(pid, threadNames, links);
}
