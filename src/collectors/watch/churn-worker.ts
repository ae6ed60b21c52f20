// The churn poller's thread: lists the watched processes' socket inodes every pollUs until the main
// thread sets the stop flag, and records when each new one appeared and went. Nothing else: a read of
// /proc/net/tcp costs milliseconds (the kernel walks its hash buckets), so the peers are read by the main
// thread once at each end, and this thread stays fast enough to see a socket that lives a millisecond.
import { readdirSync, readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseSocketInode } from '../process/parse-proc-files.js';

export interface ChurnWorkerData {
  pids: number[];
  pollUs: number;
  /** Int32Array over a SharedArrayBuffer: [0] = 1 to stop */
  stop: SharedArrayBuffer;
}

export interface SeenSocket {
  inode: number;
  firstMs: number;
  goneMs?: number;
}

const data = workerData as ChurnWorkerData;
const flag = new Int32Array(data.stop);
const started = performance.now();
const inodesOf = (pid: number, into: Set<number>): void => {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      const inode = parseSocketInode(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (inode !== undefined) into.add(inode);
    } catch {
      // closed while listed
    }
  }
};

const atStart = new Set<number>();
for (const pid of data.pids) inodesOf(pid, atStart);
parentPort!.postMessage('ready');
const seen = new Map<number, SeenSocket>();
let polls = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

for (;;) {
  polls++;
  const now = performance.now() - started;
  const present = new Set<number>();
  for (const pid of data.pids) inodesOf(pid, present);
  for (const inode of present) if (!atStart.has(inode) && !seen.has(inode)) seen.set(inode, { inode, firstMs: now });
  for (const s of seen.values()) if (s.goneMs === undefined && !present.has(s.inode)) s.goneMs = now;
  if (Atomics.load(flag, 0) === 1) break;
  Atomics.wait(sleeper, 0, 0, data.pollUs / 1000);
}
parentPort!.postMessage({ polls, durationMs: performance.now() - started, sockets: [...seen.values()] });
