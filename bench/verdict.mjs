// Benchmark: time to a verdict on each per-request fixture with kleak watch's default flags (an adaptive drive:
// rounds of 5, stop once the rates' 95% intervals decide the verdict, at most 50 requests, within 30 s), beside
// the same watch sending all 50 (--all-requests) in the same run: the requests each needed, the wall time, the
// confidence each reports (drive.confidence: what the intervals decide, by which rate, its interval and rounds),
// the ratio, and that both reach the same verdict. Starts its own broker; every service is stopped by PID.
// Usage: npm run build && node bench/verdict.mjs
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { launchKafka } from '../dist/src/local-kafka/launch-kafka.js';
import { ensureTopic } from '../dist/src/local-kafka/topics.js';
import { startFixture } from '../dist/src/local-kafka/start-fixture.js';

const root = new URL('..', import.meta.url).pathname;
const fixtures = [
  ['sarama-per-request', '/produce'],
  ['sarama-per-request-fixed', '/produce'],
  ['sarama-shared', '/produce'],
  ['sarama-closed-per-request', '/produce'],
  ['kafkajs-per-request', '/produce'],
  ['kafkajs-per-request-fixed', '/produce'],
  ['kafkajs-closed-per-request', '/produce'],
  ['kafkajs-consumer-per-request', '/subscribe'],
  ['kafkajs-consumer-per-request-fixed', '/subscribe'],
  ['kafkago-reaping-per-request', '/produce'],
  ['rdkafka-per-request', '/produce'],
  ['rdkafka-per-request-fixed', '/produce'],
];

function watch(service, path, bootstrap, extra) {
  const started = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin/kleak.js'),
      'watch',
      '--pid',
      String(service.pid),
      '--bootstrap',
      bootstrap,
      '--drive',
      `${service.url}${path}`,
      '--method',
      'POST',
      '--json',
      ...extra,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = JSON.parse(r.stdout.trim().split('\n').pop());
  const verdict =
    summary.findings
      .filter((f) => f.ruleId === 'client-per-request' || f.ruleId === 'group-member-growth')
      .map((f) => `${f.severity} ${f.ruleId}`)
      .join(', ') || 'none';
  const c = summary.drive.confidence;
  const by = c?.decidedBy ? c.intervals[c.decidedBy] : undefined;
  const confidence = c
    ? `${c.decision}${by ? `: ${c.decidedBy} ${round(by.rate)} [${round(by.low)}, ${round(by.high)}] over ${by.rounds} rounds` : ''}`
    : 'none reported';
  return { seconds, requests: summary.drive.requests, reason: summary.drive.adaptive?.reason ?? 'all sent', verdict, confidence };
}

const round = (x) => Math.round(x * 100) / 100;

const cluster = await launchKafka();
const rows = [];
try {
  for (const [name, path] of fixtures) {
    const topic = `verdict-${name}`;
    await ensureTopic(cluster.bootstrap, topic);
    for (const mode of ['adaptive', 'all']) {
      const service = await startFixture(name, { bootstrap: cluster.bootstrap, topic });
      try {
        await fetch(`${service.url}${path}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
        // Go services are watched with --pprof (their goroutines tell a leaked client whose connections were all
        // reaped from one closed per request)
        const pprof = name.startsWith('sarama') || name.startsWith('kafkago') ? ['--pprof', service.url] : [];
        const r = watch(service, path, cluster.bootstrap, [...pprof, ...(mode === 'all' ? ['--all-requests'] : [])]);
        rows.push({ name, mode, ...r });
        console.error(`${name} ${mode}: ${r.requests} requests, ${r.seconds.toFixed(1)} s, ${r.reason}, ${r.verdict}; ${r.confidence}`);
      } finally {
        await service.stop();
      }
    }
  }
} finally {
  await cluster.stop();
}
console.log(
  '| fixture | default: requests, time to verdict | default: confidence (95%) | --all-requests: requests, time | --all-requests: confidence (95%) | ratio | same verdict |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name] of fixtures) {
  const a = rows.find((r) => r.name === name && r.mode === 'adaptive');
  const b = rows.find((r) => r.name === name && r.mode === 'all');
  console.log(
    `| ${name} | ${a.requests} (${a.reason}), ${a.seconds.toFixed(1)} s | ${a.confidence} | ${b.requests}, ${b.seconds.toFixed(1)} s | ${b.confidence} | ${(b.seconds / a.seconds).toFixed(2)}× | ${a.verdict === b.verdict ? `yes: ${a.verdict}` : `NO: ${a.verdict} vs ${b.verdict}`} |`,
  );
}
const adaptive = rows.filter((r) => r.mode === 'adaptive');
const slowest = adaptive.reduce((m, r) => (r.seconds > m.seconds ? r : m));
const same = fixtures.every(
  ([name]) => rows.find((r) => r.name === name && r.mode === 'adaptive').verdict === rows.find((r) => r.name === name && r.mode === 'all').verdict,
);
console.log(
  `\nslowest default verdict: ${slowest.name}, ${slowest.seconds.toFixed(1)} s (${slowest.seconds <= 30 ? 'within' : 'OVER'} 30 s); ${same ? 'the same verdict on every fixture' : 'a verdict DIFFERS'}`,
);
