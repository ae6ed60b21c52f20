// The schemas in docs/json-schema reject what they should (so a passing validation means something).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSchema } from '../helpers/schema.js';

test('error shape: accepted when complete, rejected without a message', () => {
  assertSchema('error', { schemaVersion: 1, error: { kind: 'InputError', message: 'No process with PID 1', hint: 'check' } });
  assert.throws(() => assertSchema('error', { schemaVersion: 1, error: { kind: 'InputError' } }), /does not match/);
});

test('sockets shape: a missing total or a wrong brokerSource is rejected', () => {
  const totals = { fds: 1, fdLimit: null, sockets: 0, tcpSockets: 0, brokerSockets: 0, brokerEstablished: 0, brokerCloseWait: 0, nonBrokerSockets: 0 };
  const ok = {
    schemaVersion: 1,
    command: 'sockets',
    takenAt: '2026-11-22T00:00:00Z',
    pid: 1,
    pids: [1],
    brokerSource: 'cluster',
    brokerEndpoints: [],
    method: 'sock_diag',
    brokers: [],
    totals,
    processes: [],
    findings: [],
    warnings: [],
    collectors: [{ kind: 'sockets', status: 'ok' }],
    notEvaluated: [],
  };
  assertSchema('sockets', ok);
  const { notEvaluated: _n, ...withoutNotEvaluated } = ok;
  assert.throws(() => assertSchema('sockets', withoutNotEvaluated), /does not match/);
  assert.throws(() => assertSchema('sockets', { ...ok, brokerSource: 'dns' }), /does not match/);
  assert.throws(() => assertSchema('sockets', { ...ok, method: 'netlink' }), /does not match/);
  const { fds: _, ...noFds } = totals;
  assert.throws(() => assertSchema('sockets', { ...ok, totals: noFds }), /does not match/);
});
