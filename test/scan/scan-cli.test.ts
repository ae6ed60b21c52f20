// kleak scan from the command line: exit codes, SARIF that code scanning accepts, fingerprints that
// survive unrelated edits, kleak-ignore, --changed-since, what is never scanned (.gitignore, vendor/,
// node_modules/, tests, symlinks), syntax errors, bad input. Every tree is a real directory (a real
// git repository where git matters), removed at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { runKleak } from '../helpers/cli.js';
import { assertCodeScanningSarif, assertSarif } from '../helpers/schema.js';
import { scanRules } from '../../src/scan/rules/index.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>, git = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-scan-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (git) {
    const g = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: 'ignore' });
    g('init', '-q');
    g('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A');
    g('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'first');
  }
  return dir;
}

const handler = (name: string, extra = '') => `package svc

import (
	"net/http"

	"github.com/IBM/sarama"
)
${extra}
func ${name}(w http.ResponseWriter, r *http.Request) {
	p, err := sarama.NewSyncProducer([]string{"a"}, nil)
	if err != nil {
		return
	}
	p.SendMessage(&sarama.ProducerMessage{Topic: "t"})
}
`;

const json = async (args: string[]) => {
  const r = await runKleak(['scan', ...args, '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return { ...r, report: JSON.parse(r.stdout) };
};

test('a leak pattern exits 1 (--fail-on error); a clean tree exits 0 and says what it checked', async () => {
  const leaky = tree({ 'svc/h.go': handler('Produce') });
  const r = await runKleak(['scan', leaky, '--format', 'table']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /error client-per-request/);
  assert.match(r.stdout, /svc\/h\.go:10:12 svc\.Produce/);
  const clean = tree({
    'svc/h.go': handler('Produce')
      .replace('p.SendMessage', 'defer p.Close()\n\tp.SendMessage')
      .replace('func Produce(w http.ResponseWriter, r *http.Request)', 'func Produce()'),
  });
  const c = await runKleak(['scan', clean, '--format', 'table']);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /No Kafka-client leak pattern found/);
  assert.match(c.stdout, /1 constructor call checked: closed/);
});

test('one file given: its package is read around it, only its findings are reported', async () => {
  const dir = tree({
    'svc/a.go': handler('Produce'),
    'svc/b.go': handler('Other').replace('package svc', 'package svc\n\n// b.go'),
  });
  const whole = await runKleak(['scan', dir, '--format', 'json']);
  const files = (out: string) => (JSON.parse(out).findings as Array<{ locations: Array<{ file: string }> }>).map((f) => f.locations[0]!.file).sort();
  assert.deepEqual(files(whole.stdout), ['svc/a.go', 'svc/b.go']);
  const one = await runKleak(['scan', join(dir, 'svc/b.go'), '--format', 'table']);
  assert.equal(one.code, 1, one.stderr);
  assert.match(one.stdout, /findings only in b\.go/);
  assert.match(one.stdout, /b\.go:\d+:\d+ svc\.Other/);
  assert.doesNotMatch(one.stdout, /a\.go/);
  const json = await runKleak(['scan', join(dir, 'svc/b.go'), '--format', 'json']);
  assert.deepEqual(files(json.stdout), ['b.go']);
});

test('a directory that does not exist: one paragraph, a hint, exit 2, no stack; JSON stays valid', async () => {
  const r = await runKleak(['scan', '/nonexistent/kleak-scan', '--format', 'json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not a directory kleak can read/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.doesNotThrow(() => JSON.parse(r.stdout || '{}'));
});

test('SARIF: one run, the scan rules, repository-relative URIs with regions, accepted by the code scanning checks', async () => {
  const r = await runKleak(['scan', 'fixtures/scan', '--format', 'sarif']);
  assert.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout);
  assertSarif(log);
  assertCodeScanningSarif(log);
  assert.equal(log.runs.length, 1);
  assert.deepEqual(
    log.runs[0].tool.driver.rules.map((x: { id: string }) => x.id),
    scanRules.map((x) => x.id),
  );
  for (const result of log.runs[0].results) {
    const loc = result.locations[0].physicalLocation;
    assert.match(loc.artifactLocation.uri, /^fixtures\/scan\/(go|go-module|java|js|ts|python|manifests)\//);
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.ok(loc.region.startLine > 0 && loc.region.startColumn > 0);
    assert.equal(result.ruleIndex >= 0, true);
    assert.match(result.partialFingerprints['kleakFinding/v1'], /^[0-9a-f]{32}$/);
  }
});

test('SARIF of the Python fixtures alone: valid, each result at its construction line and column (1-based), in the .py file', async () => {
  const r = await runKleak(['scan', 'fixtures/scan/python', '--format', 'sarif']);
  assert.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout);
  assertSarif(log);
  assertCodeScanningSarif(log);
  const results = log.runs[0].results as {
    ruleId: string;
    level: string;
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
  }[];
  assert.ok(results.length >= 10, `${results.length} results`);
  const at = (uri: string, line: number) =>
    results.find((x) => x.locations[0]!.physicalLocation.artifactLocation.uri === uri && x.locations[0]!.physicalLocation.region.startLine === line);
  for (const x of results) {
    const { artifactLocation, region } = x.locations[0]!.physicalLocation;
    assert.match(artifactLocation.uri, /^fixtures\/scan\/python\/.+\.py$/);
    assert.ok(region.startLine > 0 && region.startColumn > 0);
  }
  // the column is the constructor call's: `    p = Producer(…)` starts at column 9
  const kept = at('fixtures/scan/python/client-per-request/flask_app.py', 22);
  assert.equal(kept?.ruleId, 'client-per-request');
  assert.equal(kept?.level, 'error');
  assert.equal(kept?.locations[0]!.physicalLocation.region.startColumn, 9);
  assert.equal(at('fixtures/scan/python/no-graceful-shutdown/consumer_loop.py', 5)?.ruleId, 'no-graceful-shutdown');
});

test('fingerprints stay the same when unrelated lines are added above; --baseline then finds nothing new', async () => {
  const dir = tree({ 'svc/h.go': handler('Produce') });
  const before = await json([dir]);
  writeFileSync(join(dir, 'svc/h.go'), handler('Produce', '\n// an unrelated change\nfunc helper() int {\n\treturn 1\n}\n'));
  const afterEdit = await json([dir]);
  assert.notEqual(afterEdit.report.findings[0].locations[0].line, before.report.findings[0].locations[0].line);
  assert.equal(afterEdit.report.findings[0].fingerprint, before.report.findings[0].fingerprint);
  const baseline = join(dir, 'baseline.json');
  writeFileSync(baseline, JSON.stringify(before.report));
  const gated = await runKleak(['scan', dir, '--format', 'json', '--baseline', baseline]);
  assert.equal(gated.code, 0, gated.stderr);
  assert.match(gated.stderr, /0 new or worse than the baseline/);
  writeFileSync(join(dir, 'svc/h2.go'), handler('Other'));
  const worse = await runKleak(['scan', dir, '--format', 'json', '--baseline', baseline]);
  assert.equal(worse.code, 1);
  assert.match(worse.stderr, /1 new or worse than the baseline: client-per-request/);
});

test('kleak-ignore on the line, or kleak-ignore-next-line above it, suppresses that rule only; --show-suppressed lists them with the reason', async () => {
  const text = handler('Produce')
    .replace('nil)\n', 'nil) // kleak-ignore client-per-request: one per tenant, cached upstream\n')
    .concat(
      handler('Other')
        .replace(/^package svc[\s\S]*?\)\n/, '')
        .replace('\tp, err :=', '\t// kleak-ignore-next-line client-per-request\n\tp, err :='),
    )
    .concat(
      handler('Third')
        .replace(/^package svc[\s\S]*?\)\n/, '')
        .replace('nil)\n', 'nil) // kleak-ignore records-pin-buffers: another rule\n'),
    );
  const dir = tree({ 'svc/h.go': text });
  const r = await json([dir, '--show-suppressed']);
  assert.deepEqual(
    r.report.findings.map((f: { data: { entry: string } }) => f.data.entry),
    ['svc.Third'],
  );
  assert.equal(r.report.scan.suppressed, 2);
  assert.deepEqual(
    r.report.suppressed.map((f: { suppressionReason?: string }) => f.suppressionReason ?? null).sort(),
    ['one per tenant, cached upstream', null].sort(),
  );
});

