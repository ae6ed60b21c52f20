// Python services (confluent-kafka, aiokafka and kafka-python from PyPI, in fixtures/python's virtualenv), seen from
// outside without ptrace: the interpreter recognised, the client library named with its version (site-packages,
// the extension modules it maps, the packages its script imports), librdkafka's threads per confluent-kafka client,
// broker sockets opened and still open per request. Each figure is held against the fixture's own count and ss; a
// client kept per request is an error, one CPython frees when the handler returns is the churn warning, and the
// twins (one client for the process) get nothing at warning or above.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { ssEstablished } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

interface Finding {
  ruleId: string;
  severity: string;
  library: string;
  summary: string;
  fix: string;
}

/** The version pip installed, from the virtualenv's dist-info directory (the oracle for kleak's reading). */
function installed(dist: string): string {
  const site = join(repoRoot, 'fixtures/python/.venv/lib');
  const lib = readdirSync(site).find((d) => d.startsWith('python3'))!;
  const entry = readdirSync(join(site, lib, 'site-packages')).find((d) => d.startsWith(`${dist}-`) && d.endsWith('.dist-info'))!;
  return entry.slice(dist.length + 1, -'.dist-info'.length);
}

/** librdkafka threads of a process by name, read here on their own (the oracle for kleak's count). */
function rdkThreads(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).filter((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === 'rdk:main';
    } catch {
      return false;
    }
  }).length;
}

async function watchDriven(name: FixtureName, path: string, statsKey: string, env: Record<string, string> = {}) {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic, env });
  await drive(`${service.url}${path}`, 1);
  const stats = () => getJson<Record<string, number>>(`${service.url}/stats`);
  const before = await stats();
  const { json } = await runKleakJson(
    ['watch', '--pid', String(service.pid), '--bootstrap', bootstrap, '--drive', `${service.url}${path}`, '--method', 'POST'],
    'watch',
  );
  const after = await stats();
  const sent = json.drive.requests + json.drive.warmup;
  const sockets = (await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap], 'sockets')).json;
  return {
    json,
    service,
    sockets,
    builtPerRequest: (after[statsKey]! - before[statsKey]!) / sent,
    after,
    ss: ssEstablished(service.pid, [bootstrap]),
    findings: json.findings as Finding[],
  };
}

