// kleak export's sampling thread: the host look (readHostTop: /proc listings, fd links, ss through nsenter) reads
// synchronously most of the time and takes a few hundred milliseconds on a busy node; run here, it never holds a
// scrape up.
import { parentPort } from 'node:worker_threads';
import { hostLookCarry, readHostTop, type HostTopRequest } from '../collectors/host/index.js';
import { nodeProcReader } from '../collectors/process/read-proc.js';
import { InputError } from '../errors.js';

// what the last looks found, per namespace: one whose TCP counters, processes and fds are unchanged is not read again
const carry = hostLookCarry();

parentPort!.on('message', (request: HostTopRequest) => {
  readHostTop(request, nodeProcReader, carry).then(
    (top) => parentPort!.postMessage({ top }),
    (error: unknown) =>
      // kleak's own errors keep their kind and hint across the thread (bad input exits 2, not 3)
      parentPort!.postMessage({
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof InputError ? { input: true, hint: error.hint } : {}),
      }),
  );
});
