// The Go scan's analyzer engine (analyzers/go, kleak-vet on its own): in a module that type-checks it follows
// clients across packages (a handler three calls above the constructor, an interface method, a factory's result
// kept or dropped, a lazy singleton through a local copy) and the scan says it ran; where the module does not
// type-check, or KLEAK_SCAN_GO_ENGINE=tree-sitter, the tree-sitter scan runs alone and says why. The fixtures
// are fixtures/scan/go-module/<case>, modules of their own with `// want` markers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';
import { markers, scanFixtures, scanMarks, sortMarks } from '../helpers/scan-markers.js';
import { runKleak } from '../helpers/cli.js';
import { analyzerBinary, goResultFile } from '../../src/collectors/source/go/vet.js';
import { setupTool } from '../helpers/setup-paths.js';

// the first run builds the analyzer into the cache and loads Sarama from the module cache
const timeout = 600_000;
// every test here runs the analyzer, except the one on the reuse of its result
process.env.KLEAK_SCAN_GO_CACHE = 'off';

async function withEngine<T>(engine: string | undefined, run: () => Promise<T>): Promise<T> {
  const had = process.env.KLEAK_SCAN_GO_ENGINE;
  if (engine === undefined) delete process.env.KLEAK_SCAN_GO_ENGINE;
  else process.env.KLEAK_SCAN_GO_ENGINE = engine;
  try {
    return await run();
  } finally {
    if (had === undefined) delete process.env.KLEAK_SCAN_GO_ENGINE;
    else process.env.KLEAK_SCAN_GO_ENGINE = had;
  }
}

test('go/analysis: the findings in the Go modules equal their want markers, every rule, under either driver', { timeout }, async () => {
  const want = markers('go-module');
  assert.ok(want.length >= 8);
  // a module this small runs under go vet -vettool; kleak-vet on its own (a module of 150 packages or more) must agree
  for (const driver of ['', 'vet', 'standalone']) {
    const had = process.env.KLEAK_SCAN_GO_DRIVER;
    process.env.KLEAK_SCAN_GO_DRIVER = driver;
    try {
      assert.deepEqual(sortMarks(await withEngine(undefined, () => scanMarks('go-module'))), sortMarks(want), driver || 'auto');
    } finally {
      if (had === undefined) delete process.env.KLEAK_SCAN_GO_DRIVER;
      else process.env.KLEAK_SCAN_GO_DRIVER = had;
    }
  }
});

test('go/analysis: which engine ran, per module, and why the fallback', { timeout }, async () => {
  const run = await withEngine(undefined, () => scan({ root: join(scanFixtures, 'go-module') }));
  const engines = run.evidence.source!.engines ?? [];
  const layers = engines.find((e) => e.root === 'layers');
  assert.deepEqual(
    layers,
    { language: 'go', engine: 'go/analysis', root: 'layers', packages: 6 },
    'web and cmd/app reach Kafka only through svc and repo: vetted too',
  );
  const broken = engines.find((e) => e.root === 'broken');
  assert.equal(broken?.engine, 'tree-sitter');
  assert.match(broken?.reason ?? '', /does not build or type-check: .*handlers\.go:12/);
  // go vet type-checks the tests too: when only a _test.go file does not compile, the analyzer runs without them
  assert.deepEqual(
    engines.find((e) => e.root === 'tests-broken'),
    { language: 'go', engine: 'go/analysis', root: 'tests-broken', packages: 1 },
  );
  const deep = run.diagnosis.findings.find((f) => f.locations[0]!.file === 'tests-broken/producer.go');
  assert.match(
    deep?.summary ?? '',
    /orders\.Create → orders\.publish → orders\.producer → orders\.newProducer\) and never closes it \(orders\.publish leaves it open\)/,
  );
});

