// Broker sockets opened and closed while requests are driven, not just the net count: net counts hide a
// client that reaps its own idle connections (early ones close while later ones open) and a client built
// and closed per request (no net growth at all).
// - A thread lists the process's socket inodes every half millisecond: every socket it opens and closes
//   during the drive, however short-lived (a Kafka connection lives at least its handshake).
// - The namespace's TCP table is read once at each end (a read costs milliseconds): the sockets still open
//   are placed by inode (broker or not); the closed ones no longer have a row, but a connection the client
//   closed first stays in TIME_WAIT for 60 s with the broker as its peer. So the broker connections the
//   process opened and closed are the closed sockets it had, bounded by the new TIME_WAITs to the brokers
//   in its namespace (exact in a pod's own namespace; on a shared host other clients' closes count too,
//   and the process's own count bounds it).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { brokerMatcher, endpointKey } from '../process/build-process-sockets.js';
import { parseProcNetTcp } from '../process/parse-proc-net-tcp.js';
import type { BrokerEndpoint, TcpSocket } from '../process/types.js';
import type { ChurnWorkerData, SeenSocket } from './churn-worker.js';
import type { SocketChurn } from './types.js';

export interface ChurnTracker {
  stop(): Promise<SocketChurn>;
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

/**
 * Starts tracking (resolves once the thread polls); `stop()` ends it and returns what was seen since, the
 * sockets open at the start excluded. pollUs: the pause between two listings (one takes ~0.2 ms).
 */
export async function trackChurn(pids: number[], endpoints: readonly BrokerEndpoint[], pollUs = 500): Promise<ChurnTracker> {
  const matcher = brokerMatcher(endpoints);
  const isBroker = (s: TcpSocket) => s.state !== 'LISTEN' && matcher.match(s.remoteAddress, s.remotePort) !== undefined;
  const timeWaitKey = (s: TcpSocket) => `${endpointKey(s.localAddress, s.localPort)}>${endpointKey(s.remoteAddress, s.remotePort)}`;
  const timeWaits = (table: TcpSocket[]) => new Set(table.filter((s) => s.state === 'TIME_WAIT' && isBroker(s)).map(timeWaitKey));
  const before = timeWaits(tcpTable(pids[0]!));
  const stopFlag = new SharedArrayBuffer(4);
  const worker = new Worker(new URL('./churn-worker.js', import.meta.url), { workerData: { pids, pollUs, stop: stopFlag } satisfies ChurnWorkerData });
  // the thread loads its modules first (tens of milliseconds or more): the tracking starts when it says so
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const result = new Promise<{ polls: number; durationMs: number; sockets: SeenSocket[] }>((resolve, reject) => {
    worker.on('message', (m: 'ready' | { polls: number; durationMs: number; sockets: SeenSocket[] }) => (m === 'ready' ? ready() : resolve(m)));
    worker.once('error', reject);
  });
  await Promise.race([started, result]);
  return {
    async stop() {
      Atomics.store(new Int32Array(stopFlag), 0, 1);
      const { polls, durationMs, sockets } = await result;
      await worker.terminate();
      const table = tcpTable(pids[0]!);
      const byInode = new Map(table.map((s) => [s.inode, s]));
      const open = sockets.filter((s) => s.goneMs === undefined);
      const closed = sockets.filter((s) => s.goneMs !== undefined);
      const brokerOpen = open.filter((s) => {
        const row = byInode.get(s.inode);
        return row !== undefined && isBroker(row);
      });
      const newTimeWaits = [...timeWaits(table)].filter((k) => !before.has(k)).length;
      const brokerClosed = Math.min(closed.length, newTimeWaits);
      const lifetimes = closed.map((s) => s.goneMs! - s.firstMs).sort((a, b) => a - b);
      return {
        pollMs: pollUs / 1000,
        polls,
        durationMs: Math.round(durationMs),
        socketsOpened: sockets.length,
        socketsClosed: closed.length,
        newBrokerTimeWaits: newTimeWaits,
        brokerOpened: brokerOpen.length + brokerClosed,
        brokerClosed,
        brokerStillOpen: brokerOpen.length,
        ...(lifetimes.length ? { medianLifetimeMs: Math.round(lifetimes[Math.floor(lifetimes.length / 2)]! * 10) / 10 } : {}),
      };
    },
  };
}