test('--changed-since REF reports only files changed since it; an unknown ref is exit 2', async () => {
  const dir = tree({ 'svc/old.go': handler('Old') }, true);
  writeFileSync(join(dir, 'svc/new.go'), handler('New'));
  const r = await json([dir, '--changed-since', 'HEAD']);
  assert.deepEqual(
    r.report.findings.map((f: { locations: { file: string }[] }) => f.locations[0]!.file),
    ['svc/new.go'],
  );
  assert.equal(r.report.scan.outsideChanges, 1);
  // a pull request: the branch's own changes since it left main, not what main gained meanwhile
  const g = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { stdio: 'ignore' });
  g('branch', '-M', 'main');
  g('checkout', '-q', '-b', 'feature');
  g('add', '-A');
  g('commit', '-qm', 'feature adds new.go');
  g('checkout', '-q', 'main');
  writeFileSync(join(dir, 'svc/old.go'), `${handler('Old')}\n// edited on main after the branch left\n`);
  g('add', '-A');
  g('commit', '-qm', 'main moves on: old.go edited');
  g('checkout', '-q', 'feature');
  const pr = await json([dir, '--changed-since', 'main']);
  assert.deepEqual(
    pr.report.findings.map((f: { locations: { file: string }[] }) => f.locations[0]!.file),
    ['svc/new.go'],
  );
  const bad = await runKleak(['scan', dir, '--changed-since', 'no-such-ref']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /git knows no such commit/);
});

