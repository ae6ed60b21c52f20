// JVM services (Apache kafka-clients 4.1.1 from Maven Central, fixtures/java), seen without attaching: the Kafka
// client threads of /proc/PID/task by kind, the epoll fds (a Selector per client), and the JVM's own jvmstat
// counters from hsperfdata (java.threads.started against .live). Each figure is held against the fixture's own
// count of the clients it built, against `jcmd Thread.print` (the JDK's own thread dump, whole names) and ss; the
// twins (one client for the process) get nothing at warning or above.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { pidAlive, ssEstablished } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

/** threads of the JVM whose whole name starts with prefix, from the JDK's own thread dump */
function jcmdThreads(pid: number, prefix: string): number {
  const dump = execFileSync('jcmd', [String(pid), 'Thread.print'], { encoding: 'utf8', timeout: 30_000 });
  return dump.split('\n').filter((l) => l.startsWith(`"${prefix}`)).length;
}

interface Finding {
  ruleId: string;
  severity: string;
  confidence?: string;
  library: string;
  summary: string;
  fix: string;
}

async function watchDriven(name: FixtureName, path: string, method: string) {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic });
  await drive(`${service.url}${path}`, 1, { method });
  const stats = () => getJson<{ built: number; closed: number; open: number }>(`${service.url}/stats`);
  const before = await stats();
  const { json } = await runKleakJson(
    ['watch', '--pid', String(service.pid), '--bootstrap', bootstrap, '--drive', `${service.url}${path}`, '--method', method],
    'watch',
  );
  const after = await stats();
  const sent = json.drive.requests + json.drive.warmup;
  return {
    json,
    service,
    builtPerRequest: (after.built - before.built) / sent,
    open: after.open,
    ss: ssEstablished(service.pid, [bootstrap]),
    findings: json.findings as Finding[],
  };
}

