// An open-loop load generator: requests are sent on a fixed schedule (rate per second) whatever the service does,
// and each latency is measured from the time its request was *due*, not from when it was sent — as wrk2 does.
// A closed-loop generator (autocannon, wrk) waits for answers before sending more, so a 300 ms pause of the target
// delays one request per connection and hides in the 99th percentile ("coordinated omission"); here every request
// due during the pause is late, and p99 and max show it. Used by the footprint test and bench/footprint.mjs.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface LoadWindow {
  /** requests due in the window (all of them answered or failed before it ended) */
  requests: number;
  errors: number;
  /** latency from the time a request was due to its answer, ms */
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
  /** the target's CPU (utime + stime) over the window, seconds per second of wall time; null without a pid */
  targetCpu: number | null;
}

export interface LoadOptions {
  /** requests per second */
  rate: number;
  method?: string;
  /** the target's pid: its CPU is read from /proc over each window */
  pid?: number;
  /** each request's bound */
  timeoutMs?: number;
}

const ticks = 100; // USER_HZ

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

export class OpenLoopLoad {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly target: URL;

  constructor(
    url: string,
    private readonly options: LoadOptions,
  ) {
    this.target = new URL(url);
  }

  private send(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname + this.target.search,
          method: this.options.method ?? 'GET',
          agent: this.agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve((res.statusCode ?? 500) < 400));
          res.on('error', () => resolve(false));
        },
      );
      req.setTimeout(this.options.timeoutMs ?? 10_000, () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /**
   * Load for at least ms; `during` starts with the window and the window lasts until it has finished too (an
   * operation longer than the window is covered whole). Resolves when every request due has been answered.
   */
  async window(ms: number, during?: () => Promise<unknown>): Promise<LoadWindow> {
    const { rate, pid } = this.options;
    const gap = 1000 / rate;
    const latencies: number[] = [];
    let errors = 0;
    const inFlight: Promise<void>[] = [];
    const cpuBefore = pid ? cpuSeconds(pid) : 0;
    const start = performance.now();
    let opDone = !during;
    const op = during
      ? Promise.resolve()
          .then(during)
          .finally(() => (opDone = true))
      : Promise.resolve();
    let i = 0;
    for (;;) {
      const due = start + i * gap;
      const now = performance.now();
      if (due - start >= ms && opDone) break;
      if (due > now) {
        await new Promise((r) => setTimeout(r, Math.max(0, due - now)));
        continue;
      }
      i++;
      inFlight.push(
        this.send().then((ok) => {
          if (ok) latencies.push(performance.now() - due);
          else errors++;
        }),
      );
    }
    await Promise.all(inFlight);
    await op;
    const wallMs = performance.now() - start;
    const cpu = pid ? (cpuSeconds(pid) - cpuBefore) / (wallMs / 1000) : null;
    latencies.sort((a, b) => a - b);
    return {
      requests: i,
      errors,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? 0,
      wallMs,
      targetCpu: cpu,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The generator in a process of its own: whatever the caller does during a window (spawning kleak forks the
 * caller, which stalls its event loop for milliseconds) does not delay the requests or their clocks. A window
 * lasts at least ms, and until the caller's operation has finished.
 */
export class LoadProcess {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(url: string, options: LoadOptions) {
    this.child = fork(new URL('./load-child.js', import.meta.url), [url, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('message', () => resolve());
      this.child.once('exit', (code) => reject(new Error(`the load process exited (${code})`)));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  async window(ms: number, during?: () => Promise<unknown>): Promise<LoadWindow> {
    await this.ready;
    const result = new Promise<LoadWindow>((resolve) => this.child.once('message', (m) => resolve(m as LoadWindow)));
    this.child.send({ window: ms, waitForOperation: Boolean(during) });
    try {
      if (during) await during();
    } finally {
      if (during) this.child.send({ operationDone: true });
    }
    return result;
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
