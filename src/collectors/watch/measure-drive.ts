// The change per driven request: warm up, settle a baseline, drive while sampling, settle again, and
// divide the difference by the requests sent.
import { addResults, driveRequests } from '../drive/drive-requests.js';
import type { DriveResult } from '../drive/types.js';
import type {
  AdaptiveStop,
  DriveConfidence,
  DriveMeasurement,
  RateInterval,
  GoroutineLifecycle,
  DrivePlan,
  Metrics,
  SamplePhase,
  WatchSample,
} from './types.js';
import { threshold, interval } from './sequential.js';
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

/**
 * The wall time a verdict should come within with the default flags: warm-up, settled baseline, drive and
 * settle. The drive's own budget is what is left of it once the warm-up and the baseline are done, less 5 s
 * to settle; the plan's budget bounds it too.
 */
export const verdictBudgetMs = 30_000;

export async function measureDrive(
  plan: DrivePlan,
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  intervalMs: number,
  churn?: () => Promise<ChurnTracker>,
): Promise<DriveMeasurement | undefined> {
  const started = Date.now();
  let slow = false;
  if (plan.warmup > 0) {
    // an adaptive drive's warm-up: one request, then the rest all at once when that one was slow (a consumer
    // joining its group takes seconds), so that a slow endpoint's verdict still comes within the budget
    const first = plan.adaptive ? await driveRequests({ ...plan, requests: 1 }) : undefined;
    slow = first !== undefined && first.durationMs > 1000;
    if (plan.warmup > (first ? 1 : 0))
      await driveRequests({
        ...plan,
        requests: plan.warmup - (first ? 1 : 0),
        ...(slow ? { concurrency: Math.max(plan.concurrency ?? 1, plan.warmup - 1) } : {}),
      });
  }
  const baseline = (await settle(sample, 'baseline', plan.settleTimeoutMs)).sample;
  // the budget is for the whole verdict: what the warm-up and the baseline took, and a few seconds to settle after.
  // A slow endpoint's rounds start a round at once: a round then takes one request's time, not five
  if (plan.adaptive)
    plan = {
      ...plan,
      adaptive: {
        ...plan.adaptive,
        budgetMs: Math.max(10_000, Math.min(plan.adaptive.budgetMs, verdictBudgetMs) - (Date.now() - started) - 5_000),
        ...(slow ? { startConcurrency: Math.max(plan.concurrency ?? 1, plan.adaptive.roundSize) } : {}),
      },
    };
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
  let confidence: DriveConfidence;
  try {
    // every drive goes in rounds with a sample after each (the rates' intervals are its confidence); only an
    // adaptive one stops once they decide
    ({
      result,
      stop: adaptive,
      confidence,
    } = plan.adaptive
      ? await driveInRounds(plan, plan.adaptive, baseline, sampleKeepingPeak, tracker)
      : await driveInRounds(plan, { floor: plan.requests, roundSize: 5, budgetMs: Infinity }, baseline, sampleKeepingPeak, tracker, false));
    if (!plan.adaptive) adaptive = undefined;
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
    confidence,
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

/** a round this long or longer makes the floor cost seconds: the drive may then stop before it, after two rounds */
export const slowRoundMs = 1000;

/** the rates that stay once the service is idle again when a client is made per request (client-per-request's error) */
const staying = ['brokerEstablished', 'goroutines', 'rdkafkaClients', 'jvmClients'];

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A rate's 95% interval over its rounds (Student's t; two rounds: t(1) = 12.706, so only rounds that all but
 * agree give a narrow one). `robust`: a leading round that lies outside the interval of the rounds after it is
 * left out, as long as three remain — a client that reaps its idle connections (kafka-go's Transport) adds them
 * in the first rounds and shows its lasting rate only once the reaping has begun.
 */
export function rateInterval(series: readonly number[], robust: boolean): RateInterval | undefined {
  let s = series;
  if (robust)
    while (s.length >= 4) {
      const rest = interval(s.slice(1))!;
      if (Math.abs(s[0]! - rest.mean) <= rest.half) break;
      s = s.slice(1);
    }
  let i: { mean: number; half: number } | undefined;
  if (s.length === 2) {
    const mean = (s[0]! + s[1]!) / 2;
    i = { mean, half: (12.706 * Math.abs(s[0]! - s[1]!)) / 2 };
  } else i = interval(s);
  if (!i) return undefined;
  return { rate: round3(i.mean), low: round3(i.mean - i.half), high: round3(i.mean + i.half), rounds: s.length };
}

/** which side of the threshold a rate is on: its interval wholly on one side, and its latest round on that side too */
function side(series: readonly number[], i: RateInterval | undefined, at: number): 'above' | 'below' | undefined {
  if (!i) return undefined;
  const last = series[series.length - 1]!;
  if (i.low > at && last >= at) return 'above';
  if (i.high < at && last < at) return 'below';
  return undefined;
}

/**
 * What the rates' intervals decide against the threshold. One rate that stays (connections, goroutines, client
 * threads) above it decides a client per request whatever the others show; otherwise all of them must be below,
 * and then sockets opened (when tracked) tell a client opened and closed per request from none.
 */
export function decide(
  perRound: Record<string, number[]>,
  robust: boolean,
  at = threshold,
): Pick<DriveConfidence, 'decision' | 'decidedBy' | 'intervals'> & { allDecided: boolean } {
  const intervals: Record<string, RateInterval> = {};
  const sides: Record<string, 'above' | 'below' | undefined> = {};
  for (const [k, series] of Object.entries(perRound)) {
    const i = rateInterval(series, robust);
    if (i) intervals[k] = i;
    sides[k] = side(series, i, at);
  }
  const keys = Object.keys(perRound);
  const allDecided = keys.every((k) => sides[k] !== undefined);
  const nearest = (ks: string[]) =>
    ks
      .filter((k) => intervals[k])
      .sort(
        (a, b) =>
          Math.min(Math.abs(intervals[a]!.low - at), Math.abs(intervals[a]!.high - at)) -
          Math.min(Math.abs(intervals[b]!.low - at), Math.abs(intervals[b]!.high - at)),
      )[0];
  const grows = keys.find((k) => staying.includes(k) && sides[k] === 'above');
  if (grows) return { decision: 'grows per request', decidedBy: grows, intervals, allDecided };
  const stays = keys.filter((k) => staying.includes(k));
  if (stays.every((k) => sides[k] === 'below')) {
    const opened = perRound.socketsOpened ? sides.socketsOpened : 'below';
    if (opened === 'above') return { decision: 'opened and closed per request', decidedBy: 'socketsOpened', intervals, allDecided };
    if (opened === 'below') {
      const by = nearest(keys);
      return { decision: 'no growth', ...(by ? { decidedBy: by } : {}), intervals, allDecided };
    }
  }
  return { decision: 'undecided', intervals, allDecided };
}

/**
 * Rounds of requests, a sample after each: the per-request change of each round (broker connections,
 * goroutines, client threads, sockets opened) is a series, and each series' 95% interval over the rounds is
 * what the drive knows of that rate. Once `floor` requests are sent (and three rounds), it stops as soon as the
 * intervals decide the verdict (`decide`, a leading transient left out); before, when its rounds take a second or
 * more, after two rounds already when every rate's interval over all its rounds is clear of the threshold and
 * they decide it — a slow endpoint with a clear 1.0 per request needs no more. `requests` bounds it; the concurrency is raised (up to a round at once)
 * when the first rounds show the rounds needed could not come within the budget. `adaptive` false: every
 * request is sent, the rounds only measure.
 */
export async function driveInRounds(
  plan: DrivePlan,
  rounds: NonNullable<DrivePlan['adaptive']>,
  baseline: WatchSample,
  sample: (phase: SamplePhase) => Promise<WatchSample | undefined>,
  tracker: ChurnTracker | undefined,
  adaptive = true,
): Promise<{ result: DriveResult; stop: AdaptiveStop; confidence: DriveConfidence }> {
  const started = Date.now();
  let result: DriveResult | undefined;
  let concurrency = adaptive ? Math.max(plan.concurrency ?? 1, rounds.startConcurrency ?? 1) : (plan.concurrency ?? 1);
  let previous = { s: baseline, opened: tracker?.opened() ?? 0 };
  const perRound: Record<string, number[]> = {
    brokerEstablished: [],
    ...(baseline.goroutines !== undefined ? { goroutines: [] } : {}),
    ...(tracker ? { socketsOpened: [] } : {}),
    ...(baseline.rdkafkaClients !== undefined ? { rdkafkaClients: [] } : {}),
    ...(baseline.jvmClients !== undefined ? { jvmClients: [] } : {}),
  };
  let reason: AdaptiveStop['reason'] = 'upper bound';
  let n = 0;
  let k = 0;
  const push = (key: string, now: number | undefined, before: number | undefined, requests: number) => {
    if (perRound[key] && now !== undefined && before !== undefined) perRound[key].push((now - before) / requests);
  };
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
    k++;
    const opened = tracker?.opened() ?? 0;
    push('brokerEstablished', s.brokerEstablished, previous.s.brokerEstablished, r.requests);
    push('goroutines', s.goroutines, previous.s.goroutines, r.requests);
    if (perRound.socketsOpened) perRound.socketsOpened.push((opened - previous.opened) / r.requests);
    push('rdkafkaClients', s.rdkafkaClients, previous.s.rdkafkaClients, r.requests);
    push('jvmClients', s.jvmClients, previous.s.jvmClients, r.requests);
    previous = { s, opened };
    if (!adaptive) continue;
    const elapsed = Date.now() - started;
    // the churn's broker counts need the sockets placed: a drive whose short-lived sockets the table reads all
    // missed goes on (its budget bounds it)
    const placed = tracker?.placedEnough() ?? true;
    if (n >= rounds.floor && k >= 3 && placed && decide(perRound, true).decision !== 'undecided') {
      reason = 'slope established';
      break;
    }
    // before the floor, only where the floor costs seconds more (rounds of a second or longer: a consumer joining
    // its group per request): a fast endpoint reaches it in a fraction of a second, and the floor's requests
    // outweigh a cost a service pays once, late (a second broker contacted, a pool filling up)
    if (n < rounds.floor && k >= 2 && placed && elapsed / k >= slowRoundMs) {
      const early = decide(perRound, false);
      if (early.allDecided && early.decision !== 'undecided') {
        reason = 'slope established';
        break;
      }
    }
    if (elapsed >= rounds.budgetMs) {
      reason = 'time budget';
      break;
    }
    // a slow endpoint: enough requests in flight that the rounds still needed (to the floor, and three at
    // least) come within half the budget. A round's wall time so far was measured at this concurrency; more in
    // flight than a round holds only makes the rounds bigger, not more, so the raise stops at a round at once
    const roundMs = elapsed / k;
    const roundsLeft = Math.max(0, 3 - k, Math.ceil((rounds.floor - n) / size));
    const room = rounds.budgetMs / 2 > elapsed ? rounds.budgetMs / 2 - elapsed : (rounds.budgetMs - elapsed) * 0.8;
    const needed = roundMs * roundsLeft;
    if (roundsLeft > 0 && room > 0 && needed > room && concurrency < rounds.roundSize)
      concurrency = Math.min(rounds.roundSize, Math.ceil((concurrency * needed) / room));
  }
  const decided = decide(perRound, n >= rounds.floor && k >= 3);
  return {
    result: result!,
    stop: { rounds: k, requests: n, reason, perRound, concurrency },
    confidence: {
      level: 0.95,
      threshold,
      decision: decided.decision,
      ...(decided.decidedBy ? { decidedBy: decided.decidedBy } : {}),
      intervals: decided.intervals,
      rounds: k,
      requests: n,
      reason: adaptive ? reason : reason === 'upper bound' ? 'all requests sent' : reason,
    },
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