const atWarningOrAbove = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.ruleId}: ${f.summary}`);

describe('JVM services (kafka-clients), without attach', () => {
  test('a KafkaProducer per request, never closed: 1.0 producers per request as the service counted, equal to jcmd and ss; an error', async (t) => {
    const { json, service, builtPerRequest, open, ss, findings } = await watchDriven('java-producer-per-request', '/produce', 'POST');
    const d = json.drive;
    const jcmd = jcmdThreads(service.pid, 'kafka-producer-network-thread | producer-');
    t.diagnostic(
      `kleak ${d.perRequest.jvmClients} producer threads/request (${d.baseline.jvmClients} → ${d.after.jvmClients}), started ${d.perRequest.jvmThreadsStarted}/request, ${d.perRequest.brokerEstablished} ESTABLISHED/request; service built ${builtPerRequest}/request, ${open} open; jcmd ${jcmd}; ss ${ss}`,
    );
    assert.equal(json.runtime, 'java');
    assert.deepEqual(json.libraries, ['kafka-clients']);
    assert.equal(json.versions['kafka-clients'], '4.1.1', 'the version from the jar the JVM holds open');
    assert.ok(Math.abs(d.perRequest.jvmClients - builtPerRequest) <= 0.1 * builtPerRequest, `${d.perRequest.jvmClients} within 10% of ${builtPerRequest}`);
    assert.equal(d.perRequest.jvmClientKinds.producers, d.perRequest.jvmClients, 'every one a producer');
    assert.equal(d.after.jvmClients, open, 'producer threads = the producers the service holds open');
    assert.equal(d.after.jvmClients, jcmd, 'producer threads = jcmd Thread.print');
    assert.equal(d.after.brokerEstablished, ss, 'ESTABLISHED = ss');
    assert.ok(d.perRequest.jvmSelectors >= 0.9 * builtPerRequest, `a Selector (epoll fd) per producer: ${d.perRequest.jvmSelectors}`);
    assert.ok(Math.abs(d.perRequest.jvmThreadsStarted - d.perRequest.jvmThreadsLive) <= 0.1, 'started = live: nothing ends');
    const finding = findings.find((f) => f.ruleId === 'client-per-request');
    assert.ok(finding, JSON.stringify(findings));
    assert.equal(finding.severity, 'error');
    assert.equal(finding.library, 'kafka-clients');
    assert.match(finding.summary, /1\.0 KafkaProducers \(kafka-producer-network-thread\) per request/);
  });

  test('kleak top and kleak export: a JVM named kafka-clients, its producers by kind, equal to the count of the service', async (t) => {
    const topic = await createTopic(bootstrap, 'jvm-export');
    const service = await fixture('java-producer-per-request', { bootstrap, topic });
    await drive(`${service.url}/produce`, 4);
    const open = (await getJson<{ open: number }>(`${service.url}/stats`)).open;
    const { json } = await runKleakJson(['top', '--bootstrap', bootstrap], 'top');
    const row = (json.processes as Array<{ pid: number; library?: string; jvmClients?: { producers: number } }>).find((p) => p.pid === service.pid);
    assert.ok(row, 'kleak top lists the JVM');
    assert.equal(row.library, 'kafka-clients');
    assert.equal(row.jvmClients?.producers, open);
    const listen = `127.0.0.1:${await freePort()}`;
    const exporter = spawn(
      process.execPath,
      [join(repoRoot, 'bin/kleak.js'), 'export', '--pid', String(service.pid), '--bootstrap', bootstrap, '--listen', listen, '--interval', '500ms'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    t.after(() => exporter.kill('SIGKILL'));
    const metrics = await waitFor(
      'kleak export to serve its first sample',
      async () => {
        const r = await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(2000) });
        const text = r.ok ? await r.text() : '';
        return text.includes('kleak_kafka_clients{') ? text : undefined;
      },
      30_000,
      250,
    );
    const producers = metrics
      .split('\n')
      .find((l) => l.startsWith('kleak_kafka_clients{') && l.includes(`pid="${service.pid}"`) && l.includes('kind="producer"'));
    t.diagnostic(`service open ${open}; top ${row.jvmClients?.producers}; export ${producers}`);
    assert.ok(producers?.includes('library="kafka-clients"'), producers);
    assert.equal(Number(producers!.split(' ').pop()), open);
  });

  test('one KafkaProducer for the process: no client per request, nothing at warning or above', async () => {
    const { json, service, findings } = await watchDriven('java-producer-per-request-fixed', '/produce', 'POST');
    assert.equal(json.drive.perRequest.jvmClients, 0);
    assert.equal(json.drive.after.jvmClients, 1);
    assert.equal(jcmdThreads(service.pid, 'kafka-producer-network-thread | producer-'), 1);
    assert.deepEqual(atWarningOrAbove(findings), []);
  });

  test('an Admin built and closed per request: the warning, told from a leak by java.threads.started against live', async (t) => {
    const { json, service, builtPerRequest, open, findings } = await watchDriven('java-admin-per-request', '/check', 'GET');
    const d = json.drive;
    t.diagnostic(
      `kleak started ${d.perRequest.jvmThreadsStarted}/request, live ${d.perRequest.jvmThreadsLive}/request, client threads ${d.perRequest.jvmClients}/request, opened ${d.churn.perRequest.opened}/request; service built ${builtPerRequest}/request, ${open} open`,
    );
    assert.equal(open, 0, 'the service closed every admin');
    assert.equal(d.perRequest.jvmClients, 0);
    assert.equal(jcmdThreads(service.pid, 'kafka-admin-client-thread'), 0);
    assert.ok(
      Math.abs(d.perRequest.jvmThreadsStarted - builtPerRequest) <= 0.1 * builtPerRequest,
      `${d.perRequest.jvmThreadsStarted} threads started within 10% of ${builtPerRequest}`,
    );
    assert.ok(Math.abs(d.perRequest.jvmThreadsLive) <= 0.1, `live ${d.perRequest.jvmThreadsLive}`);
    const finding = findings.find((f) => f.ruleId === 'client-per-request');
    assert.ok(finding, JSON.stringify(findings));
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.library, 'kafka-clients');
    assert.match(finding.summary, /a client built and closed per request/);
    assert.match(finding.summary, /1\.0 Java threads started per request and 0\.0 left/);
  });

  test('Spring Kafka: a KafkaTemplate over a new DefaultKafkaProducerFactory per request: spring-kafka named, 1.0 producers per request, the Spring fix', async (t) => {
    const { json, service, builtPerRequest, ss, findings } = await watchDriven('spring-template-per-request', '/produce', 'POST');
    const d = json.drive;
    const jcmd = jcmdThreads(service.pid, 'kafka-producer-network-thread | producer-');
    t.diagnostic(
      `kleak ${d.perRequest.jvmClients} producer threads/request (after ${d.after.jvmClients}); service built ${builtPerRequest}/request; jcmd ${jcmd}; ss ${ss}`,
    );
    assert.deepEqual([...json.libraries].sort(), ['kafka-clients', 'spring-kafka']);
    assert.equal(json.versions['spring-kafka'], '4.0.0');
    assert.ok(Math.abs(d.perRequest.jvmClients - builtPerRequest) <= 0.1 * builtPerRequest, `${d.perRequest.jvmClients} within 10% of ${builtPerRequest}`);
    assert.equal(d.after.jvmClients, jcmd, 'producer threads = jcmd Thread.print');
    assert.equal(d.after.brokerEstablished, ss, 'ESTABLISHED = ss');
    const finding = findings.find((f) => f.ruleId === 'client-per-request');
    assert.ok(finding, JSON.stringify(findings));
    assert.equal(finding.severity, 'error');
    assert.equal(finding.library, 'spring-kafka');
    assert.match(finding.fix, /@Bean ProducerFactory/);
  });

  test('Spring Kafka: one factory and template for the process: nothing at warning or above', async () => {
    const { json, findings } = await watchDriven('spring-template-per-request-fixed', '/produce', 'POST');
    assert.equal(json.drive.perRequest.jvmClients, 0);
    assert.equal(json.drive.after.jvmClients, 1);
    assert.deepEqual(atWarningOrAbove(findings), []);
  });

  test('one Admin for the process: nothing at warning or above', async () => {
    const { json, findings } = await watchDriven('java-admin-per-request-fixed', '/check', 'GET');
    assert.ok(json.drive.perRequest.jvmThreadsStarted < 0.5, `started ${json.drive.perRequest.jvmThreadsStarted}`);
    assert.equal(json.drive.after.jvmClientKinds.admins, 1);
    assert.deepEqual(atWarningOrAbove(findings), []);
  });
});

test('kleak demo --java: its own broker and the kafka-clients sample, the error with the JVM figures, everything stopped after', async () => {
  const { json, code } = await runKleakJson(['demo', '--java', '--requests', '15'], 'diagnosis', { timeoutMs: 180_000 });
  assert.equal(code, 0, 'the demo reports, it does not gate');
  const finding = (json.findings as Finding[]).find((f) => f.ruleId === 'client-per-request');
  assert.ok(finding, JSON.stringify(json.findings));
  assert.equal(finding.library, 'kafka-clients');
  assert.match(finding.summary, /1\.0 KafkaProducers \(kafka-producer-network-thread\) per request/);
  // the sample's one file scanned with its package around it: the code confirms the finding at the constructor
  assert.equal(finding.confidence, 'confirmed');
  assert.match(finding.summary, /confirmed in the code by the scan \(client-per-request\) at ProducerPerRequest\.java:15/);
  assert.deepEqual(
    (json.findings as Finding[]).filter((f) => f.ruleId !== 'client-per-request').map((f) => f.ruleId),
    [],
    'no other sample of the package is reported',
  );
  const pid = (json.target as { pids: number[] }).pids[0]!;
  assert.ok(!pidAlive(pid), `the sample (PID ${pid}) was stopped`);
});
