// Benchmark: kleak top (every process with broker connections on the host, with process attribution) against
// `ss -tan` summed over the network namespaces (the floor: no attribution) and `ss -tanp` summed over them (the
// same attribution kleak gives), in the same run, alternating. The host: N network namespaces (ip netns), each
// with a "broker" listener on 127.0.0.1:9092 and P client processes holding C connections to it — by default
// 20 × 10 × 500 = 100,000 connections, 200,000 TCP sockets, 200 client processes. Holders are small Python
// processes; every namespace and process is removed at the end, also on failure. Needs root (ip netns).
// Usage: npm run build && node bench/top.mjs [--namespaces 20] [--processes 10] [--connections 500] [--runs 5]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { namespaceHost } from './netns-host.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '20' },
    processes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '500' },
    runs: { type: 'string', default: '5' },
  },
});
const [N, P, C, runs] = [values.namespaces, values.processes, values.connections, values.runs].map(Number);
const prefix = `kleakbench${process.pid}-`;

const time = (cmd, args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')}: ${r.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: r.stdout };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const host = await namespaceHost(prefix, N);
try {
  const { namespaces } = host;
  for (const ns of namespaces) for (let p = 0; p < P; p++) await host.holder(ns, C);
  const expected = N * P * C;
  console.error(`${N} namespaces × ${P} processes × ${C} connections: ${expected} connections, ${2 * expected} TCP sockets`);
  const kleak = [process.execPath, join(root, 'bin/kleak.js'), 'top', '--brokers', '127.0.0.1:9092', '--json'];
  const ssEach = (flags) => () => namespaces.reduce((ms, ns) => ms + time('nsenter', [`--net=/run/netns/${ns}`, 'ss', flags]).ms, 0);
  const figures = { kleak: [], ssTan: [], ssTanp: [] };
  let checked;
  for (let r = 0; r < runs + 1; r++) {
    const k = time(kleak[0], kleak.slice(1));
    const a = ssEach('-tan')();
    const b = ssEach('-tanp')();
    if (r === 0) {
      const json = JSON.parse(k.stdout);
      checked = {
        processes: json.processes.length,
        established: json.processes.reduce((n, p) => n + p.totals.established, 0),
        method: json.method,
        kleakMs: json.durationMs,
      };
      continue; // the warm-up
    }
    figures.kleak.push(k.ms);
    figures.ssTan.push(a);
    figures.ssTanp.push(b);
  }
  const ratios = figures.kleak.map((k, i) => k / figures.ssTan[i]);
  const ratiosP = figures.kleak.map((k, i) => k / figures.ssTanp[i]);
  console.log(
    `kleak top found ${checked.processes} processes with ${checked.established} ESTABLISHED broker connections (expected ${N * P} and ${expected}); read from ${checked.method}, ${checked.kleakMs} ms inside the process`,
  );
  console.log('| command | median wall time (ms), whole command | runs |');
  console.log('|---|---|---|');
  console.log(`| kleak top --brokers 127.0.0.1:9092 --json | ${median(figures.kleak).toFixed(0)} | ${runs} |`);
  console.log(`| ss -tan, once per namespace, summed (no attribution) | ${median(figures.ssTan).toFixed(0)} | ${runs} |`);
  console.log(`| ss -tanp, once per namespace, summed | ${median(figures.ssTanp).toFixed(0)} | ${runs} |`);
  console.log(
    `kleak / ss -tan: median ${median(ratios).toFixed(2)}× (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}); kleak / ss -tanp: median ${median(ratiosP).toFixed(2)}×`,
  );
  console.log(
    `each run, kleak / ss -tan: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} (${ratios.filter((r) => r <= 1.5).length} of ${runs} at or under 1.5×)`,
  );
} finally {
  host.cleanup();
}
