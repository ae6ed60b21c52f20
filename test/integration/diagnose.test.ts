// kleak diagnose on every fixture: exactly the expected rule ids on the leaky ones, nothing at warning
// or above on the twins; the gate, the baseline, --output, a failing collector, and kleak demo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { freePort } from '../../src/local-kafka/ports.js';
import type { FixtureName, FixtureService } from '../../src/local-kafka/start-fixture.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { assertSarif, assertSchema } from '../helpers/schema.js';

let bootstrap: string;
const dir = mkdtempSync(join(tmpdir(), 'kleak-diagnose-test-'));
before(async () => {
  bootstrap = await sharedBootstrap();
});

interface Case {
  fixture: FixtureName;
  /** what to do to the service first, and the diagnose flags */
  prepare?: (s: FixtureService) => Promise<void>;
  args: (s: FixtureService) => string[];
  expected: string[];
}

const produce = (s: FixtureService) => ['--drive', `${s.url}/produce`, '--method', 'POST', '--requests', '20'];
const fill = async (s: FixtureService) => {
  await drive(`${s.url}/fill?batches=${s.name.startsWith('kafkajs') ? 100 : 200}&records=64&bytes=4096`, 1, { timeoutMs: 60_000 });
  const batches = s.name.startsWith('kafkajs') ? 100 : 200;
  await waitFor('all consumed', async () => ((await getJson<{ consumed: number }>(`${s.url}/stats`)).consumed >= batches * 64 ? true : undefined), 60_000, 500);
  await fetch(`${s.url}/gc`, { method: 'POST' });
};

const cases: Case[] = [
  { fixture: 'sarama-per-request', args: (s) => [...produce(s), '--probe'], expected: ['client-per-request', 'producer-closed-client-open'] },
  // the twin closes the client it builds per request: nothing left, but a client per request (a warning)
  { fixture: 'sarama-per-request-fixed', args: (s) => [...produce(s), '--probe'], expected: ['client-per-request'] },
  { fixture: 'sarama-shared', args: (s) => [...produce(s), '--probe'], expected: [] },
  {
    fixture: 'sarama-reused-message',
    prepare: (s) => drive(`${s.url}/produce`, 3).catch(() => {}),
    args: () => ['--probe'],
    expected: ['stuck-sync-producer'],
  },
  { fixture: 'sarama-reused-message-fixed', prepare: (s) => drive(`${s.url}/produce`, 3), args: () => ['--probe'], expected: [] },
  { fixture: 'franz-retain', prepare: fill, args: (s) => ['--pprof', s.url], expected: ['records-pin-buffers'] },
  { fixture: 'franz-retain-fixed', prepare: fill, args: (s) => ['--pprof', s.url], expected: [] },
  { fixture: 'kafkajs-per-request', args: produce, expected: ['client-per-request'] },
  { fixture: 'kafkajs-per-request-fixed', args: produce, expected: [] },
  // client-not-closed reads the heap's absolute count of live connections (more than 24): all 20 requests are sent
  {
    fixture: 'kafkajs-per-request',
    args: (s) => [...produce(s), '--all-requests', '--heap', '--yes'],
    expected: ['client-not-closed', 'client-per-request'],
  },
  { fixture: 'kafkajs-per-request-fixed', args: (s) => [...produce(s), '--heap', '--yes'], expected: [] },
  { fixture: 'kafkajs-retain', prepare: fill, args: () => ['--heap', '--yes'], expected: ['records-pin-buffers'] },
  { fixture: 'kafkajs-retain-fixed', prepare: fill, args: () => ['--heap', '--yes'], expected: [] },
  {
    fixture: 'kafkajs-consumer-per-request',
    args: (s) => ['--drive', `${s.url}/subscribe`, '--method', 'POST', '--requests', '5', '--warmup', '1', '--settle', '30s'],
    expected: ['client-per-request', 'group-member-growth'],
  },
  {
    fixture: 'kafkajs-consumer-per-request-fixed',
    args: (s) => ['--drive', `${s.url}/subscribe`, '--method', 'POST', '--requests', '5', '--warmup', '1'],
    expected: [],
  },
];

const diagnoseJson = (args: string[]) => runKleakJson(['diagnose', ...args, '--format', 'json'], 'diagnosis');

