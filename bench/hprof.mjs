// Benchmark: kleak heap FILE.hprof against Shark (LeakCanary's HPROF reader, com.squareup.leakcanary:shark-graph
// 2.14 from Maven Central: it indexes the dump and reads every object's class) on the same dumps in the same run:
// wall time, throughput and peak RSS (/usr/bin/time), and the object counts of both, which must agree. kleak does
// more on top (references resolved into a graph, dominators and retained sizes, shortest paths to kept records).
// The dumps are written by the JVM itself (bench/hprof/HeapGen.java: orders in a map, HotSpotDiagnosticMXBean.dumpHeap).
// Usage: npm run build && node bench/hprof.mjs [--sizes 100,400,1000] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,400,1000' }, runs: { type: 'string', default: '3' } } });
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-hprof-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// Shark's classpath from Maven Central, and the two Java programs
const cpFile = join(dir, 'cp.txt');
execFileSync('mvn', ['-q', '-B', '-f', join(root, 'bench/hprof/pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], { stdio: 'inherit' });
const sharkCp = readFileSync(cpFile, 'utf8').trim();
execFileSync('javac', ['-d', dir, '-cp', sharkCp, join(root, 'bench/hprof/HeapGen.java'), join(root, 'bench/hprof/SharkCount.java')], { stdio: 'inherit' });

function run(command, args, runs) {
  const walls = [];
  const rss = [];
  let out = '';
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
    walls.push(Number(process.hrtime.bigint() - started) / 1e9);
    rss.push(Number(/TIME (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
    out = r.stdout;
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(walls), rssMb: median(rss), out };
}

console.log('| dump | objects | kleak heap | kleak MB/s | kleak RSS / file | Shark | Shark MB/s | Shark RSS / file | kleak / Shark (time) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const mb of values.sizes.split(',').map(Number)) {
  const file = join(dir, `heap-${mb}.hprof`);
  execFileSync('java', [`-Xmx${Math.max(1024, mb * 3)}m`, '-cp', dir, 'HeapGen', String(mb), file], { stdio: 'ignore' });
  const size = statSync(file).size / 1e6;
  const runs = Number(values.runs);
  const k = run(process.execPath, ['--max-old-space-size=16384', join(root, 'bin/kleak.js'), 'heap', file, '--json'], runs);
  const s = run('java', ['-Xmx8g', '-cp', `${dir}:${sharkCp}`, 'SharkCount', file], runs);
  const kleakObjects = JSON.parse(k.out).dump.objects;
  const sharkObjects = Number(/objects (\d+)/.exec(s.out)?.[1]);
  if (kleakObjects !== sharkObjects) throw new Error(`the readers disagree on ${file}: kleak ${kleakObjects} objects, Shark ${sharkObjects}`);
  console.log(
    `| ${size.toFixed(0)} MB | ${kleakObjects.toLocaleString('en-US')} (both) | ${k.wall.toFixed(2)} s | ${(size / k.wall).toFixed(0)} | ${((k.rssMb * 1.048576) / size).toFixed(2)}× | ${s.wall.toFixed(2)} s | ${(size / s.wall).toFixed(0)} | ${((s.rssMb * 1.048576) / size).toFixed(2)}× | ${(k.wall / s.wall).toFixed(2)}× |`,
  );
  rmSync(file, { force: true });
}
