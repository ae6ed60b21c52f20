// The change per driven request: warm up, settle a baseline, drive while sampling, settle again, and
// divide the difference by the requests sent.
import { driveRequests } from '../drive/drive-requests.js';
import type { DriveResult } from '../drive/types.js';
import type { DriveMeasurement, DrivePlan, Metrics, SamplePhase, WatchSample } from './types.js';
import type { ChurnTracker } from './churn.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function perRole(after: Record<string, number>, before: Record<string, number>, per: (a: number, b: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const value = per(after[key] ?? 0, before[key] ?? 0);
    if (value !== 0) out[key] = value;
  }
  return out;
}

function metricsOf(s: WatchSample): Metrics {
  return {
    fds: s.fds,
    brokerEstablished: s.brokerEstablished,
    brokerSockets: s.brokerSockets,
    brokerCloseWait: s.brokerCloseWait,
    ...(s.goroutines !== undefined ? { goroutines: s.goroutines } : {}),
    ...(s.goroutineRoles ? { goroutineRoles: s.goroutineRoles } : {}),
  };
}

const key = (s: WatchSample) => `${s.brokerEstablished}/${s.brokerSockets}/${s.fds}/${s.goroutines ?? ''}`;

/** Samples every 250 ms until four in a row agree (about a second of quiet), or the bound passes. */
async function settle(
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  phase: SamplePhase,
  timeoutMs: number,
): Promise<{ sample: WatchSample | undefined; settled: boolean; ms: number }> {
  const started = Date.now();
  const recent: string[] = [];
  let s: WatchSample | undefined;
  for (;;) {
    s = await sample(phase);
    if (!s) return { sample: s, settled: false, ms: Date.now() - started };
    recent.push(key(s));
    if (recent.length >= 4 && recent.slice(-4).every((k) => k === recent[recent.length - 1])) return { sample: s, settled: true, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) return { sample: s, settled: false, ms: Date.now() - started };
    await sleep(250);
  }
}

export async function measureDrive(
  plan: DrivePlan,
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  intervalMs: number,
  churn?: () => Promise<ChurnTracker>,
): Promise<DriveMeasurement | undefined> {
  if (plan.warmup > 0) await driveRequests({ ...plan, requests: plan.warmup });
  const baseline = (await settle(sample, 'baseline', plan.settleTimeoutMs)).sample;
  if (!baseline) return undefined;
  const tracker = await churn?.();
  let driving = true;
  const ticker = (async () => {
    while (driving) {
      await sleep(intervalMs);
      if (driving) await sample('driving');
    }
  })();
  let result: DriveResult;
  try {
    result = await driveRequests(plan);
  } finally {
    driving = false;
    await ticker;
  }
  const settled = await settle(sample, 'settling', plan.settleTimeoutMs);
  const churned = await tracker?.stop();
  if (!settled.sample) return undefined;
  settled.sample.phase = 'after';
  const after = settled.sample;
  const n = result.requests;
  const per = (a: number, b: number) => Math.round(((a - b) / n) * 1000) / 1000;
  return {
    url: result.url,
    method: result.method,
    requests: n,
    concurrency: plan.concurrency ?? 1,
    warmup: plan.warmup,
    result,
    baseline: metricsOf(baseline),
    after: metricsOf(after),
    perRequest: {
      brokerEstablished: per(after.brokerEstablished, baseline.brokerEstablished),
      brokerSockets: per(after.brokerSockets, baseline.brokerSockets),
      fds: per(after.fds, baseline.fds),
      ...(after.goroutines !== undefined && baseline.goroutines !== undefined ? { goroutines: per(after.goroutines, baseline.goroutines) } : {}),
      ...(after.goroutineRoles && baseline.goroutineRoles ? { goroutineRoles: perRole(after.goroutineRoles, baseline.goroutineRoles, per) } : {}),
    },
    ...otherPeers(baseline, after, n),
    settled: settled.settled,
    settleMs: settled.ms,
    ...(churned
      ? {
          churn: {
            ...churned,
            perRequest: { opened: per(churned.brokerOpened, 0), closed: per(churned.brokerClosed, 0), stillOpen: per(churned.brokerStillOpen, 0) },
          },
        }
      : {}),
  };
}

/** Sockets to peers other than the brokers that grew over the drive (by half a socket per request or more), most first. */
function otherPeers(baseline: WatchSample, after: WatchSample, requests: number): Pick<DriveMeasurement, 'otherPeers'> {
  const before = baseline.peers ?? {};
  const now = after.peers ?? {};
  const grown = Object.keys(now)
    .map((peer) => ({
      peer,
      before: before[peer] ?? 0,
      after: now[peer]!,
      perRequest: Math.round((((now[peer] ?? 0) - (before[peer] ?? 0)) / requests) * 1000) / 1000,
    }))
    .filter((p) => p.perRequest >= 0.5)
    .sort((a, b) => b.perRequest - a.perRequest)
    .slice(0, 10);
  return grown.length ? { otherPeers: grown } : {};
}
