// Every command that reports findings renders all four formats through the one path: SARIF valid
// against the SARIF 2.1.0 schema, Markdown with the report's sections, JSON valid against its schema,
// --output written whole. Inputs: captured profiles, a snapshot written by a child Node process, and a
// child process holding real TCP connections to a local listener given as the broker.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rules } from '../../src/rules/index.js';
import { runKleak } from '../helpers/cli.js';
import { assertCodeScanningSarif, assertSarif, assertSchema } from '../helpers/schema.js';
import { waitFor } from '../helpers/fixtures.js';
import { ssEstablished } from '../helpers/oracles.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-formats-'));
const snapshot = join(dir, 'small.heapsnapshot');
let server: Server;
let holder: ChildProcess;
let brokerPort = 0;
const accepted: Socket[] = [];

before(async () => {
  execFileSync(process.execPath, ['-e', `require('v8').writeHeapSnapshot(${JSON.stringify(snapshot)})`]);
  server = createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  brokerPort = (server.address() as { port: number }).port;
  // a process with 3 connections to the "broker", kept open
  holder = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('net'); const k = []; for (let i = 0; i < 3; i++) k.push(net.connect(${brokerPort}, '127.0.0.1')); setInterval(() => {}, 1000);`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor('3 connections accepted', async () => (accepted.length >= 3 ? true : undefined), 10_000, 50);
});

after(() => {
  holder?.kill('SIGKILL');
  for (const s of accepted) s.destroy();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const brokers = () => `127.0.0.1:${brokerPort}`;
const commands: Array<[string, () => string[], 'sockets' | 'watch' | 'pprof' | 'heap' | 'diagnosis']> = [
  ['sockets', () => ['sockets', '--pid', String(holder.pid), '--brokers', brokers()], 'sockets'],
  ['watch', () => ['watch', '--pid', String(holder.pid), '--brokers', brokers(), '--interval', '100ms', '--duration', '300ms'], 'watch'],
  [
    'pprof',
    () => ['pprof', 'fixtures/captured/pprof/sarama-per-request-21/goroutine-debug2.txt', 'fixtures/captured/pprof/sarama-per-request-21/heap.pb.gz'],
    'pprof',
  ],
  ['heap', () => ['heap', snapshot], 'heap'],
  ['diagnose', () => ['diagnose', '--pid', String(holder.pid), '--brokers', brokers()], 'diagnosis'],
];

for (const [name, args, schema] of commands) {
  describe(`kleak ${name}`, () => {
    test('--format sarif: one run, valid SARIF 2.1.0, rules from their metadata', async () => {
      const r = await runKleak([...args(), '--format', 'sarif']);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      const sarif = JSON.parse(r.stdout);
      assertSarif(sarif);
      assertCodeScanningSarif(sarif);
      assert.equal(sarif.runs.length, 1);
      assert.equal(sarif.runs[0].tool.driver.rules.length, rules.length);
    });

    test('--format markdown: the report with its sections', async () => {
      const r = await runKleak([...args(), '--format', 'markdown']);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stdout, /^# kleak diagnosis\n\nTarget: /);
      assert.match(r.stdout, /\*\*No Kafka-client leak found\.\*\*|\| severity \| rule \| confidence \| library \| summary \|/);
    });

    test('--format json --output FILE: the file holds the whole report, valid against its schema; stdout stays empty', async () => {
      const file = join(dir, `${name}.json`);
      const r = await runKleak([...args(), '--format', 'json', '--output', file]);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`json report written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const text = readFileSync(file, 'utf8');
      const json = JSON.parse(schema === 'watch' ? text.trim().split('\n').pop()! : text);
      assertSchema(schema, json);
      assert.ok(Array.isArray(json.notEvaluated));
    });
  });
}

test('sockets through the one path counts what ss counts: 3 ESTABLISHED to the given broker', async () => {
  const r = await runKleak(['sockets', '--pid', String(holder.pid), '--brokers', brokers(), '--json']);
  const json = JSON.parse(r.stdout);
  assert.equal(json.totals.brokerEstablished, 3);
  assert.equal(ssEstablished(holder.pid!, [brokers()]), 3);
  assert.deepEqual(json.collectors, [{ kind: 'sockets', status: 'ok' }]);
});

test('pprof of a goroutine dump alone: the heap rule is listed as not evaluated, with why', async () => {
  const r = await runKleak(['pprof', 'fixtures/captured/pprof/sarama-shared-21/goroutine-debug1.txt', '--json']);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.notEvaluated, [{ ruleId: 'records-pin-buffers', missing: ['goHeap'] }]);
  assert.equal(json.collectors.find((c: any) => c.kind === 'goHeap').status, 'skipped');
});

test('--output to a directory or an unwritable place is refused before anything is collected', async () => {
  const r = await runKleak(['pprof', 'fixtures/captured/pprof/sarama-shared-21/goroutine-debug1.txt', '--output', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--output .* is a directory/);
  const missing = await runKleak(['heap', snapshot, '--output', join(dir, 'no/such/dir/report.md')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot be written/);
});

test('a goroutine dump that starts with a blank line, or has CRLF line ends, is read as a dump (not as protobuf)', async () => {
  const dump = readFileSync('fixtures/captured/pprof/sarama-per-request-21/goroutine-debug1.txt', 'utf8');
  for (const [name, text] of [
    ['leading-blank.txt', `\n${dump}`],
    ['crlf.txt', dump.replace(/\n/g, '\r\n')],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = await runKleak(['pprof', file, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).goroutines.libraries.sarama.clients, 21);
  }
});
