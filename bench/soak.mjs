// Soak: kleak export and kleak watch over 24 simulated hours of a churning node. A day at the DaemonSet's
// --interval 15s is 5,760 samples; here they are taken every --interval-ms (100 ms: a day in about ten minutes),
// on a host of network namespaces (ip netns: root) with processes holding connections to each one's "broker",
// while, every second, a process is killed and another started (a new PID), and every --namespace-every-s
// seconds a whole namespace goes (its processes killed, the namespace deleted) and a new one comes with its
// processes. Beside it, kleak watch follows one process whose pool recycles a connection every 100 ms, for the
// same day. Measured from /proc: the RSS and open fds of both kleak processes at the start, every quarter and the
// end; from the exporter's /metrics, scraped every second: the series of processes that are gone — a series is
// stale when its process had died before the last sample served began (kleak_last_sample_timestamp_seconds less
// kleak_sample_duration_seconds): the first sample that starts after a process is gone must drop its series.
// Usage: npm run build && node bench/soak.mjs [--hours 24] [--interval-ms 100] [--namespaces 3] [--processes 4] [--connections 20] [--namespace-every-s 30]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { namespaceHost } from './netns-host.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: '24' },
    'interval-ms': { type: 'string', default: '100' },
    namespaces: { type: 'string', default: '3' },
    processes: { type: 'string', default: '4' },
    connections: { type: 'string', default: '20' },
    'namespace-every-s': { type: 'string', default: '30' },
  },
});
const [hours, intervalMs, N, P, C, nsEvery] = ['hours', 'interval-ms', 'namespaces', 'processes', 'connections', 'namespace-every-s'].map((k) =>
  Number(values[k]),
);
const samples = Math.round((hours * 3600) / 15); // at the DaemonSet's 15 s
const prefix = `kleaksoak${process.pid}-`;

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const fds = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const alive = (pid) => {
  try {
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// the brokers on 19092: an exporter with --all on this host counts only this benchmark's processes
const brokerPort = 19092;
const host = await namespaceHost(prefix, N, brokerPort);
const live = []; // { ns, child }
for (const ns of host.namespaces) for (let p = 0; p < P; p++) live.push({ ns, child: await host.holder(ns, C) });
const watched = await host.churner(host.namespaces[0], C, 0.1);
let nextNs = N;
console.log(`host: ${N} namespaces × ${P} processes × ${C} connections; ${samples} samples (${hours} h at 15 s) every ${intervalMs} ms`);

const port = await freePort();
const kleakJs = join(root, 'bin/kleak.js');
const exporter = spawn(
  process.execPath,
  [kleakJs, 'export', '--all', '--brokers', `127.0.0.1:${brokerPort}`, '--listen', `127.0.0.1:${port}`, '--interval', `${intervalMs}ms`],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let exporterLog = '';
exporter.stderr.on('data', (d) => (exporterLog = (exporterLog + d).slice(-4000)));
// the watch runs until the exporter has its day of samples (then it is stopped): its samples are counted as printed
const watchMs = 10 * samples * intervalMs;
const watch = spawn(
  process.execPath,
  [
    kleakJs,
    'watch',
    '--pid',
    String(watched.pid),
    '--brokers',
    `127.0.0.1:${brokerPort}`,
    '--interval',
    `${intervalMs}ms`,
    '--duration',
    `${watchMs}ms`,
    '--json',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let watchSamples = 0;
watch.stdout.on('data', (d) => (watchSamples += d.toString().split('\n').length - 1));
let watchLog = '';
watch.stderr.on('data', (d) => (watchLog = (watchLog + d).slice(-4000)));
let watchExit;
watch.once('exit', (code, signal) => (watchExit = code ?? signal));
process.on('exit', () => {
  exporter.kill('SIGKILL');
  watch.kill('SIGKILL');
  host.cleanup();
});

const url = `http://127.0.0.1:${port}/metrics`;
const scrape = () => fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
for (let i = 0; ; i++) {
  if (i > 300) throw new Error(`kleak export did not serve: ${exporterLog}`);
  if (await scrape().then(/^kleak_samples_total [1-9]/m.test.bind(/^kleak_samples_total [1-9]/m), () => false)) break;
  await sleep(100);
}

const died = new Map(); // pid → when it was killed (ms)
const look = [];
const record = (atSample) =>
  look.push({
    atSample,
    exporter: { rss: rssMb(exporter.pid), fds: fds(exporter.pid) },
    watch: watchExit === undefined ? { rss: rssMb(watch.pid), fds: fds(watch.pid) } : undefined,
  });
record(0);
let taken = 0;
let stale = 0;
let staleScrapes = 0;
let scrapes = 0;
let replaced = 0;
let reusedPids = 0;
let nsCycled = 0;
let maxSampleMs = 0;
const t0 = performance.now();
let nextQuarter = 1;
let lastNsAt = t0;
while (taken < samples) {
  const s0 = performance.now();
  const text = await scrape();
  scrapes++;
  taken = Number(/^kleak_samples_total (\S+)$/m.exec(text)?.[1] ?? 0);
  const durationMs = 1000 * Number(/^kleak_sample_duration_seconds (\S+)$/m.exec(text)?.[1] ?? 0);
  maxSampleMs = Math.max(maxSampleMs, durationMs);
  // the last sample served began at its end less its duration; a process killed before that is stale in it
  const sampleStart = 1000 * Number(/^kleak_last_sample_timestamp_seconds (\S+)$/m.exec(text)?.[1] ?? 0) - durationMs;
  const gone = new Set();
  for (const m of text.matchAll(/^kleak_[a-z_]+\{[^}]*\bpid="(\d+)"/gm)) {
    const pid = Number(m[1]);
    const at = died.get(pid);
    if (at !== undefined && at < sampleStart - 5) gone.add(pid);
  }
  if (gone.size) {
    stale += gone.size;
    staleScrapes++;
  }
  // churn: a process goes and another comes (a new PID); now and then a whole namespace
  const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
  victim.child.kill('SIGKILL');
  await new Promise((r) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? r() : victim.child.once('exit', r)));
  died.set(victim.child.pid, Date.now());
  // every 10th replacement takes the PID of the process it replaces (the kernel hands out ns_last_pid + 1 next, as
  // CRIU restores PIDs): a PID reused at once, within one interval
  if (replaced % 10 === 9) writeFileSync('/proc/sys/kernel/ns_last_pid', String(victim.child.pid - 1));
  const fresh = await host.holder(victim.ns, C);
  if (died.delete(fresh.pid)) reusedPids++; // a PID of a process gone, now a live one's: its series are the new one's
  live.push({ ns: victim.ns, child: fresh });
  replaced++;
  if (performance.now() - lastNsAt > nsEvery * 1000) {
    lastNsAt = performance.now();
    const candidates = [...new Set(live.map((l) => l.ns))].filter((ns) => ns !== host.namespaces[0]);
    const ns = candidates[0];
    if (ns) {
      for (const l of live.filter((x) => x.ns === ns)) died.set(l.child.pid, Date.now());
      await host.removeNamespace(ns);
      live.splice(0, live.length, ...live.filter((x) => x.ns !== ns));
      const fresh = `${prefix}${nextNs++}`;
      await host.addNamespace(fresh);
      for (let p = 0; p < P; p++) {
        const child = await host.holder(fresh, C);
        if (died.delete(child.pid)) reusedPids++;
        live.push({ ns: fresh, child });
      }
      nsCycled++;
    }
  }
  if (taken >= (samples * nextQuarter) / 4) {
    record(taken);
    nextQuarter++;
  }
  if (!alive(exporter.pid)) throw new Error(`kleak export exited: ${exporterLog}`);
  await sleep(Math.max(0, 1000 - (performance.now() - s0)));
}
const runS = (performance.now() - t0) / 1000;
watch.kill('SIGTERM');
for (let i = 0; watchExit === undefined && i < 100; i++) await sleep(100);

const fmt = (x) => (x === undefined ? '—' : `${x.rss.toFixed(0)} MB, ${x.fds} fds`);
console.log(
  `\n${taken} samples in ${runS.toFixed(0)} s (a simulated ${hours} h); ${scrapes} scrapes; ${replaced} processes replaced (${reusedPids} of them on a PID of a process gone), ${nsCycled} namespaces deleted and made again; longest sample ${maxSampleMs.toFixed(0)} ms`,
);
console.log('\n| kleak | start | 1/4 | 1/2 | 3/4 | end |');
console.log('|---|---|---|---|---|---|');
const at = (k) => look[Math.min(k, look.length - 1)];
console.log(`| export --all (RSS, fds) | ${[0, 1, 2, 3, 4].map((k) => fmt(at(k).exporter)).join(' | ')} |`);
console.log(`| watch (RSS, fds) | ${[0, 1, 2, 3, 4].map((k) => fmt(at(k).watch)).join(' | ')} |`);
console.log(
  `\nstale series (a process gone before the sample served began): ${stale} over ${scrapes} scrapes (${staleScrapes} scrapes with any); kleak watch printed ${watchSamples} samples, was stopped at the end (exit ${watchExit ?? 'none'})${typeof watchExit === 'number' && watchExit !== 0 ? `: ${watchLog.slice(-500)}` : ''}`,
);
process.exit(0);