const atWarningOrAbove = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.ruleId}: ${f.summary}`);
const libraryLine = (sockets: { processes: Array<{ libraries?: Array<{ library: string; version: string; from: string }> }> }) =>
  (sockets.processes[0]!.libraries ?? []).map((v) => `${v.library} ${v.version} (${v.from})`);

describe('Python services, from outside', () => {
  test('Flask + confluent-kafka, a Producer per request kept in a list: 1.0 librdkafka clients per request, as the service counted; an error', async (t) => {
    const r = await watchDriven('python-flask-confluent-per-request', '/produce', 'producersBuilt');
    const d = r.json.drive;
    t.diagnostic(
      `kleak ${d.perRequest.rdkafkaClients} librdkafka clients/request (${d.baseline.rdkafkaClients} → ${d.after.rdkafkaClients}), ${d.perRequest.brokerEstablished} ESTABLISHED/request; service built ${r.builtPerRequest}/request, kept ${r.after.producersKept}; rdk:main ${rdkThreads(r.service.pid)}; ss ${r.ss}`,
    );
    assert.equal(r.json.runtime, 'python');
    // the interpreter and its virtualenv, from the command line and pyvenv.cfg
    const cfg = readFileSync(join(repoRoot, 'fixtures/python/.venv/pyvenv.cfg'), 'utf8');
    assert.deepEqual(r.sockets.processes[0].python, { virtualenv: join(repoRoot, 'fixtures/python/.venv'), version: /^version = (\S+)$/m.exec(cfg)![1] });
    assert.deepEqual(r.json.libraries, ['confluent-kafka-python']);
    assert.equal(r.json.versions['confluent-kafka-python'], installed('confluent_kafka'));
    assert.ok(
      Math.abs(d.perRequest.rdkafkaClients - r.builtPerRequest) <= 0.1 * r.builtPerRequest,
      `${d.perRequest.rdkafkaClients} within 10% of ${r.builtPerRequest}`,
    );
    assert.equal(d.after.rdkafkaClients, r.after.producersKept, 'rdk:main threads = the producers the service keeps');
    assert.equal(d.after.rdkafkaClients, rdkThreads(r.service.pid));
    assert.equal(d.after.brokerEstablished, r.ss, 'ESTABLISHED = ss');
    const finding = r.findings.find((f) => f.ruleId === 'client-per-request')!;
    assert.equal(finding?.severity, 'error', JSON.stringify(r.findings.map((f) => f.summary)));
    assert.equal(finding.library, 'confluent-kafka-python');
    assert.match(finding.fix, /producer = Producer\(\{"bootstrap\.servers": brokers\}\)\s+# once/);
    // the version, and the librdkafka the wheel bundles read from its own shared object
    assert.deepEqual(
      libraryLine(r.sockets).filter((l) => !l.startsWith('librdkafka')),
      [`confluent-kafka-python ${installed('confluent_kafka')} (site-packages)`],
    );
    assert.ok(
      libraryLine(r.sockets).some((l) => /^librdkafka \d+\.\d+\.\d+ \(shared object\)$/.test(l)),
      libraryLine(r.sockets).join(', '),
    );
  });

  test('the same with KEEP=0: CPython frees each Producer when the handler returns — the churn warning, not the error', async (t) => {
    const r = await watchDriven('python-flask-confluent-per-request', '/produce', 'producersBuilt', { KEEP: '0' });
    const d = r.json.drive;
    t.diagnostic(
      `kleak ${d.perRequest.rdkafkaClients} live clients/request, churn ${JSON.stringify(d.churn?.perRequest)}; service built ${r.builtPerRequest}/request, kept ${r.after.producersKept}`,
    );
    assert.equal(r.after.producersKept, 0);
    assert.ok(Math.abs(d.perRequest.rdkafkaClients) < 0.1, `no client left per request: ${d.perRequest.rdkafkaClients}`);
    const finding = r.findings.find((f) => f.ruleId === 'client-per-request')!;
    assert.equal(finding?.severity, 'warning', JSON.stringify(r.findings.map((f) => f.summary)));
    assert.match(finding.summary, /built and (closed|freed) per request/);
    assert.ok(d.churn.perRequest.opened >= 0.9, `a broker connection opened and closed per request: ${JSON.stringify(d.churn.perRequest)}`);
    assert.equal(finding.library, 'confluent-kafka-python');
    assert.ok(!r.findings.some((f) => f.severity === 'error'), atWarningOrAbove(r.findings).join('\n'));
  });

  test('Flask + confluent-kafka, one Producer for the process: nothing at warning or above', async () => {
    const r = await watchDriven('python-flask-confluent-shared', '/produce', 'producersBuilt');
    assert.deepEqual(atWarningOrAbove(r.findings), []);
    assert.equal(r.json.drive.after.rdkafkaClients, 1);
  });

  test('FastAPI + aiokafka, a producer started per request and never stopped: its sockets per request, as the service counted; an error', async (t) => {
    const r = await watchDriven('python-fastapi-aiokafka-per-request', '/produce', 'producersStarted');
    const d = r.json.drive;
    t.diagnostic(
      `kleak ${d.perRequest.brokerEstablished} ESTABLISHED/request (${d.baseline.brokerEstablished} → ${d.after.brokerEstablished}); service started ${r.builtPerRequest}/request; ss ${r.ss}`,
    );
    assert.equal(r.json.runtime, 'python');
    assert.deepEqual(r.json.libraries, ['aiokafka']);
    assert.equal(r.json.versions.aiokafka, installed('aiokafka'));
    assert.equal(d.after.brokerEstablished, r.ss, 'ESTABLISHED = ss');
    assert.ok(d.perRequest.brokerEstablished >= 0.9 * r.builtPerRequest, `at least a connection per producer: ${d.perRequest.brokerEstablished}`);
    const finding = r.findings.find((f) => f.ruleId === 'client-per-request')!;
    assert.equal(finding?.severity, 'error', JSON.stringify(r.findings.map((f) => f.summary)));
    assert.equal(finding.library, 'aiokafka');
    assert.match(finding.fix, /lifespan/);
  });

  test('FastAPI + aiokafka, one producer started in the lifespan: nothing at warning or above', async () => {
    const r = await watchDriven('python-fastapi-aiokafka-shared', '/produce', 'producersStarted');
    assert.deepEqual(atWarningOrAbove(r.findings), []);
  });

  test('kafka-python, a KafkaConsumer per request never closed: its connections per request; named by the package its script imports', async (t) => {
    const r = await watchDriven('python-kafka-python-consumer-per-request', '/consume', 'consumersBuilt');
    const d = r.json.drive;
    t.diagnostic(`kleak ${d.perRequest.brokerEstablished} ESTABLISHED/request; service built ${r.builtPerRequest}/request; ss ${r.ss}`);
    assert.deepEqual(r.json.libraries, ['kafka-python'], 'the other Kafka packages of the virtualenv are installed, not imported');
    assert.equal(r.json.versions['kafka-python'], installed('kafka_python'));
    assert.equal(d.after.brokerEstablished, r.ss, 'ESTABLISHED = ss');
    const finding = r.findings.find((f) => f.ruleId === 'client-per-request')!;
    assert.equal(finding?.severity, 'error', JSON.stringify(r.findings.map((f) => f.summary)));
    assert.equal(finding.library, 'kafka-python');
  });

  test('kafka-python with --stacks --yes: py-spy names one client IO thread per consumer the service built; refused without py-spy or consent', async () => {
    const topic = await createTopic(bootstrap, 'python-stacks');
    const service = await fixture('python-kafka-python-consumer-per-request', { bootstrap, topic });
    await drive(`${service.url}/consume`, 4);
    const built = (await getJson<{ consumersBuilt: number }>(`${service.url}/stats`)).consumersBuilt;
    const pySpy = join(repoRoot, 'fixtures/python/.venv/bin/py-spy');
    const { json } = await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap, '--stacks', '--yes'], 'sockets', {
      env: { KLEAK_PY_SPY: pySpy },
    });
    const stacks = json.processes[0].python.stacks;
    assert.match(stacks.tool, /^py-spy 0\.4\.3$/);
    assert.deepEqual(stacks.clients, [{ library: 'kafka-python', kind: 'client IO thread', threads: built, names: ['kafka-io-kafka-python-3.0.12'] }]);
    assert.ok(stacks.threads.some((t: { name: string }) => t.name === 'MainThread'));
    // diagnose says the same among what it measured
    const diagnosed = await runKleakJson(['diagnose', '--pid', String(service.pid), '--bootstrap', bootstrap, '--stacks', '--yes'], 'diagnosis', {
      env: { KLEAK_PY_SPY: pySpy },
    });
    const fact = diagnosed.json.context.find((c: { name: string }) => c.name === 'threads (py-spy)');
    assert.match(fact?.value ?? '', new RegExp(`; ${built} kafka-python client IO threads$`));
    assert.match(fact.meaning, new RegExp(`kafka-io-kafka-python-3\\.0\\.12 ×${built}, MainThread`));
    // without py-spy: exit 2, a hint, nothing half-written
    const missing = await runKleak(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap, '--stacks', '--yes', '--json'], {
      env: { KLEAK_PY_SPY: '/nonexistent/py-spy' },
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /py-spy was not found[\s\S]*hint: Install it where kleak runs: pip install py-spy==0\.4\.3/);
    assert.equal(JSON.parse(missing.stdout).error.kind, 'InputError');
    // without --yes, not on a terminal: refused before anything is read
    const refused = await runKleak(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap, '--stacks'], { env: { KLEAK_PY_SPY: pySpy } });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Confirm with --yes/);
  });

  for (const [name, path, script, call] of [
    ['python-kafka-python-consumer-per-request', '/consume', 'kafka_python_consumer_per_request.py', 'KafkaConsumer('],
    ['python-fastapi-aiokafka-per-request', '/produce', 'fastapi_aiokafka_per_request.py', 'await producer.start()'],
  ] as const) {
    test(`diagnose --drive --stacks --yes on ${script}: py-spy's samples inside the client's constructor put the finding on the line that builds it`, async () => {
      const topic = await createTopic(bootstrap, `${name}-located`);
      const service = await fixture(name, { bootstrap, topic });
      await drive(`${service.url}${path}`, 1);
      const { json } = await runKleakJson(
        ['diagnose', '--pid', String(service.pid), '--bootstrap', bootstrap, '--drive', `${service.url}${path}`, '--method', 'POST', '--stacks', '--yes'],
        'diagnosis',
        { env: { KLEAK_PY_SPY: join(repoRoot, 'fixtures/python/.venv/bin/py-spy') } },
      );
      const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'client-per-request');
      const line =
        readFileSync(join(repoRoot, 'fixtures/python', script), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes(call)) + 1;
      assert.equal(finding?.severity, 'error');
      const at = finding.locations[0];
      assert.ok(at, `a location: ${JSON.stringify(finding)}`);
      assert.equal(`${at.file.split('/').pop()}:${at.line}`, `${script}:${line}`);
      assert.ok(at.count > 0 && /^py-spy samples in /.test(at.countOf), JSON.stringify(at));
    });
  }

  test('kafka-python, one consumer for the process: nothing at warning or above', async () => {
    const r = await watchDriven('python-kafka-python-consumer-shared', '/consume', 'consumersBuilt');
    assert.deepEqual(atWarningOrAbove(r.findings), []);
  });
});
