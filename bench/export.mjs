// Benchmark: kleak export over an hour of a node compressed into minutes. An hour at the DaemonSet's settings is
// 240 samples (--interval 15s) and 120 scrapes (Prometheus every 30 s); here the same 240 samples are taken every
// --interval (500 ms by default) and scraped every other one, on a host of N network namespaces (ip netns) each
// with a "broker" listener on 127.0.0.1:9092 and P processes holding C connections to it, while one process per
// namespace (or of --growing namespaces only) grows a connection at a time and one process is replaced by a new one
// (a new PID) every 10 samples. The run lasts until the exporter has taken --samples samples.
// Measured from /proc: the exporter's CPU time (utime + stime, and cutime + cstime: the ss and nsenter it runs) over
// the run and its RSS every second (start,
// peak, end: a leak would climb), each scrape's latency and size. The peer, on the same host in the same run:
// the same 240 samples taken the shell way, `ss -tanp state established dst 127.0.0.1:9092` in each namespace
// (the attribution kleak gives), its CPU time from /usr/bin/time. And node_exporter (apt-get install -y
// prometheus-node-exporter) in the same run, with only its process, netstat, sockstat and filefd collectors, scraped
// right after each kleak scrape: its CPU and RSS from /proc and its scrape latency the same way (the row says so
// when it is not installed). Needs root (ip netns).
// Usage: npm run build && node bench/export.mjs [--namespaces 5] [--processes 10] [--connections 200] [--samples 240] [--interval-ms 500] [--growing N] [--peer-samples 24] [--node-exporter PATH]
// The issue's size: --namespaces 20 --processes 10 --connections 500 (200 processes, 100,000 connections).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { namespaceHost } from './netns-host.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '5' },
    processes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '200' },
    samples: { type: 'string', default: '240' },
    'interval-ms': { type: 'string', default: '500' },
    // namespaces with a process that grows a connection every interval (a leak): the others hold theirs steady
    growing: { type: 'string' },
    // the peer costs ~0.4 s a sample at the default size: fewer samples, its CPU scaled to an hour's 240 (said so); 0: none
    'peer-samples': { type: 'string' },
    // node_exporter's binary (Debian's package name first); 'none' leaves it out
    'node-exporter': { type: 'string' },
  },
});
const [N, P, C, S, intervalMs] = [values.namespaces, values.processes, values.connections, values.samples, values['interval-ms']].map(Number);
const peerSamples = Math.min(S, Number(values['peer-samples'] ?? S));
const growing = Math.min(N, Number(values.growing ?? N));
const prefix = `kleakexp${process.pid}-`;
const ticks = 100; // USER_HZ

const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / ticks; // utime, stime (fields 14, 15)
};
// the CPU of its children it has waited for (kleak's ss and nsenter): cutime, cstime (fields 16, 17)
const childCpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / ticks;
};
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const host = await namespaceHost(prefix, N);
const { namespaces } = host;
const replaceable = [];
for (const [i, ns] of namespaces.entries()) {
  for (let p = 0; p < P - 1; p++) replaceable.push({ ns, child: await host.holder(ns, C) });
  if (i < growing)
    await host.holder(ns, C, intervalMs / 1000); // grows one connection per sample
  else replaceable.push({ ns, child: await host.holder(ns, C) });
}
console.log(
  `host: ${N} namespaces × ${P} processes × ${C} connections (${N * P * C} at the start, a process growing in ${growing} namespaces), ${S} samples every ${intervalMs} ms`,
);

