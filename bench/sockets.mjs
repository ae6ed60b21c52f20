// Benchmark: kleak sockets --pid against ss -tanp, lsof -p and ss -tan (the floor, no process
// attribution) on the same namespace in the same run. A target holds min(17k, a quarter of the
// namespace) ESTABLISHED loopback connections to a "broker" holder; filler processes (≤ 18k fds
// each, the per-process limit) bring the namespace to 1k / 10k / 50k / 200k TCP sockets.
// Usage: npm run build && node bench/sockets.mjs [--scales 1000,10000] [--runs 5]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values } = parseArgs({ options: { scales: { type: 'string', default: '1000,10000,50000,200000' }, runs: { type: 'string', default: '5' } } });
const scales = values.scales.split(',').map(Number);
const runs = Number(values.runs);
const holders = new Set();

function hold(count, connectTo) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'socket-holder.mjs'), String(count), ...(connectTo ? [String(connectTo)] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    holders.add(child);
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    child.stdout.once('data', (d) => {
      const [, port, connected] = String(d).trim().split(' ');
      resolve({ child, pid: child.pid, port: Number(port), connected: Number(connected) });
    });
  });
}

function stopAll() {
  for (const h of holders) h.kill('SIGKILL');
  holders.clear();
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

function tcpSocketsInNamespace() {
  return ['/proc/net/tcp', '/proc/net/tcp6'].reduce(
    (n, f) =>
      n +
      readFileSync(f, 'latin1')
        .split('\n')
        .filter((l) => l.includes(':')).length -
      1,
    0,
  );
}

function medianOf(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function run(cmd, args) {
  const walls = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const { stderr } = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const m = /TIME (\S+) (\d+)/.exec(stderr);
    walls.push(wall);
    rss.push(m ? Number(m[2]) / 1024 : NaN);
  }
  return { wall: medianOf(walls), rssMb: medianOf(rss) };
}

console.log(`sockets benchmark: medians of ${runs} runs; wall time in seconds, peak RSS in MB`);
console.log(
  '| namespace TCP sockets (all states) | target ESTABLISHED | kleak sockets | ss -tan (floor) | kleak / ss -tan | ss -tanp | lsof -a -p -i | kleak peak RSS |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const scale of scales) {
  // sockets of the previous scale linger in TIME_WAIT for 60 s: wait until the namespace is quiet
  for (let waited = 0; tcpSocketsInNamespace() > Math.min(1000, scale / 2) && waited < 150; waited++) await new Promise((r) => setTimeout(r, 1000));
  const targetConnections = Math.min(17_000, Math.floor(scale / 4));
  const broker = await hold(0);
  const target = await hold(targetConnections, broker.port);
  // fillers: both ends of their connections are theirs; 9k connections = 18k fds each
  let remaining = Math.max(0, scale - tcpSocketsInNamespace());
  while (remaining > 2) {
    const connections = Math.min(9_000, Math.floor(remaining / 2));
    await hold(connections);
    remaining = Math.max(0, scale - tcpSocketsInNamespace());
  }
  const total = tcpSocketsInNamespace();
  const kleakArgs = [join(root, 'bin/kleak.js'), 'sockets', '--pid', String(target.pid), '--brokers', `127.0.0.1:${broker.port}`, '--json'];
  const check = JSON.parse(execFileSync(process.execPath, kleakArgs, { encoding: 'utf8', maxBuffer: 1 << 30 }));
  if (check.totals.brokerEstablished !== target.connected)
    throw new Error(`kleak counted ${check.totals.brokerEstablished}, the target holds ${target.connected}`);
  const kleak = run(process.execPath, kleakArgs);
  const ssFloor = run('ss', ['-tan', 'state', 'established']);
  const ssP = run('ss', ['-tanp']);
  const lsof = run('lsof', ['-a', '-p', String(target.pid), '-i', '-n', '-P']);
  console.log(
    `| ${total} | ${target.connected} | ${kleak.wall.toFixed(3)} | ${ssFloor.wall.toFixed(3)} | ${(kleak.wall / ssFloor.wall).toFixed(2)}× | ${ssP.wall.toFixed(3)} | ${lsof.wall.toFixed(3)} | ${kleak.rssMb.toFixed(0)} |`,
  );
  stopAll();
  await new Promise((r) => setTimeout(r, 2000));
}
