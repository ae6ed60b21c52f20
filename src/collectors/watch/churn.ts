// Broker sockets by inode while requests are driven: which were opened, which closed (and whether the
// broker had closed its side first — CLOSE_WAIT, a reaped idle connection — or the process closed them),
// which are still open. Net counts hide both a client that reaps its own idle connections (early ones
// close while later ones open) and a client built and closed per request (no net growth at all).
// A poll of /proc/PID/fd every half millisecond, on its own thread, sees sockets that live longer than
// that; the namespace's TCP tables are read only when a socket not yet placed appears.
import { Worker } from 'node:worker_threads';
import { brokerMatcher } from '../process/build-process-sockets.js';
import type { BrokerEndpoint } from '../process/types.js';
import type { ChurnWorkerData, SeenSocket } from './churn-worker.js';
import type { SocketChurn } from './types.js';

export interface ChurnTracker {
  stop(): Promise<SocketChurn>;
}

/**
 * Starts polling, on a thread of its own (resolves once it polls); `stop()` ends it and returns what was seen since (the sockets
 * open at the start excluded). pollUs: the pause between two listings (each takes ~0.1 ms for a few dozen fds).
 */
export async function trackChurn(pids: number[], endpoints: readonly BrokerEndpoint[], pollUs = 500): Promise<ChurnTracker> {
  const matcher = brokerMatcher(endpoints);
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
      const broker = sockets.filter((s) => s.remote && !s.listen && matcher.match(s.remote.address, s.remote.port) !== undefined);
      const closed = broker.filter((s) => s.goneMs !== undefined);
      const lifetimes = closed.map((s) => s.goneMs! - s.firstMs).sort((a, b) => a - b);
      return {
        pollMs: pollUs / 1000,
        polls,
        durationMs: Math.round(durationMs),
        brokerOpened: broker.length,
        brokerClosed: closed.length,
        closedAfterPeer: closed.filter((s) => s.lastState === 'CLOSE_WAIT').length,
        brokerStillOpen: broker.length - closed.length,
        unclassified: sockets.filter((s) => !s.remote).length,
        ...(lifetimes.length ? { medianLifetimeMs: Math.round(lifetimes[Math.floor(lifetimes.length / 2)]! * 10) / 10 } : {}),
      };
    },
  };
}
