// What `kleak watch` prints: a row per sample as it is taken, then trends, the per-request change and findings.
import type { ChalkInstance } from 'chalk';

import type { Trend } from '../stats/trend.js';
import type { DriveConfidence, WatchResult, WatchSample } from '../collectors/watch/types.js';
import type { Finding } from '../types.js';
import { sourceText } from './sockets-view.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';
import { sparkChars, sparklineOf } from './watch-live.js';

export function sampleJson(sample: WatchSample): string {
  return `${JSON.stringify({ schemaVersion: 1, type: 'sample', ...sample })}\n`;
}

export function sampleHeader(hasGoroutines: boolean): string {
  return `${['time', 'phase', 'fds', 'broker ESTAB', 'broker CLOSE_WAIT', ...(hasGoroutines ? ['goroutines'] : [])].map((h) => h.padEnd(12)).join(' ')}\n`;
}

export function sampleRow(sample: WatchSample): string {
  const cells = [
    `${(sample.atMs / 1000).toFixed(1)}s`,
    sample.phase,
    sample.fds,
    sample.brokerEstablished,
    sample.brokerCloseWait,
    ...(sample.goroutines !== undefined ? [sample.goroutines] : []),
  ];
  return `${cells.map((c) => String(c).padEnd(12)).join(' ')}\n`;
}

export function toWatchJson(result: WatchResult, findings: Finding[]) {
  const { last, samples, samplesTaken, ...rest } = result;
  return {
    schemaVersion: 1 as const,
    type: 'summary' as const,
    command: 'watch' as const,
    ...rest,
    sampleCount: samplesTaken ?? samples.length,
    findings,
    warnings: last.warnings,
  };
}

const verdictText: Record<Trend['verdict'], string> = {
  'insufficient-data': 'too few samples for a trend',
  flat: 'no significant trend',
  'linear-growth': 'STEADY GROWTH',
  'warm-up-plateau': 'grew, then levelled off (warm-up)',
  sawtooth: 'sawtooth (closed and reopened)',
  decreasing: 'decreasing',
};

function trendRow(name: string, t: Trend): string[] {
  return [
    name,
    `${t.first} → ${t.last}`,
    `${t.min}–${t.max}`,
    `${t.slopePerMinute}`,
    verdictText[t.verdict],
    t.samples >= 6 ? t.mannKendall.p.toExponential(1) : '—',
  ];
}

/** a series over the whole watch, in 13 characters: a second line in a cell, so the table grows no wider */
const seriesOf = (result: WatchResult, value: (s: WatchSample) => number | undefined, bars: string) => {
  const values = result.samples.map(value).filter((v): v is number => v !== undefined);
  return values.length > 1 ? sparklineOf(values, 13, bars) : '';
};
const withLine = (cell: string | number, line: string) => (line ? `${cell}\n${line}` : String(cell));