test('go/analysis: the finding is at the constructor, with the chain from the handler in its message', { timeout }, async () => {
  const run = await withEngine(undefined, () => scan({ root: join(scanFixtures, 'go-module/layers') }));
  const at = (file: string, line: number) => {
    const f = run.diagnosis.findings.find((x) => x.locations[0]!.file === file && x.locations[0]!.line === line);
    assert.ok(f, `${file}:${line}`);
    return f;
  };
  const orders = at('repo/repo.go', 10);
  assert.equal(orders.ruleId, 'client-per-request');
  assert.equal(orders.severity, 'warning', 'svc.Publish closes it on every path: still one per request');
  assert.match(orders.summary, /request handler api\.Orders .*through api\.Orders → svc\.Publish → repo\.NewOrdersProducer → repo\.newOrdersProducer/);
  const events = at('repo/repo.go', 21);
  assert.equal(events.severity, 'error');
  assert.match(events.summary, /api\.Events → svc\.EventsProducer → repo\.NewEventsProducer/);
  assert.match(at('repo/repo.go', 31).summary, /api\.\(\*Handler\)\.Audit → repo\.kafkaFactory\.Producer/, 'behind the interface method repo.Factory.Producer');
  assert.match(at('repo/repo.go', 61).summary, /per-message code api\.Relay\.ConsumeClaim/);
  const topics = at('repo/repo.go', 67);
  assert.equal(topics.severity, 'warning');
  assert.match(topics.summary, /an admin client in request handler web\.Topics .*web\.Topics → svc\.CreateTopic → repo\.NewAdmin/);
  const forward = at('repo/repo.go', 81);
  assert.equal(forward.severity, 'warning');
  assert.match(
    forward.summary,
    /per-message code worker\.Run \(loop around r\.ReadMessage\(\), through worker\.Run → svc\.Forward → repo\.NewForwardProducer\)/,
  );
  const ping = at('svc/svc.go', 38);
  assert.equal(ping.ruleId, 'client-not-closed');
  assert.match(ping.summary, /repo\.NewPingProducer/);
  const wrapped = at('svc/svc.go', 84);
  assert.equal(wrapped.ruleId, 'client-not-closed');
  assert.match(wrapped.summary, /repo\.MustClient.*only passed to sarama\.NewSyncProducerFromClient, whose Close does not close it/);
  // one finding per rule and line, however many handlers reach the constructor
  const keys = run.diagnosis.findings.map((f) => `${f.ruleId} ${f.locations[0]!.file}:${f.locations[0]!.line}`);
  assert.equal(new Set(keys).size, keys.length);
});

