// Benchmark: kleak pprof on real Go profiles made by fixtures/go/bench-gen.
// Goroutine dumps (debug=2) of 10k / 50k / 100k goroutines: kleak's parse + classify time, with
// `wc -l` on the same file as the floor (no Go tool reads debug=2 text). Heap profiles with many
// distinct stacks: kleak against `go tool pprof -top -sample_index=inuse_space` on the same file.
// Usage: npm run build && npm run fixtures && node bench/pprof.mjs [--runs 5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const gen = join(root, 'fixtures/go/bin/bench-gen');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-pprof-'));

function run(cmd, args, cwd) {
  const walls = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], cwd, maxBuffer: 1 << 30 });
    walls.push(Number(process.hrtime.bigint() - started) / 1e9);
    rss.push(Number(/TIME (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(walls), rssMb: median(rss) };
}
const kleak = (file) => run(process.execPath, [join(root, 'bin/kleak.js'), 'pprof', file, '--json']);

console.log(`pprof benchmark: medians of ${runs} runs; seconds, MB`);
console.log('\n| goroutines (debug=2) | file MB | kleak pprof | per 100k goroutines | wc -l (floor) | kleak peak RSS |');
console.log('|---|---|---|---|---|---|');
for (const n of [10_000, 50_000, 100_000]) {
  const file = join(dir, `g${n}.txt`);
  spawnSync(gen, ['goroutines', String(n), file], { stdio: 'inherit' });
  const k = kleak(file);
  const floor = run('wc', ['-l', file]);
  console.log(
    `| ${n} | ${(statSync(file).size / 1e6).toFixed(1)} | ${k.wall.toFixed(3)} | ${((k.wall * 100_000) / n).toFixed(3)} | ${floor.wall.toFixed(3)} | ${k.rssMb.toFixed(0)} |`,
  );
}
console.log('\n| heap allocations sampled | distinct stacks | file KB | kleak pprof | go tool pprof -top | kleak / pprof | kleak RSS | pprof RSS |');
console.log('|---|---|---|---|---|---|---|---|');
for (const n of [100_000, 500_000]) {
  const file = join(dir, `heap${n}.pb.gz`);
  spawnSync(gen, ['heap', String(n), file], { stdio: 'inherit' });
  const k = kleak(file);
  const p = run('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', file], join(root, 'fixtures/go'));
  console.log(
    `| ${n} | ${Math.min(n, 3 ** 12)} | ${(statSync(file).size / 1024).toFixed(0)} | ${k.wall.toFixed(3)} | ${p.wall.toFixed(3)} | ${(k.wall / p.wall).toFixed(2)}× | ${k.rssMb.toFixed(0)} | ${p.rssMb.toFixed(0)} |`,
  );
}
