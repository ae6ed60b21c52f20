// The churn poller's thread: lists the watched processes' socket inodes as fast as every pollUs, and
// reads the TCP tables when a socket not yet placed appears, until the main thread sets the stop flag.
// A thread of its own so that a socket that lives a few milliseconds is still seen (the main event loop
// cannot poll that often), and so that the polling does not wait behind the drive's requests.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseSocketInode } from '../process/parse-proc-files.js';
import { parseProcNetTcp } from '../process/parse-proc-net-tcp.js';

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
  remote?: { address: string; port: number };
  listen?: boolean;
  lastState?: string;
  tries?: number;
}

const data = workerData as ChurnWorkerData;
const flag = new Int32Array(data.stop);
const started = performance.now();
const inodesOf = (pid: number): Set<number> | undefined => {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const out = new Set<number>();
  for (const fd of fds) {
    try {
      const inode = parseSocketInode(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (inode !== undefined) out.add(inode);
    } catch {
      // closed while listed
    }
  }
  return out;
};

const atStart = new Set<number>();
for (const pid of data.pids) for (const inode of inodesOf(pid) ?? []) atStart.add(inode);
parentPort!.postMessage('ready');
const seen = new Map<number, SeenSocket>();
let polls = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

for (;;) {
  polls++;
  const now = performance.now() - started;
  const present = new Set<number>();
  for (const pid of data.pids) {
    const inodes = inodesOf(pid);
    if (!inodes) continue;
    const place = new Set<number>();
    for (const inode of inodes) {
      present.add(inode);
      if (atStart.has(inode)) continue;
      let s = seen.get(inode);
      if (!s) seen.set(inode, (s = { inode, firstMs: now }));
      // a socket is in the TCP table once it connects (a few tries: a Unix socket never is); a placed one
      // is re-read now and then, to see CLOSE_WAIT
      if ((!s.remote && (s.tries = (s.tries ?? 0) + 1) <= 3) || (s.remote && polls % 200 === 0)) place.add(inode);
    }
    if (place.size) {
      const table = { sockets: [], warnings: [] } as ReturnType<typeof parseProcNetTcp>;
      for (const file of ['tcp', 'tcp6']) {
        try {
          parseProcNetTcp(readFileSync(`/proc/${pid}/net/${file}`, 'latin1'), place, table);
        } catch {
          // no IPv6
        }
      }
      for (const t of table.sockets) {
        const s = seen.get(t.inode);
        if (!s) continue;
        s.remote = { address: t.remoteAddress, port: t.remotePort };
        s.listen = t.state === 'LISTEN';
        s.lastState = t.state;
      }
    }
  }
  for (const s of seen.values()) if (s.goneMs === undefined && !present.has(s.inode)) s.goneMs = now;
  if (Atomics.load(flag, 0) === 1) break;
  Atomics.wait(sleeper, 0, 0, data.pollUs / 1000);
}
parentPort!.postMessage({ polls, durationMs: performance.now() - started, sockets: [...seen.values()] });