test('KLEAK_SCAN_GO_ENGINE=tree-sitter: the syntax-only scan, said so, and the calls across packages are not seen', { timeout }, async () => {
  const run = await withEngine('tree-sitter', () => scan({ root: join(scanFixtures, 'go-module/layers') }));
  assert.deepEqual(run.evidence.source!.engines, [
    { language: 'go', engine: 'tree-sitter', root: '.', packages: 4, reason: 'KLEAK_SCAN_GO_ENGINE=tree-sitter' },
  ]);
  const found = new Set(run.diagnosis.findings.map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`));
  for (const place of [
    'repo/repo.go:81',
    'repo/repo.go:67',
    'repo/repo.go:10',
    'repo/repo.go:21',
    'repo/repo.go:31',
    'repo/repo.go:61',
    'svc/svc.go:38',
    'svc/svc.go:84',
  ])
    assert.ok(!found.has(place), `${place}: only the analyzer follows it`);
  assert.ok(found.has('svc/svc.go:48'), 'the tree-sitter scan still sees the FromClient wrapper in one function');
});

test('a tree without a go.mod stays with the tree-sitter scan, unchanged', { timeout }, async () => {
  const run = await withEngine(undefined, () => scan({ root: join(scanFixtures, 'go/client-per-request'), includeTests: true }));
  assert.ok(
    (run.evidence.source!.engines ?? []).filter((e) => e.language === 'go').every((e) => e.engine === 'tree-sitter' && /no go\.mod/.test(e.reason ?? '')),
  );
  const forced = await withEngine('tree-sitter', () => scan({ root: join(scanFixtures, 'go/client-per-request'), includeTests: true }));
  const marks = (r: typeof run) => r.diagnosis.findings.map((f) => `${f.ruleId} ${f.locations[0]!.line} ${f.summary}`).sort();
  assert.deepEqual(marks(run), marks(forced));
});

test('kleak scan prints the engine line, and --format json carries scan.engines', { timeout }, async () => {
  const dir = join(scanFixtures, 'go-module/layers');
  const table = await runKleak(['scan', dir, '--format', 'table'], { env: { KLEAK_SCAN_GO_ENGINE: '', KLEAK_SCAN_GO_CACHE: 'off' }, timeoutMs: timeout });
  assert.match(table.stdout, /^ {2}Go: types and calls across packages \(go\/analysis\) on 6 packages$/m);
  const forced = await runKleak(['scan', dir, '--format', 'json'], { env: { KLEAK_SCAN_GO_ENGINE: 'tree-sitter' }, timeoutMs: timeout });
  assert.deepEqual(JSON.parse(forced.stdout).scan.engines, [
    { language: 'go', engine: 'tree-sitter', root: '.', packages: 4, reason: 'KLEAK_SCAN_GO_ENGINE=tree-sitter' },
  ]);
  const text = await runKleak(['scan', dir, '--format', 'table'], { env: { KLEAK_SCAN_GO_ENGINE: 'tree-sitter' }, timeoutMs: timeout });
  assert.match(text.stdout, /^ {2}Go: syntax only \(tree-sitter\) on 4 packages: KLEAK_SCAN_GO_ENGINE=tree-sitter$/m);
});

test('go/analysis: an unchanged module reuses the last result, a changed file runs the analyzer again', { timeout }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-go-reuse-'));
  cpSync(join(scanFixtures, 'go-module/layers'), dir, { recursive: true });
  const had = process.env.KLEAK_SCAN_GO_CACHE;
  delete process.env.KLEAK_SCAN_GO_CACHE;
  try {
    const once = async () => {
      const run = await withEngine(undefined, () => scan({ root: dir }));
      const engine = run.evidence.source!.engines!.find((e) => e.language === 'go')!;
      return { engine, findings: run.diagnosis.findings.map((f) => `${f.ruleId} ${f.locations[0]!.file}:${f.locations[0]!.line}`).sort() };
    };
    const first = await once();
    assert.equal(first.engine.engine, 'go/analysis');
    assert.equal(first.engine.reused, undefined, 'first scan: the analyzer runs');
    assert.ok(first.findings.includes('client-per-request repo/repo.go:10'), 'a finding only the analyzer makes');
    const second = await once();
    assert.equal(second.engine.reused, true, 'nothing changed: the result is reused');
    assert.deepEqual(second.findings, first.findings);
    // the per-request producer moves down two lines: a stale result would keep it at line 10
    const repo = join(dir, 'repo/repo.go');
    const text = readFileSync(repo, 'utf8');
    const at = text.indexOf('\nfunc newOrdersProducer');
    assert.ok(at > 0, 'the fixture still has newOrdersProducer');
    writeFileSync(repo, `${text.slice(0, at)}\n// moved\n// down${text.slice(at)}`);
    const third = await once();
    assert.equal(third.engine.reused, undefined, 'a file changed: the analyzer runs again');
    assert.ok(third.findings.includes('client-per-request repo/repo.go:12'), third.findings.join('\n'));
    assert.ok(!third.findings.includes('client-per-request repo/repo.go:10'));
  } finally {
    if (had === undefined) delete process.env.KLEAK_SCAN_GO_CACHE;
    else process.env.KLEAK_SCAN_GO_CACHE = had;
    rmSync(goResultFile(dir), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('go/analysis: no-graceful-shutdown at a factory in another package, when main serves or blocks with no SIGTERM handler', { timeout }, async () => {
  const dir = join(scanFixtures, 'go-module/daemon');
  const run = await withEngine(undefined, () => scan({ root: dir }));
  const at = (line: number) =>
    run.diagnosis.findings.find((f) => f.ruleId === 'no-graceful-shutdown' && f.locations[0]!.file === 'kafka/kafka.go' && f.locations[0]!.line === line);
  const served = at(17);
  assert.ok(served, 'kafka/kafka.go:17');
  assert.equal(served.library, 'kafka-go');
  assert.match(
    served.summary,
    /&kafka\.Writer\{\} builds a producer in kafka\.NewProducer, but main\.main gets it from pkafka\.NewProducer .*serves with http\.ListenAndServe and has no signal\.Notify/,
  );
  const kept = at(36);
  assert.ok(kept, 'kafka/kafka.go:36');
  assert.match(kept.summary, /main\.main calls kafka\.Start, which keeps it in a package variable .*blocks in select \{\}/);
  // the look-alikes: a main that stops on SIGTERM and closes, and a tool that runs to completion
  for (const line of [23, 28]) assert.equal(at(line), undefined, `kafka/kafka.go:${line}`);
  const forced = await withEngine('tree-sitter', () => scan({ root: dir }));
  assert.equal(
    forced.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown').length,
    0,
    'the tree-sitter scan sees constructions in package main only',
  );
});

// The analyzer's own tests (analysistest's `// want` markers on its test data, the facts it exports, and the
// golangci-lint module plugin handing golangci-lint that analyzer) run with the Go toolchain, here so CI runs them.
test('go/analysis: the analyzer’s Go tests and its golangci-lint plugin pass (go test ./... in analyzers/go)', { timeout }, () => {
  const ran = spawnSync('go', ['test', '-count=1', './...'], {
    cwd: join(repoRoot, 'analyzers/go'),
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  assert.equal(ran.status, 0, `${ran.stdout}\n${ran.stderr}`);
  for (const pkg of ['kleakanalysis', 'plugin']) assert.match(ran.stdout, new RegExp(`^ok\\s+\\S+/${pkg}\\b`, 'm'), pkg);
});

// golangci-lint itself, with the plugin compiled in as `golangci-lint custom` does (tools/golangci-kleak, built by
// the set-up): it must load the linter from .golangci.yml's `custom` settings and report what kleak-vet reports
// on its own on the same packages (the same analyzer through another driver: the oracle), at the same places.
test('go/analysis: golangci-lint with the kleak module plugin reports what kleak-vet reports, place for place', { timeout }, async () => {
  const gcl = setupTool('golangciKleak', 'golangci-kleak');
  const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const built = await analyzerBinary(version);
  assert.ok(built.bin, built.reason);
  const vet: string = built.bin;
  const cfgDir = mkdtempSync(join(tmpdir(), 'kleak-golangci-'));
  try {
    const cfg = join(cfgDir, '.golangci.yml');
    writeFileSync(
      cfg,
      [
        'version: "2"',
        'run:',
        '  tests: false',
        'linters:',
        '  default: none',
        '  enable: [kleak]',
        '  settings:',
        '    custom:',
        '      kleak:',
        '        type: module',
        '        description: Kafka-client leaks (kleak)',
        'issues:',
        '  max-issues-per-linter: 0',
        '  max-same-issues: 0',
        '',
      ].join('\n'),
    );
    for (const fixture of ['layers', 'daemon']) {
      const cwd = join(scanFixtures, 'go-module', fixture);
      const env = { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' };
      const ran = spawnSync(gcl, ['run', '-c', cfg, '--output.json.path', 'stdout', '--output.text.path', '/dev/null', '--show-stats=false', './...'], {
        cwd,
        env,
        encoding: 'utf8',
        timeout: 300_000,
        killSignal: 'SIGKILL',
      });
      assert.ok(ran.status === 0 || ran.status === 1, `golangci-lint exited ${ran.status}: ${ran.stderr}`);
      const issues = (JSON.parse(ran.stdout) as { Issues: { FromLinter: string; Text: string; Pos: { Filename: string; Line: number } }[] }).Issues;
      // paths are relative to the configuration file (golangci-lint v2's relative-path-mode: cfg)
      const fromGcl = issues.map((i) => `${i.FromLinter} ${join(cfgDir, i.Pos.Filename)}:${i.Pos.Line} ${i.Text.split(':')[0]}`).sort();
      const alone = spawnSync(vet, ['-test=false', './...'], { cwd, env, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
      const fromVet: string[] = [...alone.stderr.matchAll(/^(\/\S+\.go):(\d+):\d+: ([a-z-]+):/gm)].map((m) => `kleak ${m[1]}:${m[2]} ${m[3]}`).sort();
      assert.ok(fromVet.length >= (fixture === 'layers' ? 8 : 2), `${fixture}: kleak-vet found ${fromVet.length}\n${alone.stderr}`);
      assert.deepEqual(fromGcl, fromVet, fixture);
    }
  } finally {
    rmSync(cfgDir, { recursive: true, force: true });
  }
});