export function renderWatchSummary(result: WatchResult, findings: Finding[], chalk: ChalkInstance): string {
  const bars = sparkChars(chalk);
  const out = [
    '',
    chalk.dim(
      `${sourceText[result.brokerSource]}; runtime ${result.runtime}${
        result.libraries.length ? `, ${result.libraries.map((l) => (result.versions?.[l] ? `${l} ${result.versions[l]}` : l)).join(', ')}` : ''
      }`,
    ),
  ];
  for (const w of result.last.warnings) out.push(chalk.yellow(`warning: ${w}`));
  // with a driver the samples follow the requests, so a trend over them says nothing: show it only when watching
  const trends = newTable({ head: ['', 'first → last', 'range', 'per minute', 'trend (the series)', 'Mann-Kendall p'] });
  const trendWithSeries = (name: string, t: Trend, value: (s: WatchSample) => number | undefined) => {
    const row = trendRow(name, t);
    row[4] = withLine(row[4]!, seriesOf(result, value, bars));
    return row;
  };
  trends.push(
    trendWithSeries('broker ESTABLISHED', result.trends.brokerEstablished, (s) => s.brokerEstablished),
    trendWithSeries('fds', result.trends.fds, (s) => s.fds),
  );
  if (result.trends.goroutines) trends.push(trendWithSeries('goroutines', result.trends.goroutines, (s) => s.goroutines));
  if (!result.drive) out.push(trends.toString());
  const d = result.drive;
  if (d) {
    // the series over the whole watch goes under the value after: a second line, the table no wider
    const per = newTable({ head: [`per request (${d.requests} × ${d.method} ${d.url}, ${d.warmup} warm-up)`, 'baseline', 'after', 'per request'] });
    const after = (value: number, of: (s: WatchSample) => number | undefined) => withLine(value, seriesOf(result, of, bars));
    per.push([
      'broker ESTABLISHED',
      d.baseline.brokerEstablished,
      after(d.after.brokerEstablished, (s) => s.brokerEstablished),
      d.perRequest.brokerEstablished,
    ]);
    per.push(['fds', d.baseline.fds, after(d.after.fds, (s) => s.fds), d.perRequest.fds]);
    if (d.perRequest.goroutines !== undefined)
      per.push(['goroutines', d.baseline.goroutines!, after(d.after.goroutines!, (s) => s.goroutines), d.perRequest.goroutines]);
    for (const [key, v] of Object.entries(d.perRequest.goroutineRoles ?? {})) {
      const life = d.goroutineLifecycle?.[key];
      per.push([
        `  ${key}${life && life.ended > 0 ? ` (${life.created} created, ${life.ended} ended per request)` : ''}`,
        d.baseline.goroutineRoles?.[key] ?? 0,
        d.after.goroutineRoles?.[key] ?? 0,
        v,
      ]);
    }
    if (d.perRequest.rdkafkaClients !== undefined)
      per.push(
        ['librdkafka clients (rdk:main threads)', d.baseline.rdkafkaClients ?? 0, d.after.rdkafkaClients ?? 0, d.perRequest.rdkafkaClients],
        ['  broker threads (rdk:broker<id>)', d.baseline.rdkafkaBrokerThreads ?? 0, d.after.rdkafkaBrokerThreads ?? 0, d.perRequest.rdkafkaBrokerThreads ?? 0],
      );
    if (d.perRequest.jvmClients !== undefined) {
      const kinds = d.perRequest.jvmClientKinds!;
      per.push(['Kafka client threads (JVM)', d.baseline.jvmClients ?? 0, after(d.after.jvmClients ?? 0, (s) => s.jvmClients), d.perRequest.jvmClients]);
      for (const [kind, label] of [
        ['producers', 'kafka-producer-network-thread'],
        ['admins', 'kafka-admin-client-thread'],
        ['consumers', 'kafka-coordinator-heartbeat-thread'],
        ['asyncConsumers', 'consumer_background_thread'],
      ] as const)
        if (kinds[kind] !== 0 || (d.after.jvmClientKinds?.[kind] ?? 0) > 0)
          per.push([`  ${label}`, d.baseline.jvmClientKinds?.[kind] ?? 0, d.after.jvmClientKinds?.[kind] ?? 0, kinds[kind]]);
      per.push(['epoll fds (a Selector per client)', d.baseline.jvmSelectors ?? 0, d.after.jvmSelectors ?? 0, d.perRequest.jvmSelectors ?? 0]);
      if (d.perRequest.jvmThreadsStarted !== undefined)
        per.push(
          ['Java threads started (hsperfdata)', d.baseline.jvmThreadsStarted ?? 0, d.after.jvmThreadsStarted ?? 0, d.perRequest.jvmThreadsStarted],
          ['  live', d.baseline.jvmThreadsLive ?? 0, d.after.jvmThreadsLive ?? 0, d.perRequest.jvmThreadsLive ?? 0],
        );
    }
    if (d.churn?.perRequest)
      per.push(
        ['broker connections opened (by inode)', '', d.churn.brokerOpened, d.churn.perRequest.opened],
        ['  still open', '', d.churn.brokerStillOpen, d.churn.perRequest.stillOpen],
      );
    out.push(per.toString());
    out.push(
      chalk.dim(
        `${d.result.succeeded} of ${d.result.requests} requests succeeded in ${(d.result.durationMs / 1000).toFixed(1)} s${d.adaptive ? ` (stopped after ${d.adaptive.rounds} rounds: ${d.adaptive.reason}${d.adaptive.concurrency > d.concurrency ? `, ${d.adaptive.concurrency} at once` : ''})` : ''}; counts ${d.settled ? 'settled' : 'did NOT settle'} after ${(d.settleMs / 1000).toFixed(1)} s${d.result.stoppedEarly ? `; ${d.result.stoppedEarly}` : ''}`,
      ),
    );
    if (d.confidence) out.push(chalk.dim(confidenceLine(d.confidence)));
  }
  out.push('', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}

const rateNames: Record<string, string> = {
  brokerEstablished: 'broker ESTABLISHED',
  goroutines: 'goroutines',
  socketsOpened: 'sockets opened',
  rdkafkaClients: 'librdkafka clients',
  jvmClients: 'Kafka client threads',
};

/** e.g. "confidence (95% over the rounds, threshold 0.5): grows per request, by broker ESTABLISHED 1 per request [1, 1] over 2 rounds; sockets opened 2 [1.6, 2.4]" */
export function confidenceLine(c: DriveConfidence): string {
  const n = (x: number) => String(Math.round(x * 100) / 100);
  const keys = Object.keys(c.intervals).sort((a, b) => (a === c.decidedBy ? -1 : b === c.decidedBy ? 1 : 0));
  const rates = keys
    .map((k) => {
      const i = c.intervals[k]!;
      return `${rateNames[k] ?? k} ${n(i.rate)} per request [${n(i.low)}, ${n(i.high)}] over ${i.rounds} round${i.rounds === 1 ? '' : 's'}`;
    })
    .join('; ');
  const level = Math.round(c.level * 100);
  return `confidence (${level}% intervals over the rounds, threshold ${c.threshold}): ${c.decision}${c.decidedBy ? ` (decided by ${rateNames[c.decidedBy] ?? c.decidedBy})` : ''}${rates ? ` — ${rates}` : ' — too few rounds for an interval'}`;
}
