// librdkafka-based clients (node-rdkafka, compiled from its npm package's sources in fixtures/node/rdkafka):
// their connections live in librdkafka's threads, outside V8; kleak counts client instances by their rdk:main
// threads. Checked against the service's own count of the producers it built, ps's thread list and ss; the twin
// (one producer for the process) is silent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { ssEstablished } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

/** rdk:main threads as ps lists them (-L: one line per thread) */
const psClients = (pid: number) =>
  execFileSync('ps', ['-L', '-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((c) => c.trim() === 'rdk:main').length;

async function watchDriven(name: FixtureName) {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic });
  await drive(`${service.url}/produce`, 1);
  const built = async () => (await getJson<{ producersBuilt: number }>(`${service.url}/stats`)).producersBuilt;
  const builtBefore = await built();
  const { json } = await runKleakJson(
    ['watch', '--pid', String(service.pid), '--bootstrap', bootstrap, '--drive', `${service.url}/produce`, '--method', 'POST'],
    'watch',
  );
  const builtAfter = await built();
  const sent = json.drive.requests + json.drive.warmup;
  return { json, service, truthPerRequest: (builtAfter - builtBefore) / sent, ps: psClients(service.pid), ss: ssEstablished(service.pid, [bootstrap]) };
}

describe('librdkafka clients (node-rdkafka)', () => {
  test('a producer per request, never disconnected: 1.0 librdkafka client per request, as the service counted; an error', async (t) => {
    const { json, truthPerRequest, ps, ss } = await watchDriven('rdkafka-per-request');
    const d = json.drive;
    t.diagnostic(
      `kleak ${d.perRequest.rdkafkaClients} clients/request (rdk:main ${d.baseline.rdkafkaClients} → ${d.after.rdkafkaClients}), ${d.perRequest.brokerEstablished} ESTABLISHED/request; service ${truthPerRequest}/request; ps ${ps} rdk:main threads, ss ${ss} ESTABLISHED`,
    );
    assert.ok(json.libraries.includes('node-rdkafka'), 'the binding recognised from its mapped addon');
    assert.equal(truthPerRequest, 1, 'the fixture builds one producer per request');
    assert.ok(Math.abs(d.perRequest.rdkafkaClients - truthPerRequest) <= 0.1, `${d.perRequest.rdkafkaClients} within 10% of ${truthPerRequest}`);
    assert.equal(d.after.rdkafkaClients, ps, 'rdk:main threads equal ps -L');
    assert.equal(d.after.brokerEstablished, ss, 'ESTABLISHED broker connections equal ss');
    const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'client-per-request');
    assert.ok(finding, 'client-per-request');
    assert.equal(finding.severity, 'error');
    assert.equal(finding.library, 'node-rdkafka');
    assert.match(finding.summary, /1\.0 librdkafka clients \(rdk:main threads/);
    assert.match(finding.unlocated, /threads, which carry no stack/);
    assert.match(finding.fix, /new Kafka\.Producer/);
  });

  test('one producer for the process: no client per request, no finding', async () => {
    const { json, ps } = await watchDriven('rdkafka-per-request-fixed');
    assert.equal(json.drive.perRequest.rdkafkaClients, 0);
    assert.equal(json.drive.after.rdkafkaClients, 1);
    assert.equal(ps, 1);
    assert.deepEqual(
      json.findings.map((f: { ruleId: string }) => f.ruleId),
      [],
    );
  });
});
