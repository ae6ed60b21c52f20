// The change per driven request: warm up, settle a baseline, drive while sampling, settle again, and
// divide the difference by the requests sent.
import { addResults, driveRequests } from '../drive/drive-requests.js';
import type { DriveResult } from '../drive/types.js';
import type { AdaptiveStop, DriveMeasurement, GoroutineLifecycle, DrivePlan, Metrics, SamplePhase, WatchSample } from './types.js';
import { threshold, decided } from './sequential.js';
import type { ChurnTracker } from './churn.js';
import type { JvmClientThreads } from '../process/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function perRole(after: Record<string, number>, before: Record<string, number>, per: (a: number, b: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const value = per(after[key] ?? 0, before[key] ?? 0);
    if (value !== 0) out[key] = value;
  }
  return out;
}

/** Per role and per request: created (the peak over the drive above the baseline, a lower bound), ended after the peak, still there. */
export function lifecycle(
  peak: Record<string, number>,
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, GoroutineLifecycle> {
  const out: Record<string, GoroutineLifecycle> = {};
  const r = (x: number) => Math.round((x / requests) * 1000) / 1000;
  for (const key of new Set([...Object.keys(peak), ...Object.keys(after)])) {
    const b = before[key] ?? 0;
    const a = after[key] ?? 0;
    const p = Math.max(peak[key] ?? 0, a, b);
    const life = { created: r(p - b), ended: r(p - a), left: r(a - b) };
    if (life.created === 0 && life.left === 0) continue; // nothing per request at this precision
    out[key] = life;
  }
  return out;
}

function perKind(after: JvmClientThreads, before: JvmClientThreads, per: (a: number, b: number) => number): JvmClientThreads {
  return {
    producers: per(after.producers, before.producers),
    admins: per(after.admins, before.admins),
    consumers: per(after.consumers, before.consumers),
    asyncConsumers: per(after.asyncConsumers, before.asyncConsumers),
  };
}

function metricsOf(s: WatchSample): Metrics {
  return {
    fds: s.fds,
    brokerEstablished: s.brokerEstablished,
    brokerSockets: s.brokerSockets,
    brokerCloseWait: s.brokerCloseWait,
    ...(s.goroutines !== undefined ? { goroutines: s.goroutines } : {}),
    ...(s.goroutineRoles ? { goroutineRoles: s.goroutineRoles } : {}),
    ...(s.rdkafkaClients !== undefined ? { rdkafkaClients: s.rdkafkaClients, rdkafkaBrokerThreads: s.rdkafkaBrokerThreads ?? 0 } : {}),
    ...(s.jvmClients !== undefined
      ? {
          jvmClients: s.jvmClients,
          jvmClientKinds: s.jvmClientKinds!,
          jvmSelectors: s.jvmSelectors ?? 0,
          ...(s.jvmThreadsStarted !== undefined ? { jvmThreadsStarted: s.jvmThreadsStarted, jvmThreadsLive: s.jvmThreadsLive ?? 0 } : {}),
        }
      : {}),
  };
}

const key = (s: WatchSample) =>
  `${s.brokerEstablished}/${s.brokerSockets}/${s.fds}/${s.goroutines ?? ''}/${s.rdkafkaClients ?? ''}/${s.jvmClients ?? ''}/${s.jvmThreadsLive ?? ''}`;

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
  const started = Date.now();
  if (plan.warmup > 0) {
    // an adaptive drive's warm-up: one request, then the rest all at once when that one was slow (a consumer
    // joining its group takes seconds), so that a slow endpoint's verdict still comes within the budget
    const first = plan.adaptive ? await driveRequests({ ...plan, requests: 1 }) : undefined;
    const slow = first !== undefined && first.durationMs > 1000;
    if (plan.warmup > (first ? 1 : 0))
      await driveRequests({
        ...plan,
        requests: plan.warmup - (first ? 1 : 0),
        ...(slow ? { concurrency: Math.max(plan.concurrency ?? 1, plan.warmup - 1) } : {}),
      });
  }
  const baseline = (await settle(sample, 'baseline', plan.settleTimeoutMs)).sample;
  // the budget is for the whole verdict: what the warm-up and the baseline took, and a few seconds to settle after
  if (plan.adaptive) plan = { ...plan, adaptive: { ...plan.adaptive, budgetMs: Math.max(10_000, plan.adaptive.budgetMs - (Date.now() - started) - 5_000) } };
  if (!baseline) return undefined;
  const tracker = await churn?.();
  // the tracking threads end with the drive whatever happens to it (a drive that throws, a settle that
  // fails): left running they would keep kleak alive after its report
  try {
    return await driveAndSettle(plan, sample, intervalMs, baseline, tracker);
  } finally {
    tracker?.cancel();
  }
}