describe('kleak diagnose names exactly the expected rules (warning and above)', () => {
  for (const c of cases) {
    test(`${c.fixture}${c.args({ url: 'u' } as FixtureService).includes('--heap') ? ' (with --heap)' : ''} → ${c.expected.join(', ') || 'nothing'}`, async (t) => {
      const topic = await createTopic(bootstrap, c.fixture);
      const service = await fixture(c.fixture, { bootstrap, topic, env: { GROUP: `g-${topic}` } });
      await c.prepare?.(service);
      const started = Date.now();
      const { code, json } = await diagnoseJson(['--pid', String(service.pid), '--bootstrap', bootstrap, '--group', `g-${topic}`, ...c.args(service)]);
      t.diagnostic(
        `verdict in ${((Date.now() - started) / 1000).toFixed(1)} s: ${json.findings.map((f: any) => `${f.ruleId} (${f.summary})`).join('; ') || 'no finding'}`,
      );
      const ids = [...new Set(json.findings.filter((f: any) => f.severity !== 'info').map((f: any) => f.ruleId))].sort();
      assert.deepEqual(ids, [...c.expected].sort());
      assert.equal(code, json.findings.some((f: any) => f.severity === 'error') ? 1 : 0);
    });
  }
});

/** The fixture driven and profiled, with --source set to its own directory. */
async function diagnoseWithSource(name: 'sarama-per-request' | 'sarama-per-request-fixed') {
  const topic = await createTopic(bootstrap, `source-${name}`);
  const service = await fixture(name, { bootstrap, topic });
  return diagnoseJson(['--pid', String(service.pid), '--brokers', bootstrap, ...produce(service), '--pprof', service.url, '--source', `fixtures/go/${name}`]);
}

describe('diagnose --source: the runtime finding confirmed at its line in the code', () => {
  test('sarama-per-request: client-per-request and producer-closed-client-open are confirmed by the scan at main.go:21 and :26', async () => {
    const { code, json } = await diagnoseWithSource('sarama-per-request');
    assert.equal(code, 1);
    const byRule = new Map(json.findings.map((f: any) => [f.ruleId, f]));
    for (const [rule, line] of [
      ['client-per-request', 21],
      ['producer-closed-client-open', 26],
    ] as const) {
      const f: any = byRule.get(rule);
      assert.ok(f, rule);
      assert.equal(f.confidence, 'confirmed');
      assert.match(f.summary, new RegExp(`confirmed in the code by the scan \\(${rule}\\) at main\\.go:${line}`));
      assert.ok(
        f.locations.some((l: any) => l.from === 'scan' && l.file === 'main.go' && l.line === line && l.function === 'main.main.func1'),
        JSON.stringify(f.locations),
      );
      assert.ok(f.evidence.some((e: any) => e.source === 'source'));
    }
    assert.deepEqual(json.collectors.find((c: any) => c.kind === 'source')?.status, 'ok');
  });

  test('the fixed twin: no error; the scan still says each request builds (and closes) a client', async () => {
    const { code, json } = await diagnoseWithSource('sarama-per-request-fixed');
    assert.equal(code, 0);
    assert.deepEqual(
      json.findings.filter((f: any) => f.severity === 'error'),
      [],
    );
    const codeOnly = json.findings.filter((f: any) => f.locations.some((l: any) => l.from === 'scan'));
    assert.deepEqual(
      codeOnly.map((f: any) => `${f.severity} ${f.ruleId} ${f.locations[0].file}:${f.locations[0].line}`),
      ['warning client-per-request main.go:18'],
    );
  });

  test('--source that is not a directory is a usage error before anything runs', async () => {
    const r = await runKleak(['diagnose', '--pid', String(process.pid), '--source', '/nonexistent/kleak-src']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--source \/nonexistent\/kleak-src is not a directory/);
  });
});

describe('kept messages in Node, located from the heap snapshot', () => {
  test('kafkajs-retain: records-pin-buffers names the variable that keeps the messages and the function that declares it, at its line', async () => {
    const topic = await createTopic(bootstrap, 'retain-owner');
    const service = await fixture('kafkajs-retain', { bootstrap, topic, env: { GROUP: `g-${topic}` } });
    await fill(service);
    const { json } = await diagnoseJson(['--pid', String(service.pid), '--brokers', bootstrap, '--heap', '--yes']);
    const f = json.findings.find((x: any) => x.ruleId === 'records-pin-buffers');
    assert.ok(f, JSON.stringify(json.findings.map((x: any) => x.ruleId)));
    const source = readFileSync('fixtures/node/lib/retain-service.mjs', 'utf8').split('\n');
    // `kept` is declared in runRetainService: the function that declares it, at its line
    const line = source.findIndex((l) => l.includes('export async function runRetainService')) + 1;
    assert.ok(line > 0);
    const at = f.locations[0];
    assert.equal(at.from, 'runtime');
    assert.equal(at.file, 'fixtures/node/lib/retain-service.mjs');
    assert.equal(at.line, line);
    assert.match(at.function, /^runRetainService \(holding kept: Array\)$/);
    // the messages `kept` holds (other groups — a batch kafkajs is still working on — have no owner in the service)
    const kept = f.evidence.map((e: any) => e.data).filter((g: any) => g?.owner?.variable === 'kept');
    assert.equal(
      at.count,
      kept.reduce((n: number, g: any) => n + g.messages, 0),
    );
    assert.ok(at.count >= 1 && at.count <= f.data.messages);
  });
});

