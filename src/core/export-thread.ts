// kleak export's sampling thread, kept alive: one request at a time, and a thread that dies (out of memory under
// its resource limits, a crash) is replaced by a new one before the next request; the request it was serving fails
// (that sample is skipped: the exporter keeps serving the last one).
import type { ResourceLimits, Worker } from 'node:worker_threads';

export interface SamplerThread<Req, Res> {
  /** the request answered by the thread, or its error; rejects when the thread dies while serving it */
  request(request: Req): Promise<Res>;
  /** how many times the thread was replaced */
  readonly restarts: number;
  stop(): Promise<void>;
}

/**
 * The sampling thread's heap limits. The young generation's size is what a busy thread's RSS follows (V8 grows
 * the semi-spaces to their maximum under a steady allocation rate, and keeps them): 8 MB costs no CPU measurable
 * at 100,000 connections. The old generation's cap makes V8 collect it before it grows (without one the thread's
 * RSS kept climbing over a run: 80 → 138 MB in 174 samples at 10,000 connections, 83 → 128 MB and flat with
 * 48 MB); a sample at 100,000 connections (200 processes) fits in it, and a thread that runs out anyway is replaced.
 */
export const samplerResourceLimits: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 };

export function samplerThread<Req, Res>(spawn: () => Worker, answer: (message: unknown) => Res, onRestart?: (reason: string) => void): SamplerThread<Req, Res> {
  let stopped = false;
  let restarts = 0;
  let worker: Worker;
  const start = () => {
    const w = spawn();
    w.unref();
    w.once('exit', (code) => {
      if (stopped || w !== worker) return;
      restarts++;
      onRestart?.(`the sampling thread exited (code ${code}); a new one takes the next sample`);
      start();
    });
    w.on('error', () => undefined); // the request in flight reports it; 'exit' follows and restarts
    worker = w;
  };
  start();
  return {
    get restarts() {
      return restarts;
    },
    request: (request: Req) =>
      new Promise<Res>((resolve, reject) => {
        const w = worker;
        w.ref(); // a request in flight keeps the process alive; an idle thread does not
        const done = () => {
          w.unref();
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        };
        const onMessage = (m: unknown) => {
          done();
          try {
            resolve(answer(m));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        };
        const onError = (error: Error) => {
          done();
          reject(error);
        };
        const onExit = (code: number) => {
          done();
          reject(new Error(`the sampling thread exited (code ${code})`));
        };
        w.once('message', onMessage);
        w.once('error', onError);
        w.once('exit', onExit);
        w.postMessage(request);
      }),
    async stop() {
      stopped = true;
      await worker.terminate();
    },
  };
}
