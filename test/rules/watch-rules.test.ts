// RuleTester-style tables for the rules over sockets and watch evidence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import clientPerRequest from '../../src/rules/client-per-request.js';
import closeWaitSockets from '../../src/rules/close-wait-sockets.js';
import connectionsGrowing from '../../src/rules/connections-growing.js';
import fdExhaustion, { formatDuration } from '../../src/rules/fd-exhaustion.js';
import { drive, inventory, watchResult } from '../helpers/evidence.js';

const flat = Array.from({ length: 20 }, () => 4);
const linear = Array.from({ length: 20 }, (_, i) => 4 + 2 * i);
const plateau = Array.from({ length: 20 }, (_, i) => Math.min(4 + 2 * i, 12));
const sawtooth = Array.from({ length: 20 }, (_, i) => 4 + (i % 6) * 2);

describe('client-per-request', () => {
  const valid = [
    ['no growth per request', drive({ brokerEstablished: 0, goroutines: 0 })],
    ['below the 0.5 threshold (a pool filling up)', drive({ brokerEstablished: 0.1, goroutines: 0.2 })],
  ] as const;
  for (const [name, d] of valid) test(`silent: ${name}`, () => assert.deepEqual(clientPerRequest.check({ watch: watchResult({ established: flat }, { drive: d }) }), []));
  test('silent without a driver', () => assert.deepEqual(clientPerRequest.check({ watch: watchResult({ established: linear }) }), []));

  test('raised: 2 connections and 3 goroutines per request, Sarama from the goroutine names', () => {
    const [f] = clientPerRequest.check({ watch: watchResult({ established: flat }, { drive: drive({ brokerEstablished: 2, goroutines: 3 }) }) });
    assert.equal(f!.library, 'sarama');
    assert.equal(f!.confidence, 'confirmed');
    assert.match(f!.summary, /^2\.0 new broker connections and 3\.0 goroutines per request \(20 requests after 5 warm-up\)/);
  });

  test('raised on goroutines alone, with lower confidence', () => {
    const [f] = clientPerRequest.check({ watch: watchResult({ established: flat }, { drive: drive({ brokerEstablished: 0, goroutines: 1 }) }) });
    assert.equal(f!.confidence, 'likely');
  });
});

describe('connections-growing', () => {
  test('raised on steady growth, with the slope and the test', () => {
    const [f] = connectionsGrowing.check({ watch: watchResult({ established: linear }) });
    assert.match(f!.summary, /grew 4 → 42 in 19 s: 120\.0 per minute, and still growing \(Mann-Kendall p = /);
  });
  for (const [name, series] of [['flat', flat], ['warm-up plateau', plateau], ['sawtooth', sawtooth]] as const) {
    test(`silent on ${name}`, () => assert.deepEqual(connectionsGrowing.check({ watch: watchResult({ established: series }) }), []));
  }
  test('silent when a driver explains the growth', () => assert.deepEqual(connectionsGrowing.check({ watch: watchResult({ established: linear }, { drive: drive({ brokerEstablished: 2 }) }) }), []));
});

describe('close-wait-sockets', () => {
  const withCloseWait = (n: number) => inventory([{ runtime: 'go', brokers: [{ address: '127.0.0.1:9092', nodeId: 1, established: 2, states: { ESTABLISHED: 2, CLOSE_WAIT: n }, sendQueueBytes: 0, receiveQueueBytes: 0 }], totals: { fds: 50, fdLimit: 1024, sockets: 10, tcpSockets: 10, brokerSockets: 2 + n, brokerEstablished: 2, brokerCloseWait: n, nonBrokerSockets: 8 - n } }]);
  test('silent with none or one (a reconnect in progress)', () => {
    assert.deepEqual(closeWaitSockets.check({ sockets: withCloseWait(0) }), []);
    assert.deepEqual(closeWaitSockets.check({ sockets: withCloseWait(1) }), []);
  });
  test('warning with some, error with many', () => {
    const [some] = closeWaitSockets.check({ sockets: withCloseWait(8) });
    assert.match(some!.summary, /^8 broker connections in CLOSE_WAIT \(2 ESTABLISHED\) in PID 100/);
    assert.equal(some!.severity, undefined);
    assert.match(some!.evidence[0]!.description, /127\.0\.0\.1:9092 \(node 1\): 8/);
    assert.equal(closeWaitSockets.check({ sockets: withCloseWait(150) })[0]!.severity, 'error');
  });
});

describe('fd-exhaustion', () => {
  test('steady fd growth: time to the limit from the Theil-Sen slope', () => {
    const fds = Array.from({ length: 20 }, (_, i) => 100 + 10 * i); // 600 per minute
    const [f] = fdExhaustion.check({ watch: watchResult({ established: flat, fds }, { fdLimit: 1024 }) });
    // (1024 - 290) / 600 per min = 73 s
    assert.match(f!.summary, /290 of 1024 fds in use, growing 600 per minute: the limit is reached in about 73 s/);
    assert.equal(f!.severity, 'error');
  });
  test('silent on a plateau, and without a known limit', () => {
    assert.deepEqual(fdExhaustion.check({ watch: watchResult({ established: flat, fds: plateau }) }), []);
    assert.deepEqual(fdExhaustion.check({ watch: watchResult({ established: flat, fds: linear }, { fdLimit: null }) }), []);
  });
  test('durations read like people write them', () => {
    assert.deepEqual([formatDuration(73_000), formatDuration(3_000_000), formatDuration(10_800_000), formatDuration(5 * 86_400_000)], ['73 s', '50 min', '3 h', '5 days']);
  });
});