const port = await freePort();
const exporter = spawn(
  process.execPath,
  [join(root, 'bin/kleak.js'), 'export', '--all', '--brokers', '127.0.0.1:9092', '--listen', `127.0.0.1:${port}`, '--interval', `${intervalMs}ms`],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
process.on('exit', () => exporter.kill('SIGKILL'));
let exporterLog = '';
exporter.stderr.on('data', (d) => (exporterLog += d));
const url = `http://127.0.0.1:${port}/metrics`;
for (let i = 0; ; i++) {
  if (i > 200) throw new Error(`kleak export did not serve: ${exporterLog}`);
  if (
    await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await sleep(100);
}

// node_exporter on the same host, same run: the collectors a process/socket look needs, nothing else
const neBinary =
  values['node-exporter'] ?? ['/usr/bin/prometheus-node-exporter', '/usr/local/bin/node_exporter', '/usr/bin/node_exporter'].find((f) => existsSync(f));
const neMissing = !neBinary || neBinary === 'none' || !existsSync(neBinary);
if (neMissing)
  console.log(
    neBinary === 'none'
      ? 'node_exporter: left out (--node-exporter none)'
      : 'node_exporter: not found (apt-get install -y prometheus-node-exporter, or --node-exporter PATH); its row is left out',
  );
let ne;
let neUrl;
if (!neMissing) {
  const nePort = await freePort();
  ne = spawn(
    neBinary,
    [
      `--web.listen-address=127.0.0.1:${nePort}`,
      '--collector.disable-defaults',
      '--collector.processes',
      '--collector.netstat',
      '--collector.sockstat',
      '--collector.filefd',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  process.on('exit', () => ne.kill('SIGKILL'));
  neUrl = `http://127.0.0.1:${nePort}/metrics`;
  for (let i = 0; ; i++) {
    if (i > 100) throw new Error(`node_exporter (${neBinary}) did not serve`);
    if (
      await fetch(neUrl).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
}
const neCpu0 = ne ? cpuSeconds(ne.pid) : 0;
const neRss = ne ? [rssMb(ne.pid)] : [];
const neScrapeMs = [];
let neBytes = 0;

const cpu0 = cpuSeconds(exporter.pid);
const childCpu0 = childCpuSeconds(exporter.pid);
const rss = [rssMb(exporter.pid)];
const rssAt = [0];
const scrapeMs = [];
const durations = [];
let bytes = 0;
let series = 0;
let samplesTaken = NaN;
const t0 = Date.now();
const runMs = S * intervalMs;
let slow = false;
let nextRss = t0 + 1000;
let replaced = 0;
// until the exporter has taken S samples (back to back when a sample takes longer than the interval), at most 4× the time
for (let k = 0; !(samplesTaken >= S) && !(slow = Date.now() - t0 > 4 * runMs); k++) {
  const s0 = performance.now();
  const text = await (await fetch(url)).text();
  scrapeMs.push(performance.now() - s0);
  bytes = text.length;
  series = text.split('\n').filter((l) => l.startsWith('kleak_broker_connections{')).length;
  durations.push(Number(/^kleak_sample_duration_seconds (\S+)$/m.exec(text)?.[1]));
  samplesTaken = Number(/^kleak_samples_total (\S+)$/m.exec(text)?.[1] ?? NaN);
  if (ne) {
    const n0 = performance.now();
    neBytes = (await (await fetch(neUrl)).text()).length;
    neScrapeMs.push(performance.now() - n0);
  }
  if (k % 5 === 4) {
    // every 10 samples a process goes and another comes (a pod restarted): new PID, new series
    const { ns, child } = replaceable.shift();
    child.kill('SIGKILL');
    replaceable.push({ ns, child: await host.holder(ns, C) });
    replaced++;
  }
  if (Date.now() >= nextRss) {
    rss.push(rssMb(exporter.pid));
    rssAt.push(Date.now() - t0);
    if (ne) neRss.push(rssMb(ne.pid));
    nextRss += 1000;
  }
  if (k % 200 === 199) console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${samplesTaken} samples, kleak RSS ${rss.at(-1).toFixed(0)} MB`);
  await sleep(Math.max(0, 2 * intervalMs - (performance.now() - s0)));
}
const kleakOwnCpu = cpuSeconds(exporter.pid) - cpu0;
const kleakChildCpu = childCpuSeconds(exporter.pid) - childCpu0;
const kleakCpu = kleakOwnCpu + kleakChildCpu; // its ss and nsenter are its cost too
const neCpu = ne ? cpuSeconds(ne.pid) - neCpu0 : 0;
rss.push(rssMb(exporter.pid));
rssAt.push(Date.now() - t0);
if (ne) neRss.push(rssMb(ne.pid));
ne?.kill('SIGTERM');
const runSeconds = (Date.now() - t0) / 1000;
// kleak_samples_total where the exporter has it; else a sample every interval, or back to back when slower
const taken = Number.isFinite(samplesTaken) ? samplesTaken : Math.round((runSeconds * 1000) / Math.max(intervalMs, pct(durations, 0.5) * 1000));
exporter.kill('SIGTERM');

// the peer: the same samples the shell way, one `ss -tanp` per namespace per sample
const script = join(tmpdir(), `kleak-export-peer-${process.pid}.sh`);
writeFileSync(
  script,
  `for i in $(seq ${peerSamples}); do for ns in ${namespaces.join(' ')}; do ip netns exec $ns ss -Htanp state established dst 127.0.0.1:9092 > /dev/null; done; done\n`,
);
const peer = peerSamples > 0 ? spawnSync('/usr/bin/time', ['-f', '%e %U %S', 'bash', script], { encoding: 'utf8' }) : undefined;
const [peerWall, peerUser, peerSys] = peer ? peer.stderr.trim().split('\n').pop().split(' ').map(Number) : [0, 0, 0];
const hour = 240; // samples in an hour at --interval 15s: the first table's CPU is per sample taken × 240
const scale = hour / Math.max(1, peerSamples);
const peerCpu = (peerUser + peerSys) * scale;

const hourly = (cpu) => `${cpu.toFixed(1)} CPU s (${((cpu / 3600) * 100).toFixed(2)}% of a core)`;
console.log(
  `samples: ${taken} taken of the ${S} asked${slow ? ' (stopped at 4× the time)' : ''} in ${runSeconds.toFixed(0)} s (${(kleakCpu / taken).toFixed(3)} CPU s each: ${(kleakOwnCpu / taken).toFixed(3)} in kleak's process, ${(kleakChildCpu / taken).toFixed(3)} in its ss and nsenter); ${replaced} processes replaced; sample duration median ${(pct(durations, 0.5) * 1000).toFixed(0)} ms, max ${(Math.max(...durations) * 1000).toFixed(0)} ms`,
);
console.log(
  `scrapes: ${scrapeMs.length}, latency median ${pct(scrapeMs, 0.5).toFixed(1)} ms, p99 ${pct(scrapeMs, 0.99).toFixed(1)} ms; ${bytes} bytes, ${series} connection series`,
);
console.log('');
console.log(`| an hour of one node: ${hour} samples, ${hour / 2} scrapes | CPU (kleak: per sample taken × ${hour}) | RSS start → peak → end |`);
console.log('|---|---|---|');
const quarter = (q) => rss[Math.floor(((rss.length - 1) * q) / 4)].toFixed(0);
console.log(
  `| kleak export --all | ${hourly((kleakCpu / taken) * hour)} | ${rss[0].toFixed(0)} → ${Math.max(...rss).toFixed(0)} → ${rss.at(-1).toFixed(0)} MB |`,
);
const measured = scale === 1 ? '' : `, measured on ${peerSamples} samples and scaled ×${scale.toFixed(1)}`;
if (peer) console.log(`| ss -tanp per namespace per sample (the shell way) | ${hourly(peerCpu)} (${(peerWall * scale).toFixed(0)} s wall${measured}) | — |`);
console.log('');
if (peer) console.log(`kleak / ss -tanp CPU: ${(((kleakCpu / taken) * hour) / peerCpu).toFixed(2)}×`);
console.log(`kleak RSS at each quarter of the run: ${[0, 1, 2, 3, 4].map(quarter).join(', ')} MB`);

// the goals (#29): at the DaemonSet's settings, a sample every 15 s and a scrape every 30 s
const slope = (xs, ts) => {
  // MB per hour of the run's wall time, least squares over its second half (the first fills the heaps once)
  const from = Math.floor(xs.length / 2);
  const x = ts.slice(from).map((t) => t / 3600000);
  const y = xs.slice(from);
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const num = x.reduce((a, xi, i) => a + (xi - mx) * (y[i] - my), 0);
  const den = x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
  return den ? num / den : 0;
};
const perSample = kleakCpu / taken;
const q = (xs) => [0, 1, 2, 3, 4].map((i) => xs[Math.floor(((xs.length - 1) * i) / 4)].toFixed(0)).join(' → ');
const growth = slope(rss, rssAt) * (runSeconds / 3600); // MB over the second half's trend, across the whole run
console.log('');
console.log(
  `| same host, same run: ${taken} samples, ${scrapeMs.length} scrapes of each | CPU at a 15 s sample / 30 s scrape | RSS start → quarters → end (peak) | scrape latency median / p99 / max |`,
);
console.log('|---|---|---|---|');
console.log(
  `| kleak export --all | ${((perSample / 15) * 100).toFixed(2)}% of a core (${perSample.toFixed(3)} CPU s a sample, its ss included) | ${q(rss)} MB (peak ${Math.max(...rss).toFixed(0)}; trend of the second half ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB over the run) | ${pct(scrapeMs, 0.5).toFixed(1)} / ${pct(scrapeMs, 0.99).toFixed(1)} / ${Math.max(...scrapeMs).toFixed(1)} ms (${bytes} bytes) |`,
);
if (ne) {
  const perScrape = neCpu / neScrapeMs.length;
  console.log(
    `| node_exporter ${/version (\S+)/.exec(spawnSync(neBinary, ['--version'], { encoding: 'utf8' }).output.join(''))?.[1] ?? ''} (processes, netstat, sockstat, filefd) | ${((perScrape / 30) * 100).toFixed(2)}% of a core (${perScrape.toFixed(3)} CPU s a scrape) | ${q(neRss)} MB (peak ${Math.max(...neRss).toFixed(0)}) | ${pct(neScrapeMs, 0.5).toFixed(1)} / ${pct(neScrapeMs, 0.99).toFixed(1)} / ${Math.max(...neScrapeMs).toFixed(1)} ms (${neBytes} bytes) |`,
  );
} else console.log('| node_exporter | not installed: apt-get install -y prometheus-node-exporter | — | — |');
const goals = [
  [`CPU <= 2% of a core at 15 s`, (perSample / 15) * 100 <= 2],
  [`RSS <= 120 MB`, Math.max(...rss) <= 120],
  [`RSS flat (second-half trend within 5 MB over the run)`, Math.abs(growth) <= 5],
  [`scrape <= 50 ms while a sample runs (p99)`, pct(scrapeMs, 0.99) <= 50],
];
console.log('');
console.log(`goals: ${goals.map(([g, ok]) => `${g}: ${ok ? 'met' : 'NOT met'}`).join('; ')}`);
host.cleanup();
process.exit(0); // the holders' pipes would keep this process alive
