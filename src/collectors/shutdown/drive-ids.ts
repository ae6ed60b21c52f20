// Requests with unique ids through the signal, the way traffic still reaches a terminating pod:
// each id goes in the header --id-header names, else as the body. Accepted = the ids kleak itself got a
// 2xx for; nothing the service says about itself is counted.
import { withCredentials } from '../http/fetch-bytes.js';

export interface IdDriveOptions {
  url: string;
  method: string;
  idHeader?: string;
  headers?: Record<string, string>;
  concurrency: number;
  /** a prefix unique to this run: ids are `${runId}-${n}` */
  runId: string;
  /** milliseconds since an epoch the caller chooses (the signal is placed on it later) */
  now: () => number;
  timeoutMs?: number;
  /** pause between one worker's requests (bounds the rate: concurrency / pauseMs) */
  pauseMs?: number;
}

export interface IdDrive {
  /** resolves once every worker has stopped (after its request in flight) */
  stop(): Promise<void>;
  sent(): number;
  accepted: { id: string; atMs: number }[];
  refused(): number;
  /** a promise that resolves when the first id was accepted (or the drive stopped) */
  firstAccepted: Promise<void>;
}

export function startIdDrive(options: IdDriveOptions): IdDrive {
  const request = withCredentials(options.url, options.headers);
  let stopped = false;
  let n = 0;
  let refused = 0;
  const accepted: { id: string; atMs: number }[] = [];
  let markFirst!: () => void;
  const firstAccepted = new Promise<void>((resolve) => (markFirst = resolve));
  const worker = async () => {
    while (!stopped) {
      const id = `${options.runId}-${++n}`;
      const headers = { ...request.headers, ...(options.idHeader ? { [options.idHeader]: id } : {}) };
      try {
        const response = await fetch(request.url, {
          method: options.method,
          headers,
          body: options.idHeader || options.method === 'GET' || options.method === 'HEAD' ? undefined : id,
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        });
        await response.arrayBuffer();
        if (response.ok) {
          accepted.push({ id, atMs: options.now() });
          markFirst();
        } else refused++;
      } catch {
        refused++;
      }
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 10));
    }
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, worker);
  return {
    async stop() {
      stopped = true;
      markFirst();
      await Promise.all(workers);
    },
    sent: () => n,
    accepted,
    refused: () => refused,
    firstAccepted,
  };
}

/** Every id of this run in a message's key, value and headers (ids may repeat in one message). */
export function idsIn(text: string, runId: string): string[] {
  const pattern = new RegExp(`${runId.replace(/[^a-z0-9]/gi, '')}-\\d+`, 'g');
  return text.match(pattern) ?? [];
}
