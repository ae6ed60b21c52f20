// The churn threads. `list`: lists the watched processes' socket inodes every pollUs and records when each
// new one appeared and went. `place`: whenever new sockets appeared, reads the namespace's TCP tables (a
// read costs milliseconds: the kernel walks its hash buckets) and records each socket's peer by inode, so
// that a socket that has gone again is still known as a broker connection or not. Two threads, so that the
// listing never waits behind a table read, and both stay off the main thread's event loop.
import { readdirSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { listSocketInodes } from '../shutdown/proc-watch.js';
import { parseProcNetTcp } from '../process/parse-proc-net-tcp.js';
import { brokerMatcher } from '../process/build-process-sockets.js';
import type { BrokerEndpoint } from '../process/types.js';

export interface ChurnWorkerData {
  mode: 'list' | 'place';
  pids: number[];
  pollUs: number;
  /**
   * Int32Array over a SharedArrayBuffer: [0] = 1 to stop; [1] = the sockets the lister has seen so far; [2] = of
   * the sockets new since the start, those the placer has placed; [3] = of those, the ones to a broker
   */
  shared: SharedArrayBuffer;
  /** the brokers (the placer counts the new sockets it placed to one) */
  endpoints?: BrokerEndpoint[];
}

export interface SeenSocket {
  inode: number;
  firstMs: number;
  goneMs?: number;
}

export interface PlacedSocket {
  inode: number;
  remoteAddress: string;
  remotePort: number;
  state: string;
}

const data = workerData as ChurnWorkerData;
const flags = new Int32Array(data.shared);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const pause = (us: number) => Atomics.wait(sleeper, 0, 0, us / 1000);
const started = performance.now();

/** the process's thread ids (/proc/PID/task), into a set; nothing when it is gone */
function tasksOf(pid: number, into: Set<number>): void {
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) into.add(Number(t));
  } catch {
    // exited
  }
}

/** threads are listed every this many socket polls: a thread lives milliseconds at least (a client's) */
const taskEvery = 8;

function list(): void {
  const inodesOf = (pid: number, into: Set<number>): void => void listSocketInodes(pid, into);
  const atStart = new Set<number>();
  for (const pid of data.pids) inodesOf(pid, atStart);
  const tasksAtStart = new Set<number>();
  for (const pid of data.pids) tasksOf(pid, tasksAtStart);
  parentPort!.postMessage('ready');
  const seen = new Map<number, SeenSocket>();
  // threads that appeared after the start (started), and of those the ones that went again (ended)
  const threads = new Map<number, boolean>();
  let polls = 0;
  for (;;) {
    polls++;
    const now = performance.now() - started;
    const present = new Set<number>();
    for (const pid of data.pids) inodesOf(pid, present);
    for (const inode of present) if (!atStart.has(inode) && !seen.has(inode)) seen.set(inode, { inode, firstMs: now });
    Atomics.store(flags, 1, seen.size);
    for (const s of seen.values()) if (s.goneMs === undefined && !present.has(s.inode)) s.goneMs = now;
    if (polls % taskEvery === 0) {
      const tasks = new Set<number>();
      for (const pid of data.pids) tasksOf(pid, tasks);
      for (const t of tasks) if (!tasksAtStart.has(t) && !threads.has(t)) threads.set(t, false);
      for (const [t, ended] of threads) if (!ended && !tasks.has(t)) threads.set(t, true);
    }
    if (Atomics.load(flags, 0) === 1) break;
    pause(data.pollUs);
  }
  const threadsEnded = [...threads.values()].filter(Boolean).length;
  parentPort!.postMessage({ polls, durationMs: performance.now() - started, sockets: [...seen.values()], threadsStarted: threads.size, threadsEnded });
}

/** the inodes of the namespace's UDP sockets (/proc/PID/net/udp and udp6: the inode is the tenth column) */
function udpInodes(pid: number): number[] {
  const inodes: number[] = [];
  for (const file of ['udp', 'udp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'latin1');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = Number(line.trim().split(/\s+/)[9]);
      if (inode > 0) inodes.push(inode);
    }
  }
  return inodes;
}

function place(): void {
  parentPort!.postMessage('ready');
  const placed = new Map<number, PlacedSocket>();
  // the sockets of the first read were there before the drive; the new ones placed since, and those to a broker
  const atStart = new Set<number>();
  const matcher = brokerMatcher(data.endpoints ?? []);
  let placedNew = 0;
  let placedBroker = 0;
  const udpPlaced = new Set<number>();
  let readAt = -1;
  let reads = 0;
  for (;;) {
    const seen = Atomics.load(flags, 1);
    // read while sockets keep appearing, and once more after the last one
    if (seen !== readAt) {
      readAt = seen;
      reads++;
      const table = { sockets: [], warnings: [] } as ReturnType<typeof parseProcNetTcp>;
      for (const file of ['tcp', 'tcp6']) {
        try {
          parseProcNetTcp(readFileSync(`/proc/${data.pids[0]}/net/${file}`, 'latin1'), undefined, table);
        } catch {
          // no IPv6
        }
      }
      for (const s of table.sockets) {
        if (s.inode === 0) continue;
        if (reads === 1) atStart.add(s.inode);
        else if (!atStart.has(s.inode) && !placed.has(s.inode)) {
          placedNew++;
          if (s.state !== 'LISTEN' && matcher.match(s.remoteAddress, s.remotePort)) placedBroker++;
        }
        placed.set(s.inode, { inode: s.inode, remoteAddress: s.remoteAddress, remotePort: s.remotePort, state: s.state });
      }
      // a UDP socket (a DNS lookup per request) is placed too, as not a broker's: counted, not kept
      for (const inode of udpInodes(data.pids[0]!)) {
        if (reads === 1) atStart.add(inode);
        else if (!atStart.has(inode) && !udpPlaced.has(inode)) {
          udpPlaced.add(inode);
          placedNew++;
        }
      }
      Atomics.store(flags, 2, placedNew);
      Atomics.store(flags, 3, placedBroker);
    }
    if (Atomics.load(flags, 0) === 1) break;
    pause(data.pollUs);
  }
  parentPort!.postMessage({ reads, placed: [...placed.values()] });
}

if (data.mode === 'list') list();
else place();