describe('the CI gate, reports and failures', () => {
  test('formats: markdown, SARIF (valid against the SARIF 2.1.0 schema) and --output with a summary on stderr', async () => {
    const topic = await createTopic(bootstrap, 'formats');
    const service = await fixture('sarama-per-request', { bootstrap, topic });
    const base = ['--pid', String(service.pid), '--brokers', bootstrap, ...produce(service), '--pprof', service.url];
    const sarifFile = join(dir, 'report.sarif');
    const s = await runKleak(['diagnose', ...base, '--format', 'sarif', '--output', sarifFile]);
    assert.equal(s.code, 1);
    assert.equal(s.stdout, '');
    assert.match(s.stderr, /kleak: 2 findings \(2 error, 0 warning, 0 info\): client-per-request, producer-closed-client-open; sarif report written to /);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    assertSarif(sarif);
    assert.deepEqual(
      sarif.runs[0].results.map((r: any) => [r.ruleId, r.level]),
      [
        ['client-per-request', 'error'],
        ['producer-closed-client-open', 'error'],
      ],
    );
    const md = await runKleak(['diagnose', ...base, '--format', 'markdown']);
    assert.match(md.stdout, /^# kleak diagnosis/);
    assert.match(md.stdout, /\| error \| \[client-per-request\]\(docs\/rules\/client-per-request\.md\) \| confirmed \| sarama \|/);
    assert.match(md.stdout, /## Not evaluated/);
  });

  test('--fail-on and --baseline: fail only on new or worse findings', async () => {
    const topic = await createTopic(bootstrap, 'gate');
    const service = await fixture('kafkajs-per-request', { bootstrap, topic });
    const base = ['--pid', String(service.pid), '--brokers', bootstrap, ...produce(service), '--requests', '5'];
    const first = await diagnoseJson(base);
    assert.equal(first.code, 1);
    assert.equal((await runKleak(['diagnose', ...base, '--format', 'json', '--fail-on', 'never'])).code, 0);
    const baseline = join(dir, 'baseline.json');
    writeFileSync(baseline, JSON.stringify(first.json));
    const same = await runKleak(['diagnose', ...base, '--format', 'json', '--baseline', baseline]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stderr, /0 new or worse than the baseline/);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ ...first.json, findings: [] }));
    const fresh = await runKleak(['diagnose', ...base, '--format', 'json', '--baseline', empty]);
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /1 new or worse than the baseline: client-per-request/);
  });

  test('a collector that fails does not stop the diagnosis; no evidence at all is exit 2', async () => {
    const topic = await createTopic(bootstrap, 'partial');
    const service = await fixture('sarama-per-request', { bootstrap, topic });
    const closed = await freePort();
    const { code, json } = await diagnoseJson([
      '--pid',
      String(service.pid),
      '--brokers',
      bootstrap,
      ...produce(service),
      '--pprof',
      `http://127.0.0.1:${closed}`,
    ]);
    assert.equal(json.collectors.find((c: any) => c.kind === 'goroutines').status, 'failed');
    assert.deepEqual(
      json.findings.map((f: any) => f.ruleId),
      ['client-per-request'],
    );
    assert.equal(code, 1);
    const none = await diagnoseJson(['--pid', '999999']);
    assert.equal(none.code, 2);
    assert.match(none.json.error.message, /could not gather any evidence/);
  });
});

describe('kleak demo', () => {
  test('starts a broker and the leaky Sarama service, diagnoses it, and stops both', async (t) => {
    const javaBefore = execFileSync('sh', ['-c', 'pgrep -fc "kafka\\.Kafka" || true'], { encoding: 'utf8' }).trim();
    const started = Date.now();
    const r = await runKleak(['demo', '--json'], { timeoutMs: 240_000 });
    t.diagnostic(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assertSchema('diagnosis', json);
    assert.deepEqual(
      json.findings.filter((f: any) => f.severity === 'error').map((f: any) => f.ruleId),
      ['client-per-request', 'producer-closed-client-open'],
    );
    assert.match(r.stderr, /demo: stopping the service and the broker/);
    const pid = json.target.pids[0];
    assert.throws(() => process.kill(pid, 0), 'the sample service is stopped');
    assert.equal(execFileSync('sh', ['-c', 'pgrep -fc "kafka\\.Kafka" || true'], { encoding: 'utf8' }).trim(), javaBefore, 'no broker left behind');
  });
});