async function driveAndSettle(
  plan: DrivePlan,
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  intervalMs: number,
  baseline: WatchSample,
  tracker: ChurnTracker | undefined,
): Promise<DriveMeasurement | undefined> {
  let driving = true;
  // the highest count of each goroutine role seen while driving: what was created (at least) before any
  // of it ended, told apart from what is still there once the service is idle again
  const peak: Record<string, number> = { ...(baseline.goroutineRoles ?? {}) };
  const sampleKeepingPeak = async (phase: SamplePhase) => {
    const s = await sample(phase);
    for (const [k, v] of Object.entries(s?.goroutineRoles ?? {})) peak[k] = Math.max(peak[k] ?? 0, v);
    return s;
  };
  const ticker = (async () => {
    while (driving) {
      await sleep(intervalMs);
      if (driving) await sampleKeepingPeak('driving');
    }
  })();
  let result: DriveResult;
  let adaptive: AdaptiveStop | undefined;
  try {
    if (plan.adaptive) ({ result, stop: adaptive } = await driveInRounds(plan, plan.adaptive, baseline, sampleKeepingPeak, tracker));
    else result = await driveRequests(plan);
  } finally {
    driving = false;
    await ticker;
  }
  await sampleKeepingPeak('driving'); // the end of the drive, before anything settles
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
      ...(after.rdkafkaClients !== undefined && baseline.rdkafkaClients !== undefined
        ? {
            rdkafkaClients: per(after.rdkafkaClients, baseline.rdkafkaClients),
            rdkafkaBrokerThreads: per(after.rdkafkaBrokerThreads ?? 0, baseline.rdkafkaBrokerThreads ?? 0),
          }
        : {}),
      ...(after.jvmClients !== undefined && baseline.jvmClients !== undefined
        ? {
            jvmClients: per(after.jvmClients, baseline.jvmClients),
            jvmClientKinds: perKind(after.jvmClientKinds!, baseline.jvmClientKinds!, per),
            jvmSelectors: per(after.jvmSelectors ?? 0, baseline.jvmSelectors ?? 0),
            ...(after.jvmThreadsStarted !== undefined && baseline.jvmThreadsStarted !== undefined
              ? {
                  jvmThreadsStarted: per(after.jvmThreadsStarted, baseline.jvmThreadsStarted),
                  jvmThreadsLive: per(after.jvmThreadsLive ?? 0, baseline.jvmThreadsLive ?? 0),
                }
              : {}),
          }
        : {}),
    },
    ...(after.goroutineRoles && baseline.goroutineRoles ? { goroutineLifecycle: lifecycle(peak, baseline.goroutineRoles, after.goroutineRoles, n) } : {}),
    ...otherPeers(baseline, after, n),
    settled: settled.settled,
    settleMs: settled.ms,
    ...(adaptive ? { adaptive } : {}),
    ...(churned
      ? {
          churn: {
            ...churned,
            perRequest: {
              opened: per(churned.brokerOpened, 0),
              closed: per(churned.brokerClosed, 0),
              stillOpen: per(churned.brokerStillOpen, 0),
              ...(churned.threadsStarted !== undefined ? { threadsStarted: per(churned.threadsStarted, 0) } : {}),
            },
          },
        }
      : {}),
  };
}

/**
 * Rounds of requests, a sample after each: the per-request change of each round (broker connections,
 * goroutines, sockets opened) is a series; once every series' 95% interval lies on one side of the
 * client-per-request threshold, more requests would not change the verdict. `requests` bounds it; the
 * concurrency is raised when the first rounds show the floor could not be reached within the budget.
 */
export async function driveInRounds(
  plan: DrivePlan,
  rounds: NonNullable<DrivePlan['adaptive']>,
  baseline: WatchSample,
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  tracker: ChurnTracker | undefined,
): Promise<{ result: DriveResult; stop: AdaptiveStop }> {
  const started = Date.now();
  let result: DriveResult | undefined;
  let concurrency = plan.concurrency ?? 1;
  let previous = { s: baseline, opened: tracker?.opened() ?? 0 };
  const perRound: Record<string, number[]> = {
    brokerEstablished: [],
    ...(baseline.goroutines !== undefined ? { goroutines: [] } : {}),
    ...(tracker ? { socketsOpened: [] } : {}),
    ...(baseline.jvmClients !== undefined ? { jvmClients: [] } : {}),
  };
  let reason: AdaptiveStop['reason'] = 'upper bound';
  let n = 0;
  while (n < plan.requests) {
    const size = Math.min(rounds.roundSize * Math.max(1, Math.ceil(concurrency / rounds.roundSize)), plan.requests - n);
    const r = await driveRequests({ ...plan, requests: size, concurrency });
    result = addResults(result, r);
    n += r.requests;
    if (r.stoppedEarly) {
      reason = 'service stopped answering';
      break;
    }
    const s = await sample('driving');
    if (!s) break;
    const opened = tracker?.opened() ?? 0;
    perRound.brokerEstablished!.push((s.brokerEstablished - previous.s.brokerEstablished) / r.requests);
    if (perRound.goroutines && s.goroutines !== undefined && previous.s.goroutines !== undefined)
      perRound.goroutines.push((s.goroutines - previous.s.goroutines) / r.requests);
    if (perRound.socketsOpened) perRound.socketsOpened.push((opened - previous.opened) / r.requests);
    if (perRound.jvmClients && s.jvmClients !== undefined && previous.s.jvmClients !== undefined)
      perRound.jvmClients.push((s.jvmClients - previous.s.jvmClients) / r.requests);
    previous = { s, opened };
    const elapsed = Date.now() - started;
    if (n >= rounds.floor && Object.values(perRound).every((series) => decided(series, threshold))) {
      reason = 'slope established';
      break;
    }
    if (elapsed >= rounds.budgetMs) {
      reason = 'time budget';
      break;
    }
    // a slow endpoint: enough requests in flight that the floor is reached within half the budget. The wall
    // time per request so far was measured at this concurrency; the rest at it would take perRequestMs × left
    const perRequestMs = elapsed / n;
    const left = Math.max(0, rounds.floor - n);
    // within half the budget; once past it, within most of what is left
    const room = rounds.budgetMs / 2 > elapsed ? rounds.budgetMs / 2 - elapsed : (rounds.budgetMs - elapsed) * 0.8;
    const needed = perRequestMs * left;
    if (left > 0 && room > 0 && needed > room) concurrency = Math.min(64, Math.ceil((concurrency * needed) / room));
  }
  return {
    result: result!,
    stop: { rounds: Object.values(perRound)[0]!.length, requests: n, reason, perRound, concurrency },
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
