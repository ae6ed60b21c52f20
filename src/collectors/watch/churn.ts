// Broker sockets opened and closed while requests are driven, not just the net count: net counts hide a
// client that reaps its own idle connections (early ones close while later ones open) and a client built
// and closed per request (no net growth at all).
// - A thread lists the process's socket inodes every half millisecond: every socket it opens and closes
//   during the drive (a Kafka connection lives at least its handshake, milliseconds).
// - Another reads the namespace's TCP tables whenever new sockets appeared, and keeps each one's peer by
//   inode: a socket that has gone again is still known as a broker connection or not. A read costs
//   milliseconds, so the shortest-lived sockets may go unplaced: they are counted in the proportion of
//   the closed sockets that were placed, and the count of them is reported.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { brokerMatcher } from '../process/build-process-sockets.js';
import { parseProcNetTcp } from '../process/parse-proc-net-tcp.js';
import type { BrokerEndpoint, TcpSocket } from '../process/types.js';
import type { ChurnWorkerData, PlacedSocket, SeenSocket } from './churn-worker.js';
import type { SocketChurn } from './types.js';

export interface ChurnTracker {
  /** sockets the process opened so far (of any kind): a live look, for deciding when to stop driving */
  opened(): number;
  /**
   * Whether the sockets opened so far are placed well enough for the churn's broker counts: most of them placed
   * (TCP or UDP), or three to a broker at least (the closed ones unplaced are counted in the proportion of the placed ones). A
   * client built and closed per request opens sockets that live milliseconds, and on a loaded host the table
   * reads can miss every one of a short drive: the drive goes on until this holds (within its budget).
   */
  placedEnough(): boolean;
  stop(): Promise<SocketChurn>;
  /** ends the threads without a result (idempotent; after stop() it does nothing) */
  cancel(): void;
}

function tcpTable(pid: number): TcpSocket[] {
  const table = { sockets: [], warnings: [] } as ReturnType<typeof parseProcNetTcp>;
  for (const file of ['tcp', 'tcp6']) {
    try {
      parseProcNetTcp(readFileSync(`/proc/${pid}/net/${file}`, 'latin1'), undefined, table);
    } catch {
      // no IPv6
    }
  }
  return table.sockets;
}

/** A churn thread, resolved once it runs; its last message is its result. */
async function startThread<T>(data: ChurnWorkerData): Promise<{ worker: Worker; result: Promise<T> }> {
  const worker = new Worker(new URL('./churn-worker.js', import.meta.url), { workerData: data });
  // the thread loads its modules first (tens of milliseconds or more): the tracking starts when it says so
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const result = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: 'ready' | T) => (m === 'ready' ? ready() : resolve(m)));
    worker.once('error', reject);
  });
  await Promise.race([started, result]);
  return { worker, result };
}

/**
 * Starts tracking (resolves once both threads run); `stop()` ends it and returns what was seen since, the
 * sockets open at the start excluded. pollUs: the pause between two listings (one takes ~0.2 ms).
 */
export async function trackChurn(pids: number[], endpoints: readonly BrokerEndpoint[], pollUs = 500): Promise<ChurnTracker> {
  const matcher = brokerMatcher(endpoints);
  const isBroker = (s: { state: string; remoteAddress: string; remotePort: number }) =>
    s.state !== 'LISTEN' && matcher.match(s.remoteAddress, s.remotePort) !== undefined;
  const shared = new SharedArrayBuffer(16);
  const flags = new Int32Array(shared);
  const lister = await startThread<{ polls: number; durationMs: number; sockets: SeenSocket[]; threadsStarted: number; threadsEnded: number }>({
    mode: 'list',
    pids,
    pollUs,
    shared,
  });
  const placer = await startThread<{ reads: number; placed: PlacedSocket[] }>({ mode: 'place', pids, pollUs, shared, endpoints: [...endpoints] });
  return {
    cancel() {
      Atomics.store(flags, 0, 1);
      void lister.worker.terminate();
      void placer.worker.terminate();
    },
    opened: () => Atomics.load(flags, 1),
    placedEnough() {
      const seen = Atomics.load(flags, 1);
      return seen === 0 || Atomics.load(flags, 2) >= 0.8 * seen || Atomics.load(flags, 3) >= 3;
    },
    async stop() {
      Atomics.store(flags, 0, 1);
      const [{ polls, durationMs, sockets, threadsStarted, threadsEnded }, { reads, placed }] = await Promise.all([lister.result, placer.result]);
      await Promise.all([lister.worker.terminate(), placer.worker.terminate()]);
      const peers = new Map(placed.map((p) => [p.inode, p]));
      // the sockets still open: placed by a fresh read
      for (const s of tcpTable(pids[0]!)) if (s.inode !== 0) peers.set(s.inode, s);
      const open = sockets.filter((s) => s.goneMs === undefined);
      const closed = sockets.filter((s) => s.goneMs !== undefined);
      const brokerOpen = open.filter((s) => peers.has(s.inode) && isBroker(peers.get(s.inode)!)).length;
      const closedPlaced = closed.filter((s) => peers.has(s.inode));
      const closedBroker = closedPlaced.filter((s) => isBroker(peers.get(s.inode)!)).length;
      const unplaced = closed.length - closedPlaced.length;
      // a socket gone before any table read saw it (a few milliseconds): counted in the proportion of the
      // closed sockets that were placed (all of them when every placed one went to a broker)
      const brokerClosed = closedPlaced.length ? Math.round(closedBroker + (unplaced * closedBroker) / closedPlaced.length) : 0;
      const lifetimes = closed.map((s) => s.goneMs! - s.firstMs).sort((a, b) => a - b);
      return {
        pollMs: pollUs / 1000,
        polls,
        tableReads: reads,
        durationMs: Math.round(durationMs),
        socketsOpened: sockets.length,
        socketsClosed: closed.length,
        closedUnplaced: unplaced,
        brokerOpened: brokerOpen + brokerClosed,
        brokerClosed,
        brokerStillOpen: brokerOpen,
        threadsStarted,
        threadsEnded,
        ...(lifetimes.length ? { medianLifetimeMs: Math.round(lifetimes[Math.floor(lifetimes.length / 2)]! * 10) / 10 } : {}),
      };
    },
  };
}
