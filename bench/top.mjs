// Benchmark: kleak top (every process with broker connections on the host, with process attribution) against
// `ss -tan` summed over the network namespaces (the floor: no attribution) and `ss -tanp` summed over them (the
// same attribution kleak gives), in the same run, alternating. The host: N network namespaces (ip netns), each
// with a "broker" listener on 127.0.0.1:9092 and P client processes holding C connections to it — by default
// 20 × 10 × 500 = 100,000 connections, 200,000 TCP sockets, 200 client processes. Holders are small Python
// processes; every namespace and process is removed at the end, also on failure. Needs root (ip netns).
// Usage: npm run build && node bench/top.mjs [--namespaces 20] [--processes 10] [--connections 500] [--runs 5]
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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
const children = new Set();

const listener = `
import socket, sys, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 9092)); s.listen(4096)
print('ready', flush=True)
kept = []
while True:
    c, _ = s.accept(); kept.append(c)
`;
const client = `
import socket, sys, resource
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100, n + 100))
kept = [socket.create_connection(('127.0.0.1', 9092)) for _ in range(n)]
print('ready', flush=True)
sys.stdin.read()
`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function startIn(ns, code, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', code, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', (code) => reject(new Error(`holder in ${ns} exited ${code}`)));
    child.stdout.once('data', () => resolve(child));
  });
}

function cleanup() {
  for (const c of children) c.kill('SIGKILL');
  for (let i = 0; i < N; i++) spawnSync('ip', ['netns', 'delete', `${prefix}${i}`]);
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const time = (cmd, args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')}: ${r.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: r.stdout };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const namespaces = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
  for (const ns of namespaces) {
    run('ip', ['netns', 'add', ns]);
    run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await startIn(ns, listener);
    for (let p = 0; p < P; p++) await startIn(ns, client, [String(C)]);
  }
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
} finally {
  cleanup();
}
