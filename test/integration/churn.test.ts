// Broker connections opened and closed per request, counted by kleak from outside (a thread listing
// /proc/PID/fd every 0.5 ms, another placing sockets by inode in the TCP table), against the services' own count of the
// connections they dialed (a counting dialer in Go, a counting socketFactory in kafkajs): a client built and
// closed per request is a warning of its own; the twins (one client for the process) open none.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { goroutinesMatching } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

const requests = 30;
const warmup = 5;

async function watchDriven(name: FixtureName) {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic });
  await drive(`${service.url}/produce`, 1); // the topic's metadata, the first connections
  const counted = async (): Promise<number | undefined> => {
    const stats: { connectionsOpened?: number } = await getJson<{ connectionsOpened?: number }>(`${service.url}/stats`).catch(() => ({}));
    return stats.connectionsOpened;
  };
  const before = await counted();
  const { json } = await runKleakJson(
    [
      'watch',
      '--pid',
      String(service.pid),
      '--bootstrap',
      bootstrap,
      '--drive',
      `${service.url}/produce`,
      '--method',
      'POST',
      '--requests',
      String(requests),
      '--warmup',
      String(warmup),
    ],
    'watch',
  );
  const after = await counted();
  // an adaptive drive may stop before `requests`: what it sent is in the report
  return { json, truthPerRequest: before === undefined || after === undefined ? undefined : (after - before) / (json.drive.requests + warmup) };
}

describe('connections opened and closed per request', () => {
  for (const [name, perRequest] of [
    ['kafkajs-closed-per-request', 1],
    ['sarama-closed-per-request', 2],
  ] as const) {
    test(`${name}: ${perRequest} opened and closed per request, as the service counted its own dials; a warning`, async (t) => {
      const { json, truthPerRequest } = await watchDriven(name);
      const churn = json.drive.churn;
      t.diagnostic(
        `${name}: kleak ${churn.perRequest.opened} opened / ${churn.perRequest.closed} closed / ${churn.perRequest.stillOpen} still open per request (${churn.socketsOpened} sockets, ${churn.closedUnplaced} closed before any table read, ${churn.tableReads} table reads, ${churn.polls} polls, median lifetime ${churn.medianLifetimeMs} ms); the service: ${truthPerRequest} per request`,
      );
      assert.equal(truthPerRequest, perRequest, 'the fixture dials as designed');
      assert.ok(
        Math.abs(churn.perRequest.opened - truthPerRequest) <= 0.1 * truthPerRequest,
        `opened ${churn.perRequest.opened} within 10% of ${truthPerRequest}`,
      );
      assert.equal(churn.perRequest.stillOpen, 0);
      assert.equal(json.drive.perRequest.brokerEstablished, 0, 'no net growth: what the net count alone sees');
      const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'client-per-request');
      assert.ok(finding, 'client-per-request');
      assert.equal(finding.severity, 'warning');
      assert.equal(finding.messageId, 'closedPerRequest');
      assert.equal(finding.data.closed, 'true');
      assert.match(finding.summary, /a request took [\d.]+ ms \(median/);
      t.diagnostic(`${name}: median request ${json.drive.result.latencyMs.p50} ms (p90 ${json.drive.result.latencyMs.p90} ms)`);
    });
  }

  for (const name of ['kafkajs-per-request-fixed', 'sarama-shared'] as const) {
    test(`${name} (one client for the process): no connection opened per request, no finding`, async (t) => {
      const { json } = await watchDriven(name);
      t.diagnostic(
        `${name}: median request ${json.drive.result.latencyMs.p50} ms (p90 ${json.drive.result.latencyMs.p90} ms): the latency a shared client gives`,
      );
      assert.equal(json.drive.churn.perRequest.opened, 0);
      assert.equal(
        json.findings.some((f: { ruleId: string }) => f.ruleId === 'client-per-request'),
        false,
      );
    });
  }

  test('kafkajs-per-request (never closed): every connection opened is still open — the leak, an error', async () => {
    const { json } = await watchDriven('kafkajs-per-request');
    assert.equal(json.drive.churn.perRequest.opened, 1);
    assert.equal(json.drive.churn.perRequest.stillOpen, 1);
    const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'client-per-request');
    assert.equal(finding.severity, 'error');
    assert.equal(finding.messageId, 'perRequest');
  });

  test('kafka-go Writers per request whose Transports reap idle connections, driven past the idle timeout: the true opening rate, the goroutines left, an error', async (t) => {
    const name = 'kafkago-reaping-per-request';
    const topic = await createTopic(bootstrap, name);
    const service = await fixture(name, { bootstrap, topic });
    await drive(`${service.url}/produce`, 1);
    const stats = () => getJson<{ connectionsOpened: number; writersBuilt: number }>(`${service.url}/stats`);
    const loops = () => goroutinesMatching(service.url, '(*connPool).discover');
    const [before, loopsBefore] = [await stats(), await loops()];
    // 30 requests of ≥ 100 ms (the Writer's batch timeout): a drive longer than the 1 s idle timeout
    const { json } = await runKleakJson(
      [
        'watch',
        '--pid',
        String(service.pid),
        '--bootstrap',
        bootstrap,
        '--pprof',
        service.url,
        '--drive',
        `${service.url}/produce`,
        '--method',
        'POST',
        '--requests',
        '30',
        '--all-requests',
      ],
      'watch',
    );
    const [after, loopsAfter] = [await stats(), await loops()];
    const sent = json.drive.requests + json.drive.warmup;
    const dialsPerRequest = (after.connectionsOpened - before.connectionsOpened) / sent;
    const loopsPerRequest = (loopsAfter.matching - loopsBefore.matching) / sent;
    const d = json.drive;
    t.diagnostic(
      `kleak: ${d.churn.perRequest.opened} opened / ${d.churn.perRequest.stillOpen} still open per request, net ESTABLISHED ${d.perRequest.brokerEstablished}, goroutines ${JSON.stringify(d.goroutineLifecycle)}; the service: ${dialsPerRequest} dials and ${(after.writersBuilt - before.writersBuilt) / sent} writers per request; the dump: ${loopsPerRequest} metadata loops per request`,
    );
    assert.ok(d.result.durationMs > 1000, `the drive (${d.result.durationMs} ms) outlasts the idle timeout`);
    assert.ok(dialsPerRequest >= 1, 'the fixture dials per request');
    assert.ok(
      Math.abs(d.churn.perRequest.opened - dialsPerRequest) <= 0.1 * dialsPerRequest,
      `opened ${d.churn.perRequest.opened} within 10% of the ${dialsPerRequest} dials`,
    );
    assert.ok(d.churn.brokerClosed > 0, 'connections were reaped during the drive');
    assert.ok(d.perRequest.brokerEstablished < 0.5, 'the net count alone is below the threshold: what a count without inodes would miss');
    const metadataLoops = d.goroutineLifecycle['kafka-go/client-metadata-loop'];
    assert.ok(
      Math.abs(metadataLoops.left - loopsPerRequest) <= 0.1 * loopsPerRequest,
      `metadata loops left ${metadataLoops.left} within 10% of the dump's ${loopsPerRequest}`,
    );
    const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'client-per-request');
    assert.ok(finding, 'client-per-request');
    assert.equal(finding.severity, 'error');
    assert.equal(finding.library, 'kafka-go');
    assert.equal(finding.confidence, 'confirmed');
    assert.match(finding.summary, /new broker connections \(0\.\d still open\).*1\.0 segmentio\/kafka-go clients/);
  });
});
