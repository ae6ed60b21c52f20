// Benchmark: what each kleak operation costs the target. Each fixture service runs under a steady load (an open-loop
// generator at --rate requests per second: latency from the time each request was due, so a pause of the target
// shows in p99 and max, which a closed-loop generator hides), and its p50/p99/max latency and CPU (utime + stime
// from /proc) are measured over windows without and with one kleak operation, alternating, --rounds times each. The
// noise band is the spread of the windows without: an operation whose median p99 stays under the highest p99 without
// plus that spread is "within noise". Operations that pause the target (a V8 heap snapshot, a JVM heap dump or class
// histogram) print their pause: the longest latency of the window, and for a heap snapshot per 100 MB of V8 heap.
// Needs the set-up's fixtures (npm test once, or node scripts/setup.mjs) and a broker (KLEAK_BOOTSTRAP, or one is
// started here). Usage:
//   npm run build && node bench/footprint.mjs [--targets node,node-100mb,go,jvm,python] [--rate 100] [--window-ms 5000] [--rounds 3] [--shared-cores]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'node,node-100mb,go,jvm,python' },
    rate: { type: 'string', default: '100' },
    'window-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    // the target and the load on CPU 0, kleak on CPU 1 (taskset); --shared-cores lets them share both
    'shared-cores': { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const windowMs = Number(values['window-ms']);
const rounds = Number(values.rounds);
const { startFixture } = await import(join(root, 'dist/src/local-kafka/start-fixture.js'));
const { LoadProcess } = await import(join(root, 'dist/test/helpers/load.js'));
const { footprintOperations, withinNoise, summarize, pinToCpu } = await import(join(root, 'dist/test/helpers/footprint.js'));

let cluster;
let bootstrap = process.env.KLEAK_BOOTSTRAP;
if (!bootstrap) {
  const { launchKafka } = await import(join(root, 'dist/src/local-kafka/launch-kafka.js'));
  cluster = await launchKafka({});
  bootstrap = cluster.bootstrap;
}
const services = [];
const stopAll = async () => {
  for (const s of services) await s.stop().catch(() => {});
  await cluster?.stop?.().catch(() => {});
};
process.on('SIGINT', () => stopAll().finally(() => process.exit(130)));

const fixtures = {
  node: 'kafkajs-per-request-fixed',
  // the same service holding 100 MB more of live heap: a heap snapshot's pause per 100 MB
  'node-100mb': 'kafkajs-per-request-fixed',
  go: 'sarama-shared',
  jvm: 'java-producer-per-request-fixed',
  python: 'python-flask-confluent-shared',
};
const rows = [];
const pin = !values['shared-cores'];
if (pin) {
  pinToCpu(process.pid, 1); // this process starts kleak: beside it
  // the broker answers the target's requests: on the target's CPU too when it was started here, so kleak competes
  // with none of them (with KLEAK_BOOTSTRAP, the broker is wherever it runs)
  if (cluster) for (const node of cluster.nodes) pinToCpu(node.pid, 0);
}
try {
  for (const runtime of values.targets.split(',')) {
    const service = await startFixture(fixtures[runtime], { bootstrap, readyTimeoutMs: 60_000, env: runtime === 'node-100mb' ? { BALLAST_MB: '100' } : {} });
    services.push(service);
    // the load in a process of its own (starting kleak from it would stall its clock), beside the target
    const load = new LoadProcess(`${service.url}/produce`, { rate, method: 'POST', pid: service.pid });
    if (pin) {
      pinToCpu(service.pid, 0);
      pinToCpu(load.pid, 0);
    }
    await load.window(3000); // warm-up: connections, JIT, the producer's metadata
    const ops = footprintOperations(runtime === 'node-100mb' ? 'node' : runtime, {
      pid: service.pid,
      url: service.url,
      bootstrap,
      root,
      windowMs,
      kleakCpu: pin ? 1 : undefined,
    }).filter((op) => runtime !== 'node-100mb' || op.pauses);
    const allWithout = [];
    const measured = [];
    for (const op of ops) {
      const without = [];
      const withOp = [];
      let extra = {};
      for (let r = 0; r < rounds; r++) {
        without.push(await load.window(windowMs));
        const started = performance.now();
        let result;
        withOp.push(await load.window(windowMs, async () => (result = await op.run())));
        extra = { ...result, kleakMs: performance.now() - started };
        await load.window(op.pauses ? 2000 : 500); // let a pause's backlog drain before the next window
      }
      allWithout.push(...without);
      measured.push({ op, without, withOp, extra });
    }
    for (const { op, without, withOp, extra } of measured) {
      // the band is the run's: every window without an operation on this target
      const row = { runtime, service: fixtures[runtime], operation: op.name, pauses: op.pauses, ...summarize(allWithout, withOp), ...extra };
      row.p50Without = summarize(without, withOp).p50Without;
      row.withinNoise = withinNoise(allWithout, withOp);
      rows.push(row);
      console.error(JSON.stringify(row));
    }
    load.close();
    await service.stop();
  }
} finally {
  await stopAll();
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const cpu = (x) => `${(x * 100).toFixed(1)}%`;
console.log(
  `\n${rate} requests/s, ${rounds} windows of ${windowMs} ms without and with each operation, alternating; ${pin ? 'the target and the load on CPU 0, kleak on CPU 1' : 'all sharing the CPUs'}; the band: the lowest and highest p99 of every window without an operation on the target; within noise: no higher than three times its top\n`,
);
console.log('| target | operation | p50 without → with | p99 without (band) → with | max with | target CPU without → with | verdict |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const pause = r.pauses
    ? `pauses: ${ms(r.maxWith)} ms${r.heapMb ? ` (a ${r.heapMb.toFixed(0)} MB heap)` : ''}`
    : r.withinNoise
      ? 'within noise'
      : 'beyond noise';
  console.log(
    `| ${r.runtime} (${r.service}) | ${r.operation} | ${ms(r.p50Without)} → ${ms(r.p50With)} ms | ${ms(r.p99Without)} (${ms(r.bandLow)}–${ms(r.bandHigh)}) → ${ms(r.p99With)} ms | ${ms(r.maxWith)} ms | ${cpu(r.cpuWithout)} → ${cpu(r.cpuWith)} | ${pause} |`,
  );
}
const snapshots = rows.filter((r) => r.heapMb).sort((a, b) => a.heapMb - b.heapMb);
if (snapshots.length >= 2) {
  const [small, large] = [snapshots[0], snapshots.at(-1)];
  const perHundred = ((large.maxWith - small.maxWith) * 100) / (large.heapMb - small.heapMb);
  console.log(
    `\nV8 heap snapshot: the target paused ${ms(small.maxWith)} ms at a ${small.heapMb.toFixed(0)} MB heap and ${ms(large.maxWith)} ms at ${large.heapMb.toFixed(0)} MB: ${ms(perHundred)} ms more per 100 MB of heap`,
  );
}
