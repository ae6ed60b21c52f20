// Benchmark: reading the Kafka client versions of Go binaries, kleak's build-info reader against `go version -m`
// on the same binaries in the same run (both read the .go.buildinfo section; go version -m is the reference), with
// the modules each found compared. kleak reads once per process and caches; what is timed here is the uncached read
// of every binary, as `kleak top` pays it on its first sample of a host. Both sides as a whole process: node running
// the reader over the list, and one `go version -m` with the list.
// Usage: npm run build && node bench/versions.mjs [--runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const binaries = [
  ...readdirSync(join(root, 'fixtures/go/bin')).map((f) => join(root, 'fixtures/go/bin', f)),
  ...['sarama-1.36', 'sarama-1.37'].map((f) => join(root, 'fixtures/go-sarama-old/bin', f)),
  join(root, '.cache/old-go/package/bin/esbuild'),
].filter((f) => existsSync(f));
if (binaries.length < 5) throw new Error('build the fixtures first: node scripts/setup.mjs go-fixtures old-go-binary');
const megabytes = binaries.reduce((n, f) => n + statSync(f).size, 0) / 1048576;

const reader = `
const { readGoBuildInfo } = await import(${JSON.stringify(join(root, 'dist/src/collectors/process/go-buildinfo.js'))});
const out = [];
for (const f of process.argv.slice(1)) {
  const info = readGoBuildInfo(f);
  out.push(f + ': ' + info.goVersion + '\\n' + info.deps.map((d) => d.path + ' ' + d.version).join('\\n'));
}
console.log(out.join('\\n'));
`;

function timed(command, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${r.stderr.slice(-1000)}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, out: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kleak = [];
const go = [];
let kleakOut = '';
let goOut = '';
for (let i = 0; i < Number(values.runs) + 1; i++) {
  const k = timed(process.execPath, ['--input-type=module', '-e', reader, ...binaries]);
  const g = timed('go', ['version', '-m', ...binaries]);
  if (i === 0) continue; // the warm-up: the page cache holds the binaries for both from here on
  kleak.push(k.ms);
  go.push(g.ms);
  kleakOut = k.out;
  goOut = g.out;
}

// the same modules and versions, binary by binary
const fromGo = new Map();
let current;
for (const line of goOut.split('\n')) {
  const head = /^(\/\S+): (go\S+)/.exec(line);
  if (head) {
    current = head[1];
    fromGo.set(current, [`${head[2]}`]);
  } else if (current && /^\tdep\t/.test(line)) {
    const [, , path, version] = line.split('\t');
    fromGo.get(current).push(`${path} ${version.replace(/^v/, '')}`);
  }
}
const fromKleak = new Map();
for (const block of kleakOut.trim().split(/\n(?=\/)/)) {
  const [head, ...deps] = block.split('\n');
  const [file, version] = head.split(': ');
  fromKleak.set(file, [version, ...deps.filter(Boolean)]);
}
const disagree = binaries.filter((b) => JSON.stringify(fromGo.get(b)) !== JSON.stringify(fromKleak.get(b)));
const goVersions = [...new Set([...fromGo.values()].map((v) => v[0]))].join(', ');

console.log(`${binaries.length} Go binaries (${megabytes.toFixed(0)} MB; ${goVersions}), ${values.runs} runs after a warm-up, medians`);
console.log('| reader | wall (ms, whole process) | per binary (ms) |');
console.log('|---|---|---|');
console.log(`| kleak (node, build-info reader) | ${median(kleak).toFixed(0)} | ${(median(kleak) / binaries.length).toFixed(2)} |`);
console.log(`| go version -m | ${median(go).toFixed(0)} | ${(median(go) / binaries.length).toFixed(2)} |`);
console.log(`kleak / go version -m: ${(median(kleak) / median(go)).toFixed(2)}× the time`);
console.log(disagree.length ? `DISAGREE on ${disagree.join(', ')}` : 'modules and versions agree on every binary');
// node's own start-up is part of kleak's figure: the reader alone, in process
const inProcess = execFileSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const { readGoBuildInfo } = await import(${JSON.stringify(join(root, 'dist/src/collectors/process/go-buildinfo.js'))});
     const files = ${JSON.stringify(binaries)}; const t = performance.now(); for (let i = 0; i < 20; i++) for (const f of files) readGoBuildInfo(f);
     console.log(((performance.now() - t) / 20 / files.length).toFixed(3));`,
  ],
  { encoding: 'utf8' },
).trim();
console.log(`the reader alone, inside one process: ${inProcess} ms per binary`);
if (disagree.length) process.exitCode = 1;
