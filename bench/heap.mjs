// Benchmark: kleak heap FILE against memlab (@memlab/heap-analysis getFullHeapFromFile: parse, graph,
// dominators and retained sizes — the work memlab's analyses start with) on the same snapshots in the
// same run: wall time, throughput and peak RSS (/usr/bin/time).
// Usage: npm run build && node bench/heap.mjs [--sizes 50,500,1000] [--runs 3] [--no-memlab-above MB]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,500,1000' },
    runs: { type: 'string', default: '3' },
    'no-memlab-above': { type: 'string', default: '100000' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-heap-'));
const memlabScript = join(dir, 'memlab.cjs');
writeFileSync(
  memlabScript,
  `const { getFullHeapFromFile } = require(${JSON.stringify(join(root, 'node_modules/@memlab/heap-analysis'))});\ngetFullHeapFromFile(process.argv[2]).then((h) => { let m = 0; h.nodes.forEach((n) => { if (n.retainedSize > m) m = n.retainedSize; }); console.log(m); });\n`,
);

function run(args, runs) {
  const walls = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M', process.execPath, '--max-old-space-size=16384', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    walls.push(Number(process.hrtime.bigint() - started) / 1e9);
    rss.push(Number(/TIME (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(walls), rssMb: median(rss) };
}

console.log('| snapshot | kleak heap | kleak MB/s | kleak RSS / file | memlab | memlab MB/s | memlab RSS / file | speed-up |');
console.log('|---|---|---|---|---|---|---|---|');
for (const mb of values.sizes.split(',').map(Number)) {
  const file = join(dir, `heap-${mb}.heapsnapshot`);
  spawnSync(process.execPath, ['--max-old-space-size=16384', join(root, 'bench/heap-gen.mjs'), String(mb), file], { stdio: 'ignore' });
  const size = statSync(file).size / 1e6;
  const runs = size > 200 ? 1 : Number(values.runs);
  const k = run([join(root, 'bin/kleak.js'), 'heap', file, '--json'], runs);
  const m = mb <= Number(values['no-memlab-above']) ? run([memlabScript, file], runs) : undefined;
  console.log(
    `| ${size.toFixed(0)} MB | ${k.wall.toFixed(1)} s | ${(size / k.wall).toFixed(0)} | ${((k.rssMb * 1.048576) / size).toFixed(2)}× | ${m ? `${m.wall.toFixed(1)} s` : 'not run'} | ${m ? (size / m.wall).toFixed(0) : ''} | ${m ? `${((m.rssMb * 1.048576) / size).toFixed(2)}×` : ''} | ${m ? `${(m.wall / k.wall).toFixed(1)}×` : ''} |`,
  );
  rmSync(file, { force: true });
}
