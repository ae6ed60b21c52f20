// Benchmark: kleak heap FILE against memlab (@memlab/heap-analysis getFullHeapFromFile: parse, graph,
// dominators and retained sizes — the work memlab's analyses start with) on the same snapshots in the
// same run: wall time, throughput and peak RSS (/usr/bin/time), and kleak's own steps (KLEAK_HEAP_TIMINGS=1:
// parse, graph, dominators, retained sizes, Kafka classification).
// Usage: npm run build && node bench/heap.mjs [--sizes 500,1200,2400] [--runs 3] [--big-runs 1] [--no-memlab-above MB]
// Snapshots are generated (bench/heap-gen.mjs) in a temporary folder, one at a time, and removed after.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500,1200,2400' },
    runs: { type: 'string', default: '3' },
    'big-runs': { type: 'string', default: '1' },
    'no-memlab-above': { type: 'string', default: '100000' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-heap-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const memlabScript = join(dir, 'memlab.cjs');
writeFileSync(
  memlabScript,
  `const { getFullHeapFromFile } = require(${JSON.stringify(join(root, 'node_modules/@memlab/heap-analysis'))});\ngetFullHeapFromFile(process.argv[2]).then((h) => { let m = 0; h.nodes.forEach((n) => { if (n.retainedSize > m) m = n.retainedSize; }); console.log(m); });\n`,
);

const phaseNames = ['parse', 'graph', 'dominators', 'retained', 'kafka'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(args, runs, env = {}) {
  const walls = [];
  const rss = [];
  const phases = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M', process.execPath, '--max-old-space-size=16384', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
      env: { ...process.env, ...env },
    });
    walls.push(Number(process.hrtime.bigint() - started) / 1e9);
    rss.push(Number(/TIME (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
    // kleak heap timings: parse 812 ms, graph 310 ms, …, total 1480 ms, peak RSS 690 MB (file)
    const line = /kleak heap timings: (.*)/.exec(r.stderr)?.[1];
    if (line) phases.push(Object.fromEntries([...line.matchAll(/(\w+) (\d+) ms/g)].map((m) => [m[1], Number(m[2])])));
    if (r.status !== 0) console.error(`exit ${r.status}: ${args.join(' ')}\n${r.stderr.slice(-2000)}`);
  }
  const at = walls.indexOf(median(walls));
  return { wall: walls[at], rssMb: rss[at], phases: phases[at] };
}

const rows = [];
console.error(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
for (const mb of values.sizes.split(',').map(Number)) {
  const file = join(dir, `heap-${mb}.heapsnapshot`);
  spawnSync(process.execPath, ['--max-old-space-size=16384', join(root, 'bench/heap-gen.mjs'), String(mb), file], { stdio: 'ignore' });
  const size = statSync(file).size / 1e6;
  const runs = size > 200 ? Number(values['big-runs']) : Number(values.runs);
  const k = run([join(root, 'bin/kleak.js'), 'heap', file, '--json'], runs, { KLEAK_HEAP_TIMINGS: '1' });
  const m = mb <= Number(values['no-memlab-above']) ? run([memlabScript, file], runs) : undefined;
  rows.push({ size, k, m });
  console.error(`${size.toFixed(0)} MB: kleak ${k.wall.toFixed(2)} s, memlab ${m ? `${m.wall.toFixed(1)} s` : 'not run'}`);
  rmSync(file, { force: true });
}

const ratio = (rssMb, size) => `${((rssMb * 1.048576) / size).toFixed(2)}×`;
console.log('| snapshot | kleak heap | memlab | speed-up | kleak peak RSS / file | memlab peak RSS / file | kleak MB/s | memlab MB/s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { size, k, m } of rows) {
  console.log(
    `| ${size.toFixed(0)} MB | ${k.wall.toFixed(2)} s | ${m ? `${m.wall.toFixed(1)} s` : 'not run'} | ${m ? `${(m.wall / k.wall).toFixed(1)}×` : ''} | ${ratio(k.rssMb, size)} | ${m ? ratio(m.rssMb, size) : ''} | ${(size / k.wall).toFixed(0)} | ${m ? (size / m.wall).toFixed(0) : ''} |`,
  );
}
console.log('');
console.log(`| snapshot | ${phaseNames.join(' | ')} | kleak in-process total | process wall |`);
console.log(`|---|${phaseNames.map(() => '---|').join('')}---|---|`);
for (const { size, k } of rows) {
  const p = k.phases ?? {};
  console.log(
    `| ${size.toFixed(0)} MB | ${phaseNames.map((n) => (p[n] === undefined ? '?' : `${p[n]} ms`)).join(' | ')} | ${p.total ?? '?'} ms | ${(k.wall * 1000).toFixed(0)} ms |`,
  );
}