test('never scanned: .gitignore, vendor/, node_modules/, tests (unless --include-tests), generated files, symlinks out of the tree', async () => {
  const outside = tree({ 'h.go': handler('Outside') });
  const dir = tree(
    {
      '.gitignore': 'ignored/\n',
      'ignored/h.go': handler('Ignored'),
      'vendor/x/h.go': handler('Vendored'),
      'node_modules/x/h.go': handler('Module'),
      'svc/h_test.go': handler('InTest'),
      'svc/gen.go': `// Code generated by protoc. DO NOT EDIT.\n${handler('Generated').replace('package svc\n', '')}`.replace(/^/, 'package svc\n'),
    },
    true,
  );
  symlinkSync(join(outside, 'h.go'), join(dir, 'linked.go'));
  const r = await json([dir]);
  assert.deepEqual(r.report.findings, []);
  const withTests = await json([dir, '--include-tests']);
  assert.deepEqual(
    withTests.report.findings.map((f: { locations: { file: string }[] }) => f.locations[0]!.file),
    ['svc/h_test.go'],
  );
});

test('Python: `# kleak-ignore` suppresses, test_*.py and .venv are not scanned, a syntax error is a warning, one .py file given reads its directory', async () => {
  const route = (name: string, extra = '') => `from confluent_kafka import Producer
from flask import Flask

app = Flask(__name__)
kept = []


@app.post("/${name}")
def ${name}():
    p = Producer({"bootstrap.servers": "b"})${extra}
    kept.append(p)
    return "ok"
`;
  const dir = tree({
    'svc/app.py': route('produce'),
    'svc/quiet.py': route('quiet', '  # kleak-ignore client-per-request: one per tenant, bounded'),
    'svc/broken.py': 'from kafka import KafkaProducer\n\ndef broken(:\n',
    'svc/test_app.py': route('in_test'),
    '.venv/lib/python3.12/site-packages/x/app.py': route('vendored'),
  });
  const r = await json([dir, '--show-suppressed']);
  assert.deepEqual(
    r.report.findings.map(
      (f: { locations: { file: string; line: number; column: number }[] }) => `${f.locations[0]!.file}:${f.locations[0]!.line}:${f.locations[0]!.column}`,
    ),
    ['svc/app.py:10:9'],
  );
  assert.equal(r.report.scan.suppressed, 1);
  assert.equal(r.report.suppressed[0].suppressionReason, 'one per tenant, bounded');
  assert.equal(r.report.scan.files.python, 3);
  assert.match(r.report.collectors[0].warnings.join('\n'), /svc\/broken\.py:\d+: syntax error/);
  const one = await json([join(dir, 'svc/app.py')]);
  assert.deepEqual(
    one.report.findings.map((f: { locations: { file: string }[] }) => f.locations[0]!.file),
    ['app.py'],
  );
});

test('a file with a syntax error is reported as a warning; the rest of the tree is still scanned', async () => {
  const dir = tree({ 'svc/h.go': handler('Produce'), 'svc/broken.go': 'package svc\n\nimport "github.com/IBM/sarama"\n\nfunc broken( {\n' });
  const r = await json([dir]);
  assert.equal(r.code, 1);
  assert.equal(r.report.findings.length, 1);
  assert.match(r.report.collectors[0].warnings.join('\n'), /svc\/broken\.go:\d+: syntax error/);
  assert.equal(r.report.scan.parseProblems.length, 1);
});

test('worker threads (a large tree) and the main thread (a small one) give the same report', async () => {
  const one = await runKleak(['scan', 'fixtures', '--include-tests', '--format', 'json'], { env: { KLEAK_SCAN_THREADS: '1' } });
  const two = await runKleak(['scan', 'fixtures', '--include-tests', '--format', 'json'], { env: { KLEAK_SCAN_THREADS: '2' } });
  assert.equal(one.code, 1, one.stderr);
  assert.equal(two.code, 1, two.stderr);
  const findings = (r: { stdout: string }) => JSON.stringify(JSON.parse(r.stdout).findings);
  assert.ok(JSON.parse(one.stdout).findings.length > 30);
  assert.equal(findings(two), findings(one));
});

test('a 20,000-deep expression and a 20,000-character line: a warning each, no crash, the rest still scanned', async () => {
  const dir = tree({
    'svc/h.go': handler('Produce'),
    'web/deep.js': `// kafka\nconst z = ${'(\n'.repeat(20_000)}1${')\n'.repeat(20_000)};\n`,
    'web/long.js': `// kafka\nconst z = '${'x'.repeat(20_000)}';\n`,
  });
  const r = await json([dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    r.report.findings.map((f: { locations: { file: string }[] }) => f.locations[0]!.file),
    ['svc/h.go'],
  );
  assert.match(r.report.collectors[0].warnings.join('\n'), /web\/long\.js:1: not parsed: a line of 20013 characters/);
  assert.ok(
    !r.report.scan.parseProblems.some((p: { file: string }) => p.file === 'web/deep.js'),
    'the deep file is parsed (in the worker, on its large stack)',
  );
});
